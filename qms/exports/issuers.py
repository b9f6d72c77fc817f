"""Who issues a document and who signs it, from the organisation's settings (qms/services/settings.py):
the one place exporters ask, so that no exporter writes a body's name or a signer of its own."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.exports.layout import Issuer, Signature
from qms.extensions import db
from qms.models.org import MemberRole, Membership, Unit, UnitKind, User
from qms.services import settings


def steering() -> Issuer:
    return Issuer(settings.superior_body(), settings.get("steering_body"), settings.get("place"))


def steering_symbol() -> str:
    return settings.get("steering_symbol")


def steering_head(approver: str | None = None) -> Signature:
    """The head of the steering committee signs on its behalf: the name in the settings, or else the
    committee member who approved the document."""
    return Signature(
        authority=settings.get("steering_authority"),
        title=settings.get("steering_head_title"),
        name=settings.get("steering_head_name") or approver or "",
    )


def chair() -> Signature:
    return Signature(
        authority=settings.get("chair_authority"),
        title=settings.get("chair_title"),
        name=settings.get("chair_name"),
    )


def unit(unit: Unit) -> Issuer:
    """A unit issues its own documents under the organisation's superior body; the top unit under its
    own name alone."""
    superior = settings.superior_body() if unit.parent_id is not None else ""
    return Issuer(superior, unit.name, settings.get("place"))


UNIT_HEAD_TITLES = {
    UnitKind.DEPARTMENT: ("", _l("Head of department")),
    UnitKind.COMMUNE: (_l("On behalf of the People's Committee"), _l("Chair")),
    UnitKind.CITY: (_l("On behalf of the People's Committee"), _l("Chair")),
    UnitKind.SERVICE_UNIT: ("", _l("Director")),
}


def unit_head(unit: Unit) -> Signature:
    """The head of a unit signs its documents: the title by the kind of unit, the name of its first
    manager (the person who keeps its records)."""
    authority, title = UNIT_HEAD_TITLES.get(UnitKind(unit.kind), ("", _l("Head of unit")))
    name = db.session.scalar(
        select(User.full_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.unit_id == unit.id, Membership.role == MemberRole.MANAGER, User.active)
        .order_by(Membership.id)
        .limit(1)
    )
    return Signature(authority=str(authority), title=str(title), name=name or "")


def unit_symbol(unit: Unit) -> str:
    """The unit's symbol in document numbers: its code without the kind prefix (P-TNMT → TNMT)."""
    return unit.code.split("-", 1)[-1] if "-" in unit.code else unit.code
