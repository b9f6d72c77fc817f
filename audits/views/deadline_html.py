"""The deadline of a nonconformity's current step and the overdue badge, as HTML. Written in Python
rather than as Jinja macros: the findings table shows them on hundreds of rows, and a macro call costs
more than the words it prints. `Deadlines` translates its words once for a whole table."""

from __future__ import annotations

from markupsafe import Markup

from audits.services.deadlines import ACTIONS, Step
from qms.formatting import DATE_FORMATS, current_lang
from qms.i18n import _translations


def _(message: str) -> str:
    """The message in the request's language (trusted, as Jinja's gettext output is)."""
    return _translations().ugettext(message)


class Deadlines:
    """Draws steps' deadlines and overdue badges in the request's language."""

    def __init__(self) -> None:
        # each message written out, so the catalog extracts it
        self.step_words = {
            "plan": _("plan due %(date)s"),
            "review": _("review due %(date)s"),
            "actions": _("actions due %(date)s"),
            "verify": _("verification due %(date)s"),
        }
        self.days_overdue = _("%(n)s days overdue")
        self.overdue = _("Overdue")
        self.date_format = DATE_FORMATS[current_lang()]

    def badge(self, days: int = 0) -> str:
        words = self.days_overdue % {"n": days} if days else self.overdue
        return f'<span class="badge text-bg-danger overdue">{words}</span>'

    def badge_html(self, days: int = 0) -> Markup:
        return Markup(self.badge(days))  # translated words and a number

    def __call__(self, step: Step | None) -> Markup:
        """The step's own deadline; when an action is late first, that date is the one shown."""
        if step is None:
            return Markup("")
        # Only translated words, dates and fixed names go in: nothing a person typed, nothing to escape.
        html = ""
        overdue = step.overdue
        if step.due_on or step.action_due_on:
            name = step.late_step if overdue else step.name
            when = step.action_due_on if name == ACTIONS else step.due_on
            day = when.strftime(self.date_format) if when else ""
            words = self.step_words.get(name, "%(date)s") % {"date": day}
            css = "text-danger fw-semibold" if overdue else "text-muted"
            html = f'<span class="small step-deadline {css}" data-step="{name}">{words}</span>'
        if overdue:
            html += " " + self.badge(step.days_overdue)
        return Markup(html)  # trusted: see above


def overdue_badge(days: int = 0) -> Markup:
    return Deadlines().badge_html(days)


def step_deadline(step: Step | None) -> Markup:
    return Deadlines()(step)
