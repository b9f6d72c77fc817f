"""Where the app's resource folders are, from a checkout or from an installed wheel.

In a checkout `templates/` and `migrations/` stand beside the `qms` package; the wheel
carries them inside it (see `force-include` in pyproject.toml).
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    inside = PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    return PACKAGE_DIR.parent / name


TEMPLATES_DIR = resource_dir("templates")
MIGRATIONS_DIR = resource_dir("migrations")
STATIC_DIR = PACKAGE_DIR / "static"
DATA_DIR = PACKAGE_DIR / "data"
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
