"""The page's menus, rendered once per process for each language and set of things a person may see.

Every page shows the same menus to everyone with the same roles: about forty links and forty labels
whose building cost more than the rest of a small page. `templates/_menus.html` is rendered the first
time a (language, script root, what the person sees) combination asks for it and kept as markup; the
person's name and the sign-out form (its CSRF token) stay in `base.html`. Written by hand because the
key is small and fixed, and a per-process dict needs no cache server.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from qms.models.org import User
from qms.services import access

MARKER = "<!--user-menu-->"


class Sees(NamedTuple):
    """What decides which menu entries a person is shown."""

    everything: bool
    audits: bool
    leadership: bool
    administration: bool


class Menus(NamedTuple):
    main: Markup
    user_links: Markup


_rendered: dict[tuple[str, str, Sees], Menus] = {}


def sees(user: User) -> Sees:
    everything = access.reads_everything(user)
    return Sees(
        everything=everything,
        audits=everything or bool(user.memberships),
        leadership=access.can_see_leadership(user),
        administration=access.can_administer(user),
    )


def menus(user: User) -> Menus:
    """The main menu and the links of the person's own menu, as markup."""
    what = sees(user)
    key = (str(get_locale()), request.script_root, what)
    found = _rendered.get(key)
    if found is None:
        html = render_template("_menus.html", sees=what)
        main, _sep, links = html.partition(MARKER)
        found = Menus(Markup(main), Markup(links))  # rendered by autoescaping Jinja
        if not current_app.jinja_env.auto_reload:  # a template edited while developing shows at once
            _rendered[key] = found
    return found
