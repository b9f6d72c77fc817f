"""The message that sends an audit plan to a manager of an audited unit, in the manager's language."""

from __future__ import annotations

from email.message import EmailMessage

from flask_babel import force_locale
from flask_babel import gettext as _

from audits.labels import TEAM_ROLE
from audits.models import Audit
from qms.formatting import fmt_date
from qms.models.org import Unit, User
from qms.services import mail


def subject(audit: Audit) -> str:
    return _("Audit plan %(ref)s: please acknowledge it", ref=audit.ref)


def body(audit: Audit, person: User, units: list[Unit], *, base_url: str = "") -> str:
    lang = person.language
    lines = [_("Dear %(name)s,", name=person.full_name), ""]
    lines.append(
        _(
            "The ISO steering committee sends you the plan of internal audit %(ref)s of %(units)s.",
            ref=audit.ref,
            units=", ".join(f"{u.code} — {u.name}" for u in units),
        )
    )
    lines += [
        "",
        _(
            "Dates: %(start)s – %(end)s",
            start=fmt_date(audit.planned_start, lang),
            end=fmt_date(audit.planned_end, lang),
        ),
        _("Audit criteria: TCVN ISO 9001:%(edition)s", edition=audit.edition),
    ]
    if audit.objectives:
        lines.append(_("Objectives: %(text)s", text=audit.objectives))
    if audit.clauses:
        lines.append(_("Clauses in scope: %(numbers)s", numbers=", ".join(c.number for c in audit.clauses)))
    team = [f"{m.user.full_name} ({TEAM_ROLE.get(m.role, m.role)})" for m in audit.team]
    if team:
        lines.append(_("Audit team: %(names)s", names=", ".join(team)))
    if audit.agenda:
        lines += ["", _("Agenda:")]
        for item in audit.agenda:
            contact = f" ({item.auditee_contact})" if item.auditee_contact else ""
            lines.append(f"  - {fmt_date(item.day, lang)} {item.time}: {item.activity}{contact}")
    lines += ["", _("Please acknowledge the plan in QMS Tracker, under “My work”.")]
    if base_url:
        lines.append(base_url.rstrip("/") + f"/audits/{audit.ref}")
    lines += ["", _("This message is sent automatically; please do not reply.")]
    return "\n".join(lines) + "\n"


def message(
    settings: mail.SmtpSettings, audit: Audit, person: User, units: list[Unit], *, base_url: str = ""
) -> EmailMessage:
    with force_locale(person.language):
        text = body(audit, person, units, base_url=base_url)
        return mail.message(settings, person.email, person.full_name, subject(audit), text)
