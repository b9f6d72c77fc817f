"""Form fields shared by several forms."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import NumberRange

INT32_MAX = 2**31 - 1  # the largest value of an INTEGER column (PostgreSQL)


class BoundedIntegerField(IntegerField):
    """A whole number its database column can hold (an INTEGER's range unless told otherwise): a larger
    one is an error next to the field, not a failure when it is stored."""

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        *,
        low: int = -INT32_MAX - 1,
        high: int = INT32_MAX,
        **kwargs: Any,
    ) -> None:
        bound = NumberRange(min=low, max=high, message=_l("Enter a whole number from %(min)s to %(max)s."))
        super().__init__(label, [*(validators or []), bound], **kwargs)
