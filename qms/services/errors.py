"""Domain errors: views turn them into flashes or field errors, the CLI into one stderr line."""

from __future__ import annotations

from flask_babel import gettext as _


class DomainError(Exception):
    """A rule of the domain refused the request. `field` names the form field at fault, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The acting user may not do this."""


class NotFound(DomainError):
    """A record named by the user does not exist."""


class InvalidTransition(DomainError):
    """The workflow does not allow this move from the record's current state."""


class ImportFailed(DomainError):
    """A row of an imported file is wrong; nothing of the file was written."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        where = []
        if row is not None:
            where.append(_("row %(row)s", row=row))
        if column:
            where.append(_("column '%(column)s'", column=column))
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.row = row
        self.column = column
        self.reason = message
