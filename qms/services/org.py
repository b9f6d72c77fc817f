"""Units, users, org-wide roles and memberships."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol, TypeVar

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Row, and_, func, or_, select, true
from sqlalchemy.orm import selectinload

from qms.extensions import db
from qms.formatting import fmt_date
from qms.models.org import (
    MemberRole,
    Membership,
    OrgRole,
    Unit,
    UnitKind,
    User,
    UserRole,
    check_no_password,
)
from qms.services import access, passwords, sessions
from qms.services.errors import DomainError, ImportFailed, NotFound
from qms.services.history import act_as
from qms.services.tabular import read_table
from qms.text import limit_of

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,39}$")
MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH


# --- units -----------------------------------------------------------------------------------


class _TreeNode(Protocol):
    id: int
    parent_id: int | None
    kind: str
    code: str


Node = TypeVar("Node", bound=_TreeNode)


def _in_tree_order(nodes: Iterable[Node]) -> list[tuple[Node, int]]:
    """`nodes` in tree order (the city first among siblings, then by code), each with its depth."""
    children: dict[int | None, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    ordered: list[tuple[Node, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for node in sorted(children.get(parent_id, []), key=lambda n: (n.kind != UnitKind.CITY, n.code)):
            ordered.append((node, depth))
            walk(node.id, depth + 1)

    walk(None, 0)
    return ordered


def units_tree(on: date | None = None) -> list[tuple[Unit, int]]:
    """Every unit in tree order with its depth; given a day, the units that existed that day (the
    organisation as it stood then)."""
    stmt = select(Unit) if on is None else select(Unit).where(Unit.valid_on(on))
    return _in_tree_order(db.session.scalars(stmt))


def unit_options() -> list[Row[tuple[int, int | None, str, str, str]]]:
    """Every unit's id, parent, kind, code and name in tree order, for a list's unit filter: plain rows,
    not units."""
    rows = db.session.execute(select(Unit.id, Unit.parent_id, Unit.kind, Unit.code, Unit.name))
    return [row for row, _depth in _in_tree_order(rows)]


def unit_by_code(code: str, on: date | None = None) -> Unit:
    """The unit with that code on that day (default today): codes are reused over time, so a code
    alone does not name a unit."""
    day = on or date.today()
    unit = db.session.scalar(select(Unit).where(Unit.code == code.strip().upper(), Unit.valid_on(day)))
    if unit is None:
        if on is None:
            raise NotFound(_("No unit has the code %(code)s.", code=code))
        raise NotFound(_("No unit had the code %(code)s on %(date)s.", code=code, date=fmt_date(on)))
    return unit


def find_unit(code: str, on: date | None = None) -> Unit | None:
    """`unit_by_code`, or None when no unit has that code on that day."""
    day = on or date.today()
    return db.session.scalar(select(Unit).where(Unit.code == code.strip().upper(), Unit.valid_on(day)))


def units_by_code(on: date | None = None) -> dict[str, Unit]:
    """Every unit valid on that day (default today) by its code: what imports match codes against."""
    on = on or date.today()
    return {u.code: u for u in db.session.scalars(select(Unit).where(Unit.valid_on(on)))}


def _overlaps(valid_from: date | None, valid_until: date | None) -> ColumnElement[bool]:
    """Units whose validity shares at least one day with [valid_from, valid_until] (None = open)."""
    conditions: list[ColumnElement[bool]] = []
    if valid_until is not None:
        conditions.append(or_(Unit.valid_from.is_(None), Unit.valid_from <= valid_until))
    if valid_from is not None:
        conditions.append(or_(Unit.valid_until.is_(None), Unit.valid_until >= valid_from))
    return and_(true(), *conditions)


def code_clash(
    code: str, valid_from: date | None, valid_until: date | None, *, other_than: int | None = None
) -> Unit | None:
    """Another unit with that code whose validity overlaps the period: two units never share a code
    on the same day."""
    stmt = select(Unit).where(Unit.code == code, _overlaps(valid_from, valid_until))
    if other_than is not None:
        stmt = stmt.where(Unit.id != other_than)
    return db.session.scalar(stmt.order_by(Unit.id).limit(1))


def _check_unit_fields(code: str, name: str, kind: str) -> None:
    if not CODE_RE.match(code):
        raise DomainError(
            _("A code is 1 to 40 capital letters, digits, '-', '_' or '.', e.g. P-TNMT."), field="code"
        )
    if not name.strip():
        raise DomainError(_("A name is required."), field="name")
    if kind not in set(UnitKind):
        raise DomainError(_("Unknown kind of unit: %(kind)s.", kind=kind), field="kind")


def _check_parent(unit: Unit | None, parent: Unit | None) -> None:
    if parent is None or unit is None:
        return
    node: Unit | None = parent
    while node is not None:
        if node is unit or (unit.id is not None and node.id == unit.id):
            raise DomainError(
                _("A unit cannot sit below itself or one of its own sub-units."), field="parent_id"
            )
        node = node.parent


def create_unit(
    *,
    actor: User | None,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None = None,
    active: bool = True,
    valid_from: date | None = None,
) -> Unit:
    """A new unit, open-ended; `valid_from` when it starts on a known day (a code ended before that day
    may be used again)."""
    if actor is not None:
        access.require_admin(actor)
    act_as(actor)
    code = code.strip().upper()
    _check_unit_fields(code, name, kind)
    if code_clash(code, valid_from, None) is not None:
        raise DomainError(_("The code %(code)s is already used by another unit.", code=code), field="code")
    unit = Unit(code=code, name=name.strip(), kind=kind, parent=parent, active=active, valid_from=valid_from)
    db.session.add(unit)
    db.session.flush()
    return unit


def update_unit(
    unit: Unit, *, actor: User | None, code: str, name: str, kind: str, parent: Unit | None, active: bool
) -> Unit:
    if actor is not None:
        access.require_admin(actor)
    act_as(actor)
    code = code.strip().upper()
    _check_unit_fields(code, name, kind)
    if code_clash(code, unit.valid_from, unit.valid_until, other_than=unit.id) is not None:
        raise DomainError(_("The code %(code)s is already used by another unit.", code=code), field="code")
    if active and unit.is_historical():
        raise DomainError(
            _(
                "%(code)s ended on %(date)s: a historical unit stays inactive.",
                code=unit.code,
                date=fmt_date(unit.valid_until),
            ),
            field="active",
        )
    _check_parent(unit, parent)
    unit.code, unit.name, unit.kind, unit.parent, unit.active = code, name.strip(), kind, parent, active
    db.session.flush()
    return unit


@dataclass
class UnitImportResult:
    created: int = 0
    updated: int = 0


def import_units(path: str | Path, *, actor: User | None) -> UnitImportResult:
    """Create or update units from a CSV/XLSX file (code,name,kind,parent_code).

    Parents may come later in the same file. Every row is checked before anything is written.
    """
    if actor is not None:
        access.require_admin(actor)
    limits = {"code": limit_of(Unit.code), "name": limit_of(Unit.name), "parent_code": limit_of(Unit.code)}
    rows = read_table(path, ["code", "name", "kind", "parent_code"], limits=limits)
    act_as(actor)
    seen: dict[str, int] = {}
    parsed: list[tuple[int, str, str, str, str]] = []
    for row in rows:
        code = row.get("code").upper()
        name, kind, parent_code = row.get("name"), row.get("kind").lower(), row.get("parent_code").upper()
        if not code:
            raise row.fail("code", _("a code is required"))
        if not CODE_RE.match(code):
            raise row.fail("code", _("'%(value)s' is not a valid unit code", value=code))
        if code in seen:
            raise row.fail("code", _("%(code)s already appears in row %(row)s", code=code, row=seen[code]))
        seen[code] = row.number
        if not name:
            raise row.fail("name", _("a name is required"))
        if kind not in set(UnitKind):
            raise row.fail(
                "kind", _("'%(value)s' is not one of %(allowed)s", value=kind, allowed=", ".join(UnitKind))
            )
        if parent_code == code:
            raise row.fail("parent_code", _("a unit cannot be its own parent"))
        parsed.append((row.number, code, name, kind, parent_code))

    existing = units_by_code()
    for number, code, _name, _kind, _parent_code in parsed:
        if code not in existing and code_clash(code, None, None) is not None:
            # an ended unit's code: a unit reusing it starts on a known day (a reorganisation makes it)
            raise ImportFailed(
                _("%(code)s is the code of a unit that has ended", code=code), row=number, column="code"
            )
    for number, _code, _name, _kind, parent_code in parsed:
        if parent_code and parent_code not in seen and parent_code not in existing:
            raise ImportFailed(
                _("no unit has the code %(code)s", code=parent_code), row=number, column="parent_code"
            )

    # Parent links as they will be after the import, to refuse cycles before writing.
    parent_of = {u.code: (u.parent.code if u.parent else "") for u in existing.values()}
    for _number, code, _name, _kind, parent_code in parsed:
        parent_of[code] = parent_code
    for number, code, *_rest in parsed:
        node, steps = parent_of.get(code, ""), 0
        while node:
            if node == code or steps > len(parent_of):
                raise ImportFailed(_("the parent links form a cycle"), row=number, column="parent_code")
            node, steps = parent_of.get(node, ""), steps + 1

    result = UnitImportResult()
    units = dict(existing)
    for _number, code, name, kind, _parent_code in parsed:
        unit = units.get(code)
        if unit is None:
            unit = Unit(code=code, name=name, kind=kind, active=True)
            db.session.add(unit)
            units[code] = unit
            result.created += 1
        else:
            unit.name, unit.kind = name, kind
            result.updated += 1
    for _number, code, _name, _kind, parent_code in parsed:
        units[code].parent = units[parent_code] if parent_code else None
    db.session.flush()
    return result


# --- users -----------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise DomainError(
            _("'%(email)s' is not a valid e-mail address.", email=email), field="email"
        ) from exc


def user_by_email(email: str) -> User | None:
    """The person with that e-mail, with their roles and units (what signing in and every page's access
    checks read)."""
    return db.session.scalar(
        select(User)
        .where(func.lower(User.email) == email.strip().lower())
        .options(selectinload(User.role_rows), selectinload(User.memberships).joinedload(Membership.unit))
    )


def require_user(email: str) -> User:
    user = user_by_email(email)
    if user is None:
        raise NotFound(_("No user has the e-mail address %(email)s.", email=email))
    return user


def _set_roles(user: User, roles: Iterable[str]) -> None:
    wanted = set(roles)
    unknown = wanted - set(OrgRole)
    if unknown:
        raise DomainError(_("Unknown role: %(role)s.", role=", ".join(sorted(unknown))), field="roles")
    for row in list(user.role_rows):
        if row.role not in wanted:
            user.role_rows.remove(row)  # delete-orphan cascade deletes the row
    have = user.roles
    for role in sorted(wanted - have):
        user.role_rows.append(UserRole(role=role))


def create_user(
    *,
    actor: User | None,
    email: str,
    full_name: str,
    password: str,
    roles: Iterable[str] = (),
    language: str = "vi",
    active: bool = True,
    password_policy: bool = True,
) -> User:
    """A new user. `password_policy=False` only for the demo, whose shared password is weak on purpose."""
    if actor is not None:
        access.require_admin(actor)
    act_as(actor)
    email = normalise_email(email)
    if not full_name.strip():
        raise DomainError(_("A full name is required."), field="full_name")
    if user_by_email(email) is not None:
        raise DomainError(
            _("A user with the e-mail address %(email)s already exists.", email=email), field="email"
        )
    if password_policy:
        passwords.check(password, email=email, full_name=full_name.strip())
    if language not in ("vi", "en"):
        raise DomainError(_("Unknown language: %(lang)s.", lang=language), field="language")
    user = User(email=email, full_name=full_name.strip(), language=language, active=active)
    user.set_password(password)
    _set_roles(user, roles)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(
    user: User,
    *,
    actor: User,
    email: str,
    full_name: str,
    roles: Iterable[str],
    language: str,
    active: bool,
) -> User:
    access.require_admin(actor)
    act_as(actor)
    email = normalise_email(email)
    if not full_name.strip():
        raise DomainError(_("A full name is required."), field="full_name")
    other = user_by_email(email)
    if other is not None and other.id != user.id:
        raise DomainError(
            _("A user with the e-mail address %(email)s already exists.", email=email), field="email"
        )
    roles = set(roles)
    if user.id == actor.id and OrgRole.ADMIN not in roles:
        raise DomainError(_("You cannot remove your own administrator role."), field="roles")
    if user.id == actor.id and not active:
        raise DomainError(_("You cannot deactivate your own account."), field="active")
    user.email, user.full_name, user.language, user.active = email, full_name.strip(), language, active
    _set_roles(user, roles)
    if not active:
        sessions.end_all(user)
    db.session.flush()
    return user


def set_password(user: User, password: str, *, actor: User | None) -> None:
    """An administrator (or the CLI, actor None) sets a user's password; the user's sessions end (an
    administrator setting their own keeps the one they are using)."""
    if actor is not None and actor.id != user.id:
        access.require_admin(actor)
    act_as(actor)
    passwords.check(password, email=user.email, full_name=user.full_name)
    user.set_password(password)
    sessions.end_all(user, keep_current=actor is not None and actor.id == user.id)
    db.session.flush()


def change_own_password(user: User, *, current: str, new: str) -> None:
    act_as(user)
    if not user.check_password(current):
        raise DomainError(_("The current password is not correct."), field="current_password")
    if current == new:
        raise DomainError(_("The new password must differ from the current one."), field="new_password")
    passwords.check(new, email=user.email, full_name=user.full_name, field="new_password")
    user.set_password(new)
    sessions.end_all(user, keep_current=True)
    db.session.flush()


def set_language(user: User, language: str) -> None:
    if language not in ("vi", "en"):
        raise DomainError(_("Unknown language: %(lang)s.", lang=language))
    act_as(user)
    user.language = language
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for every failure)."""
    user = user_by_email(email)
    if user is None:
        check_no_password(password)  # as long as a real check: the time does not tell who has an account
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


# --- memberships -----------------------------------------------------------------------------


def add_membership(user: User, unit: Unit, role: str, *, actor: User | None) -> Membership:
    if actor is not None:
        access.require_admin(actor)
    act_as(actor)
    if role not in set(MemberRole):
        raise DomainError(_("Unknown membership role: %(role)s.", role=role), field="role")
    membership = user.membership_in(unit.id)
    if membership is not None:
        membership.role = role
    else:
        membership = Membership(user=user, unit=unit, role=role)
        db.session.add(membership)
    db.session.flush()
    return membership


def remove_membership(membership: Membership, *, actor: User) -> None:
    access.require_admin(actor)
    act_as(actor)
    membership.user.memberships.remove(membership)
    db.session.delete(membership)
    db.session.flush()


def parse_membership_spec(spec: str) -> tuple[Unit, str]:
    """'P-TNMT:manager' → (unit, 'manager')."""
    code, _sep, role = spec.partition(":")
    role = role.strip().lower() or MemberRole.MEMBER
    if role not in set(MemberRole):
        raise DomainError(_("Unknown membership role: %(role)s.", role=role))
    return unit_by_code(code), role


def counts() -> dict[str, int]:
    return {
        "units": db.session.scalar(select(func.count(Unit.id)).where(Unit.active)) or 0,
        "users": db.session.scalar(select(func.count(User.id)).where(User.active)) or 0,
    }
