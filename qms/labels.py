"""Words for stored names: record types, field names and coded values, in the user's language.

The history keeps raw table names, column names and values (`unit`, `kind`, `department`); the
history table shows them as `Đơn vị`, `Loại`, `Cơ quan chuyên môn`. Each area names its own
records once, next to its models or services:

    labels.register(
        "finding",
        label=_l("Audit finding"),
        fields={"kind": _l("Kind"), "statement": _l("Statement")},
        values={"kind": {"major": _l("Major nonconformity"), "minor": _l("Minor nonconformity")}},
    )

Anything not registered is shown as stored, so a missing word never breaks a page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.formatting import fmt_date, fmt_datetime

_RECORD_TYPES: dict[str, Any] = {}
_FIELDS: dict[tuple[str | None, str], Any] = {}
_VALUES: dict[tuple[str | None, str, str], Any] = {}
_LABEL_FIELDS: dict[str, str] = {}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def register(
    record_type: str | None,
    *,
    label: Any = None,
    fields: Mapping[str, Any] | None = None,
    values: Mapping[str, Mapping[str, Any]] | None = None,
    label_field: str | None = None,
) -> None:
    """Name a record type (its table name), its fields and the coded values of some fields.

    `record_type=None` registers fields and values shared by every record type.
    `label_field` names the field whose coded value a record's history label is (a role row is
    labelled `admin`: shown as the role's word).
    """
    if record_type is not None and label is not None:
        _RECORD_TYPES[record_type] = label
    for name, word in (fields or {}).items():
        _FIELDS[(record_type, name)] = word
    for name, words in (values or {}).items():
        for value, word in words.items():
            _VALUES[(record_type, name, value)] = word
    if record_type is not None and label_field is not None:
        _LABEL_FIELDS[record_type] = label_field


def record_type(name: str) -> str:
    word = _RECORD_TYPES.get(name)
    return str(word) if word is not None else name


def has_field(record_type: str | None, name: str) -> bool:
    """Whether a word is registered for the field (for the record type, or shared by all)."""
    return (record_type, name) in _FIELDS or (None, name) in _FIELDS


def humanise(name: str) -> str:
    """A column name nobody has named yet, made readable: `owner_name` -> `Owner name`,
    `verifier_id` -> `Verifier`."""
    words = name.removesuffix("_id").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def field(record_type: str | None, name: str) -> str:
    word = _FIELDS.get((record_type, name), _FIELDS.get((None, name)))
    return str(word) if word is not None else humanise(name)


def value(record_type: str | None, field: str, stored: Any) -> str:
    """A stored value as the user reads it: coded values by their word, yes/no, dates formatted."""
    if stored is None:
        return "∅"
    if isinstance(stored, bool):
        return _("yes") if stored else _("no")
    if isinstance(stored, datetime):
        return fmt_datetime(stored)
    if isinstance(stored, date):
        return fmt_date(stored)
    if isinstance(stored, str):
        word = _VALUES.get((record_type, field, stored), _VALUES.get((None, field, stored)))
        if word is not None:
            return str(word)
        try:
            if _ISO_DATE.match(stored):
                return fmt_date(date.fromisoformat(stored))
            if _ISO_DATETIME.match(stored):
                return fmt_datetime(datetime.fromisoformat(stored))
        except ValueError:
            return stored
    return str(stored)


def words(record_type: str | None, field: str) -> dict[str, str]:
    """Every coded value of a field with its word (the record type's own over the shared ones), for a
    list that shows the field on each of its rows."""
    found: dict[str, str] = {}
    for owner in (None, record_type):
        for (rtype, name, stored), word in _VALUES.items():
            if (rtype, name) == (owner, field):
                found[stored] = str(word)
    return found


def record_label(record_type: str, label: str) -> str:
    """A history entry's record label; coded labels (a role) by their word."""
    label_field = _LABEL_FIELDS.get(record_type)
    if label_field is None:
        return label
    return value(record_type, label_field, label)


# --- the one table of field words -------------------------------------------------------------
# Every tracked column users may see in a history entry has a word here or in its area's
# registration (tests/test_readable_history.py fails on a column without one). Columns the history
# never shows (ids, version counters, hashes, sequence numbers, `updated_*`) are listed in
# qms.services.history.INTERNAL_COLUMNS instead.

FIELD_LABELS: dict[str | None, dict[str, Any]] = {
    None: {
        "kind": _l("Kind"),
        "status": _l("Status"),
        "title": _l("Title"),
        "description": _l("Description"),
        "period": _l("Period"),
        "year": _l("Year"),
        "edition": _l("Edition"),
        "owner": _l("Owner"),
        "owner_id": _l("Owner"),
        "review_date": _l("Review date"),
        "notes": _l("Notes"),
        "evidence": _l("Evidence"),
        "statement": _l("Statement"),
        "round": _l("Round"),
        "due_on": _l("Due"),
        "done_on": _l("Done"),
        "what": _l("Action"),
        "role": _l("Role"),
        "position": _l("Order"),
        "reason": _l("Reason"),
        "objectives": _l("Objectives"),
        "scope": _l("Scope"),
        "ref": _l("Reference"),
        "clause_id": _l("Clause"),
        "audit_id": _l("Audit"),
        "finding_id": _l("Audit finding"),
        "process_id": _l("Procedure"),
        "process_code": _l("Procedure"),
        "document_id": _l("Controlled document"),
        "approved_by_id": _l("Approved by"),
        "approved_at": _l("Approved at"),
    },
    "interested_party": {"name": _l("Interested party"), "needs": _l("Needs and expectations")},
    "context_issue": {"kind": _l("Internal or external issue")},
    "auditor_competence": {
        "title": _l("Qualification"),
        "certificate": _l("Certificate"),
        "valid_from": _l("Valid from"),
        "valid_to": _l("Valid until"),
    },
    "quality_measurement": {"objective_id": _l("Quality objective"), "value": _l("Measured value")},
    "effectiveness_check": {
        "checked_on": _l("Checked on"),
        "effective": _l("Effective"),
        "verifier_id": _l("Verified by"),
    },
    "checklist_item": {"question": _l("Question"), "result": _l("Result")},
    "audit_agenda_item": {
        "day": _l("Day"),
        "time": _l("Time"),
        "activity": _l("Activity"),
        "auditee_contact": _l("Contact at the unit"),
    },
    "follow_up_proposal": {
        "status": _l("Decision"),
        "decided_by_id": _l("Decided by"),
        "decided_at": _l("Decided at"),
        "audit_id": _l("Follow-up audit"),
    },
    "finding_attachment": {
        "filename": _l("File name"),
        "content_type": _l("File type"),
        "size": _l("File size"),
        "uploaded_by_id": _l("Uploaded by"),
    },
    "corrective_action": {
        "review_comment": _l("Auditor's comment"),
        "reviewed_by_id": _l("Reviewed by"),
        "reviewed_at": _l("Reviewed at"),
    },
    "process": {
        "kind": _l("Kind of procedure"),
        "keeper": _l("Where kept / responsible"),
        "retention": _l("Retention"),
        "medium": _l("Paper or electronic"),
    },
    "process_step": {"kind": _l("Kind of step")},
    "action_item": {
        "owner_name": _l("Owner"),
        "owner_id": _l("Owner (user)"),
        "done_note": _l("What was done"),
    },
    "action_evidence": {
        "action_id": _l("Corrective action"),
        "filename": _l("File name"),
        "content_type": _l("File type"),
        "size": _l("File size"),
        "uploaded_by_id": _l("Uploaded by"),
    },
    "audit_programme": {"year": _l("Year"), "submitted_by_id": _l("Submitted by")},
    "audit_unit": {"plan_acknowledged_by_id": _l("Plan acknowledged by")},
    "issued_document": {
        "issuer_symbol": _l("Symbol of the issuing body"),
        "lang": _l("Language"),
        "size": _l("File size"),
    },
    "audit_team_member": {
        "user_id": _l("Auditor"),
        "competence_warning": _l("Competence warning"),
        "acknowledged_by_id": _l("Acknowledged by"),
        "acknowledged_at": _l("Acknowledged at"),
    },
    "finding": {
        "unit_id": _l("Audited unit"),
        "raised_on": _l("Raised on"),
        "raised_by_id": _l("Raised by"),
        "closed_on": _l("Closed on"),
        "requirement": _l("Requirement"),
        "plan_due_on": _l("Plan due"),
        "review_due_on": _l("Review due"),
        "verify_due_on": _l("Verification due"),
        "checklist_item_id": _l("Checklist question"),
    },
    "audit": {
        "programme_id": _l("Audit programme"),
        "processes": _l("Procedures in scope"),
        "process_code": _l("Procedure"),
        "conclusion": _l("Conclusion"),
        "objectives": _l("Audit objectives"),
        "report_submitted_at": _l("Report submitted at"),
        "report_submitted_by_id": _l("Report submitted by"),
        "report_approved_at": _l("Report approved at"),
        "report_approved_by_id": _l("Report approved by"),
        "plan_sent_by_id": _l("Plan sent by"),
    },
}

for _table, _words in FIELD_LABELS.items():
    register(_table, fields=_words)


# --- the foundation's records ----------------------------------------------------------------

register(
    None,
    fields={
        "code": _l("Code"),
        "name": _l("Name"),
        "active": _l("Active"),
        "note": _l("Note"),
        "source": _l("Source"),
        "created_at": _l("Created"),
        "user_id": _l("User"),
        "unit_id": _l("Unit"),
    },
    values={"language": {"vi": "Tiếng Việt", "en": "English"}},
)
register(
    "unit",
    label=_l("Unit"),
    fields={
        "kind": _l("Kind"),
        "parent_id": _l("Parent unit"),
        "valid_from": _l("Valid from"),
        "valid_until": _l("Valid until"),
    },
    values={
        "kind": {
            "city": _l("City People's Committee"),
            "department": _l("Specialised department"),
            "commune": _l("Ward/commune People's Committee"),
            "service_unit": _l("Public service unit"),
        }
    },
)
register(
    "reorganisation",
    label=_l("Reorganisation"),
    fields={
        "legal_basis": _l("Legal basis"),
        "legal_act_date": _l("Date of the legal act"),
        "effective_on": _l("Effective date"),
        "note": _l("Note"),
        "status": _l("Status"),
        "created_by_id": _l("Created by"),
        "applied_by_id": _l("Applied by"),
        "applied_at": _l("Applied at"),
        "undone_by_id": _l("Undone by"),
        "undone_at": _l("Undone at"),
    },
    values={"status": {"draft": _l("Draft"), "applied": _l("Applied"), "undone": _l("Undone")}},
)
register(
    "reorganisation_move",
    label=_l("Reorganisation move"),
    fields={
        "reorganisation_id": _l("Reorganisation"),
        "kind": _l("Kind of move"),
        "source_unit_id": _l("Unit"),
        "target_unit_id": _l("Successor"),
        "new_code": _l("New code"),
        "new_name": _l("New name"),
        "new_kind": _l("New kind"),
        "new_parent_id": _l("New parent unit"),
        "record_kinds": _l("Records received"),
        "result_unit_id": _l("Continued by"),
    },
    values={
        "kind": {
            "merge": _l("Merge"),
            "split": _l("Split"),
            "rename": _l("Rename or new code"),
            "move": _l("Move under another unit"),
            "end": _l("End"),
            "create": _l("New unit"),
        }
    },
)
register(
    "user_account",
    label=_l("User"),
    fields={
        "email": _l("E-mail"),
        "full_name": _l("Full name"),
        "language": _l("Language"),
        "password_hash": _l("Password"),
    },
)
register(
    "api_token",
    label=_l("API token"),
    fields={
        "user_id": _l("User"),
        "prefix": _l("Starts with"),
        "expires_at": _l("Expires"),
        "last_used_at": _l("Last used"),
        "revoked_at": _l("Revoked"),
    },
)
_ORG_ROLES = {
    "admin": _l("Administrator"),
    "steering": _l("ISO steering committee"),
    "auditor": _l("Internal auditor"),
    "leader": _l("Leadership"),
}
register(
    "user_role",
    label=_l("Organisation-wide role"),
    fields={"role": _l("Role")},
    values={"role": _ORG_ROLES},
    label_field="role",
)
register(
    "membership",
    label=_l("Unit membership"),
    fields={"role": _l("Role in the unit")},
    values={"role": {"manager": _l("Manager"), "member": _l("Member")}},
    label_field="role",
)
# --- the 2008 ↔ 2015 correspondence: its statuses and relations, in one place ---------------
# Templates, the admin form, the history and the exported table all take their words from here.

MAPPING_STATUS_LABELS: dict[str, Any] = {
    "verified": _l("Verified"),
    "corroborated": _l("Corroborated"),
    "disputed": _l("Disputed"),
    "unverified": _l("Unverified"),
}
MAPPING_STATUS_EXPLANATIONS: dict[str, Any] = {
    "verified": _l("Seen in a reproduction of the ISO/TC 176 correlation matrix (N1293)."),
    "corroborated": _l("Seen in third-party correspondence tables only."),
    "disputed": _l("The sources disagree: the alternatives are shown."),
    "unverified": _l("No source found yet."),
}
RELATION_LABELS: dict[str, Any] = {
    "equal": _l("Equal"),
    "subset": _l("Part of the 2015 requirement"),
    "superset": _l("Partly covered in 2015"),
    "intersect": _l("Overlap"),
    "new": _l("New in ISO 9001:2015"),
}
RELATION_EXPLANATIONS: dict[str, Any] = {
    "equal": _l("The 2008 and 2015 requirements are the same."),
    "subset": _l("The 2008 requirement is part of the 2015 one, which asks for more."),
    "superset": _l("The 2015 requirement covers only part of the 2008 one."),
    "intersect": _l("The two requirements overlap in part."),
    "new": _l("The 2015 clause has no 2008 counterpart."),
}
RELATION_IS_A_JUDGEMENT = _l(
    "Relations are our judgement of how the requirements compare, not a statement of the sources."
)


def mapping_status(value: str) -> str:
    word = MAPPING_STATUS_LABELS.get(value)
    return str(word) if word is not None else value


def mapping_status_explanation(value: str) -> str:
    word = MAPPING_STATUS_EXPLANATIONS.get(value)
    return str(word) if word is not None else ""


def relation(value: str) -> str:
    word = RELATION_LABELS.get(value)
    return str(word) if word is not None else value


def relation_explanation(value: str) -> str:
    word = RELATION_EXPLANATIONS.get(value)
    return str(word) if word is not None else ""


def relation_sentence(value: str, own: str, other: str, *, own_is_2008: bool) -> str:
    """The relation worded from one clause's side: `own` and `other` name the clauses
    ("2008 4.1", "2015 4.4"). From 2008 4.1 a subset reads "2008 4.1 is part of 2015 4.4";
    from 2015 4.4 the same row reads "2015 4.4 covers 2008 4.1 and more"."""
    if value == "new":
        return _("%(own)s is new in ISO 9001:2015", own=own)
    if value == "equal":
        return _("%(own)s is the same as %(other)s", own=own, other=other)
    if value == "intersect":
        return _("%(own)s overlaps %(other)s in part", own=own, other=other)
    part_of = (value == "subset") == own_is_2008  # the clause whose requirement is the smaller one
    if part_of:
        return _("%(own)s is part of %(other)s", own=own, other=other)
    return _("%(own)s covers %(other)s and more", own=own, other=other)


register(
    "clause_mapping",
    label=_l("Correspondence"),
    fields={
        "status": _l("Status"),
        "relation": _l("Relation"),
        "alternatives": _l("Alternatives (English)"),
        "alternatives_vi": _l("Alternatives (Vietnamese)"),
        "note": _l("Note (English)"),
        "note_vi": _l("Note (Vietnamese)"),
        "source": _l("Source"),
        "clause_2008_id": _l("ISO 9001:2008 clause"),
        "clause_2015_id": _l("ISO 9001:2015 clause"),
    },
    values={"status": MAPPING_STATUS_LABELS, "relation": RELATION_LABELS},
)
register(
    "org_setting",
    label=_l("Setting"),
    fields={"key": _l("Setting"), "value": _l("Value")},
)
register(
    "issued_document",
    label=_l("Issued document"),
    fields={
        "number": _l("Number"),
        "doc_type": _l("Type"),
        "issued_on": _l("Date of issue"),
        "subject": _l("Subject"),
        "signer_name": _l("Signed by"),
        "signer_title": _l("Title of the signer"),
        "recipients": _l("Recipients"),
        "source_ref": _l("Record"),
        "filename": _l("File"),
        "replaces_id": _l("Replaces"),
        "issued_by_id": _l("Issued by"),
    },
    values={
        "doc_type": {
            "BC": _l("Report"),
            "KH": _l("Plan"),
            "TB": _l("Notice"),
            "QĐ": _l("Decision"),
            "CTr": _l("Programme"),
            "BB": _l("Minutes"),
        }
    },
)


# --- remapping stored 2008 clause references to 2015 ------------------------------------------

REMAP_KIND_LABELS: dict[str, Any] = {
    "procedure": _l("Procedure"),
    "document": _l("Controlled document"),
    "audit_scope": _l("Audit scope"),
    "checklist_item": _l("Checklist question"),
    "finding": _l("Audit finding"),
}
REMAP_MODE_LABELS: dict[str, Any] = {
    "replace": _l("Remapped (cites the 2015 clause)"),
    "annotate": _l("Kept as audited, with its 2015 equivalent"),
}
register(None, fields={"remapped_from_id": _l("Remapped from (ISO 9001:2008)")})
register(
    "clause_remap",
    label=_l("Remapping of a 2008 clause reference"),
    fields={
        "kind": _l("Record"),
        "record_id": _l("Record number"),
        "clause_2008_id": _l("ISO 9001:2008 clause"),
        "mode": _l("How"),
        "comment": _l("Comment"),
        "decided_by_id": _l("Decided by"),
        "decided_at": _l("Decided at"),
        "undone_by_id": _l("Undone by"),
        "undone_at": _l("Undone at"),
    },
    values={"kind": REMAP_KIND_LABELS, "mode": REMAP_MODE_LABELS},
)
