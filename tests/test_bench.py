"""The benchmark runs end to end on a tiny database: a row per measurement and the worst ratio."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_bench_prints_project_floor_and_ratio_of_every_measurement(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    # On PostgreSQL when QMS_TEST_POSTGRES_URL names a test database (emptied and filled here).
    url = os.environ.get("QMS_TEST_POSTGRES_URL") or f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "build_dataset.py"), "--findings", "300", "--url", url],
        check=True,
        capture_output=True,
    )
    _load("run").main(["--url", url, "-n", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert "300 findings" in lines[0]
    assert lines[1].split()[-4:] == ["ms", "ratio", "SQL"] or lines[1].endswith("ratio  SQL")
    rows = lines[2:-1]
    names = [
        "findings list, page 1",
        "findings list, filtered",
        "findings list, deep page (last)",
        "audit page DG-2025-01 (200 findings)",
        "steering dashboard",
        "auditor's dashboard",
        "auditor's My work",
        "programmes list",
        "corrective actions list",
        "audit report .docx vs python-docx cell.text",
        "audit report .docx vs table as one XML string",
        "findings register 2025 .xlsx vs write-only",
    ]
    assert [row[:48].strip() for row in rows] == names
    for row in rows:
        project_ms, floor_ms, ratio, statements = row[48:].split()
        assert float(project_ms) > 0 and float(floor_ms) > 0 and float(ratio) > 0
        assert int(statements) > 0
    assert lines[-1].startswith("worst ratio: ")
    assert lines[-1].split("(", 1)[1].removesuffix(")") in names


def test_dataset_builds_any_size(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tiny.sqlite3'}"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "build_dataset.py"), "--findings", "250", "--url", url],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "250 findings" in result.stdout
    build = _load("build_dataset")
    assert build.database_url(None, 10_000).endswith("bench/bench-10000.sqlite3")
