"""The deadline of a nonconformity's current step and the overdue badge, as HTML. Written in Python
rather than as Jinja macros: the findings table shows them on hundreds of rows, and a macro call costs
more than the words it prints."""

from __future__ import annotations

from markupsafe import Markup

from audits.services.deadlines import Step
from qms.formatting import fmt_date
from qms.i18n import _translations


def _(message: str) -> Markup:
    """The message in the request's language, trusted as markup (as Jinja's gettext does)."""
    return Markup(_translations().ugettext(message))


def _step_words(name: str, when: str) -> Markup:
    """The words of a step's deadline (each message written out, so the catalog extracts it)."""
    if name == "plan":
        return _("plan due %(date)s") % {"date": when}
    if name == "review":
        return _("review due %(date)s") % {"date": when}
    if name == "actions":
        return _("actions due %(date)s") % {"date": when}
    if name == "verify":
        return _("verification due %(date)s") % {"date": when}
    return Markup("")


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
        words = _step_words(name, when)
        html += Markup('<span class="small step-deadline %s" data-step="%s">%s</span>') % (css, name, words)
    if step.overdue:
        html += Markup(" ") + overdue_badge(step.days_overdue)
    return html
