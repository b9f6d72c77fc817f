"""The deadline of a nonconformity's current step and the overdue badge, as HTML. Written in Python
rather than as Jinja macros: the findings table shows them on hundreds of rows, and a macro call costs
more than the words it prints."""

from __future__ import annotations

from markupsafe import Markup

from audits.services.deadlines import Step
from qms.formatting import fmt_date
from qms.i18n import _translations

STEP_WORDS = {
    "plan": "plan due %(date)s",
    "review": "review due %(date)s",
    "actions": "actions due %(date)s",
    "verify": "verification due %(date)s",
}


def _(message: str) -> Markup:
    """The message in the request's language, trusted as markup (as Jinja's gettext does)."""
    return Markup(_translations().ugettext(message))


def overdue_badge(days: int = 0) -> Markup:
    words = _("%(n)s days overdue") % {"n": days} if days else _("Overdue")
    return Markup('<span class="badge text-bg-danger overdue">%s</span>') % words


def step_deadline(step: Step | None) -> Markup:
    """The step's own deadline; when an action is late first, that date is the one shown."""
    if step is None:
        return Markup("")
    html = Markup("")
    if step.due_on or step.action_due_on:
        name = step.late_step if step.overdue else step.name
        when = fmt_date(step.action_due_on if name == "actions" else step.due_on)
        css = "text-danger fw-semibold" if step.overdue else "text-muted"
        words = _(STEP_WORDS[name]) % {"date": when} if name in STEP_WORDS else Markup("")
        html += Markup('<span class="small step-deadline %s" data-step="%s">%s</span>') % (css, name, words)
    if step.overdue:
        html += Markup(" ") + overdue_badge(step.days_overdue)
    return html
