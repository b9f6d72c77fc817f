"""Translations beyond the app's own `messages` catalog: WTForms' built-in validation messages.

WTForms ships no Vietnamese, so its messages ("This field is required.", "Invalid email
address.") are translated in our `wtforms` catalog (qms/translations/<lang>/LC_MESSAGES/wtforms.po,
extracted from the installed WTForms and Flask-WTF by scripts/i18n.sh). Flask-WTF looks for the
catalog of a request in `request.wtforms_translations` before loading WTForms' own; we put ours there.
"""

from __future__ import annotations

from babel import support
from flask import Flask, g, request
from flask_babel import get_locale, get_translations, refresh

from qms.paths import TRANSLATIONS_DIR

WTFORMS_DOMAIN = "wtforms"
_catalogs: dict[str, support.NullTranslations] = {}


def wtforms_catalog() -> support.NullTranslations:
    locale = get_locale()
    key = str(locale) if locale is not None else ""
    if key not in _catalogs:
        _catalogs[key] = (
            support.Translations.load(str(TRANSLATIONS_DIR), [locale], domain=WTFORMS_DOMAIN)
            if locale is not None
            else support.NullTranslations()
        )
    return _catalogs[key]


class WTFormsTranslations:
    """The translations object Flask-WTF asks, resolved in the request's language when used."""

    def ugettext(self, string: str) -> str:
        return wtforms_catalog().gettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return wtforms_catalog().ngettext(singular, plural, n)


def _translations() -> support.NullTranslations:
    """The request's catalog, looked up once and kept where Flask-Babel keeps it (`babel_translations`,
    which its `refresh()` and `force_locale()` reset): a page calls gettext hundreds of times, and
    Flask-Babel's own lookup (domain, context, locale, cache key) costs more than the translation."""
    ctx = getattr(g, "_flask_babel", None) if g else None
    translations = getattr(ctx, "babel_translations", None)
    if translations is None:
        translations = get_translations()
        if ctx is not None:
            ctx.babel_translations = translations
    return translations


def init_app(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @app.before_request
    def _request_language() -> None:
        # Flask-Babel caches the locale in `g`, which lives as long as the app context: a
        # context kept across requests (tests, scripts) must not keep the previous user's language.
        refresh()
        request.wtforms_translations = WTFormsTranslations()  # type: ignore[attr-defined]

    @app.teardown_request
    def _forget_request_language(_exc: BaseException | None) -> None:
        refresh()
