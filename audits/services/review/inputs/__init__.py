"""The inputs of a management review (ISO 9001:2015 9.3.2), one module per group, gathered from the
data of the review's unit (or every unit) and period, counted and summed in SQL.

Every group returns plain JSON values (numbers, text, ISO dates, percentages as text): the same shape
is shown live while the review is a draft and stored as its snapshot when it is held."""

from __future__ import annotations

from typing import Any

from audits.services.review.inputs import actions, context, improvement, performance, risks
from audits.services.review.inputs.common import Scope


def gather(scope: Scope) -> dict[str, Any]:
    return {
        "as_of": scope.as_of.isoformat(),
        "period_start": scope.start.isoformat(),
        "period_end": scope.end.isoformat(),
        "actions": actions.gather(scope),
        "context": context.gather(scope),
        "performance": performance.gather(scope),
        "resources": {},
        "risks": risks.gather(scope),
        "improvement": improvement.gather(scope),
    }


__all__ = ["Scope", "gather"]
