"""The organisation's settings: who issues which document and who signs it, the place written in the
date line. An administrator edits them; each has a sensible default, so a new deployment issues
correct documents before anyone has opened the settings page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.extensions import db
from qms.formatting import current_lang
from qms.models.issuing import OrgSetting
from qms.models.org import Unit, User
from qms.services import access
from qms.services.errors import DomainError
from qms.services.history import act_as


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: object
    default: str
    help: object = ""
    max_length: int = 200
    default_en: str = ""  # the default in English documents, where it is a word rather than a name


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "superior_body",
        _l("Superior body"),
        "",
        _l("Printed above the issuing body, e.g. UBND THÀNH PHỐ NHA TRANG; empty: the top unit's name."),
    ),
    SettingSpec("place", _l("Place in the date line"), "Nha Trang"),
    SettingSpec(
        "steering_body",
        _l("Name of the ISO steering committee"),
        "Ban chỉ đạo ISO",
        default_en="ISO steering committee",
    ),
    SettingSpec("steering_symbol", _l("Symbol of the steering committee in numbers"), "BCĐ", max_length=20),
    SettingSpec(
        "steering_authority",
        _l("Signing authority of the committee"),
        "TM. Ban chỉ đạo ISO",
        default_en="On behalf of the ISO steering committee",
    ),
    SettingSpec(
        "steering_head_title",
        _l("Title of the head of the steering committee"),
        "Trưởng ban",
        default_en="Head of the committee",
    ),
    SettingSpec("steering_head_name", _l("Full name of the head of the steering committee"), ""),
    SettingSpec(
        "chair_authority",
        _l("Signing authority of the People's Committee"),
        "TM. Ủy ban nhân dân",
        default_en="On behalf of the People's Committee",
    ),
    SettingSpec("chair_title", _l("Title of the chair"), "Chủ tịch", default_en="Chair"),
    SettingSpec("chair_name", _l("Full name of the chair"), ""),
    SettingSpec("nc_form_code", _l("Code of the corrective action request form"), "BM.ĐGNB.03"),
    SettingSpec("nc_form_issue", _l("Issue of the corrective action request form"), "01", max_length=10),
    SettingSpec("chair_symbol", _l("Symbol of the People's Committee in numbers"), "UBND", max_length=20),
)
BY_KEY = {spec.key: spec for spec in SPECS}


def get(key: str) -> str:
    """The value an administrator set, else the default (in English documents, its English wording)."""
    spec = BY_KEY[key]
    value = stored_values().get(key, "")
    if value:
        return value
    return spec.default_en if spec.default_en and current_lang() == "en" else spec.default


def stored_values() -> dict[str, str]:
    """What an administrator set (empty where the default applies); read once per request or command,
    since one document asks for several settings."""
    cached = g.get(_CACHE) if has_app_context() else None
    if cached is None:
        cached = {row.key: row.value for row in db.session.scalars(select(OrgSetting))}
        if has_app_context():
            setattr(g, _CACHE, cached)
    return cached


_CACHE = "qms_org_settings"


def forget() -> None:
    """Read the settings from the database again on next use."""
    if has_app_context():
        g.pop(_CACHE, None)


def all_values() -> dict[str, str]:
    stored = {row.key: row.value for row in db.session.scalars(select(OrgSetting))}
    return {spec.key: stored.get(spec.key) or spec.default for spec in SPECS}


def update(values: dict[str, str], *, actor: User | None) -> None:
    """Save the settings given; an empty value falls back to the default."""
    if actor is not None:
        access.require_admin(actor)
    act_as(actor)
    for key, value in values.items():
        spec = BY_KEY.get(key)
        if spec is None:
            raise DomainError(str(_l("Unknown setting: %(key)s.", key=key)), field=key)
        value = " ".join((value or "").split())
        if len(value) > spec.max_length:
            raise DomainError(
                str(_l("At most %(n)s characters.", n=spec.max_length)),
                field=key,
            )
        forget()
        row = db.session.get(OrgSetting, key)
        if row is None:
            if value:
                db.session.add(OrgSetting(key=key, value=value))
        elif row.value != value:
            row.value = value
    db.session.flush()


def superior_body() -> str:
    """The configured superior body, or the name of the top unit of the organisation."""
    configured = get("superior_body")
    if configured:
        return configured
    top = db.session.scalar(
        select(Unit.name).where(Unit.parent_id.is_(None), Unit.active).order_by(Unit.id).limit(1)
    )
    return top or ""
