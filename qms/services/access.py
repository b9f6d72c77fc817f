"""Who may do what: the one place every view and command asks.

- admin administers users, units and reference data;
- steering, auditor and leader read every unit's records;
- a unit's manager reads and edits that unit's records; a member reads them;
- nobody else sees a unit's records.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qms.models.org import MemberRole, OrgRole, Unit, User
from qms.services.errors import NotAllowed

READ_ALL_ROLES = (OrgRole.ADMIN, OrgRole.STEERING, OrgRole.AUDITOR, OrgRole.LEADER)


def is_admin(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.has_role(OrgRole.ADMIN)


def reads_everything(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.has_role(*READ_ALL_ROLES)


def can_administer(user: User | None) -> bool:
    return is_admin(user)


def can_read_unit(user: User | None, unit: Unit) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return reads_everything(user) or user.membership_in(unit.id) is not None


def can_edit_unit_records(user: User | None, unit: Unit) -> bool:
    if user is None or not user.is_authenticated:
        return False
    membership = user.membership_in(unit.id)
    return membership is not None and membership.role == MemberRole.MANAGER


def managed_unit_ids(user: User) -> set[int]:
    return {m.unit_id for m in user.memberships if m.role == MemberRole.MANAGER}


def require_admin(user: User | None) -> None:
    if not can_administer(user):
        raise NotAllowed(_l("Only an administrator may do this."))


def require_read_unit(user: User | None, unit: Unit) -> None:
    if not can_read_unit(user, unit):
        raise NotAllowed(_l("You may not see the records of this unit."))


def require_edit_unit_records(user: User | None, unit: Unit) -> None:
    if not can_edit_unit_records(user, unit):
        raise NotAllowed(_l("Only a manager of this unit may change its records."))
