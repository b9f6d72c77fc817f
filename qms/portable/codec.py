"""Values in a portable form: dates and times ISO (UTC for time-zone-aware columns), decimals as strings,
bytes base64, booleans and numbers as JSON has them; one JSON object per line, keys sorted."""

from __future__ import annotations

import base64
import enum
import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, DateTime, LargeBinary, Numeric, null
from sqlalchemy.types import Date, Float, Time


def encode(column: Column[Any], value: Any) -> Any:
    """A column's value as JSON can hold it; the same data gives the same text on every engine."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    kind = column.type
    if isinstance(value, datetime):
        if isinstance(kind, DateTime) and kind.timezone:
            # SQLite hands back UTC wall-clock time without a zone; PostgreSQL an aware time.
            aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
            return aware.astimezone(UTC).isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal) or (isinstance(kind, Numeric) and not isinstance(kind, Float)):
        number = Decimal(str(value))
        scale = getattr(kind, "scale", None)
        if scale is not None:
            number = number.quantize(Decimal(1).scaleb(-scale))
        return format(number, "f")
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def decode(column: Column[Any], value: Any) -> Any:
    """The value to insert into `column` from its portable form."""
    kind = column.type
    if value is None:
        if isinstance(kind, JSON):
            # SQL NULL where the column allows it, rather than the JSON text 'null'.
            return null() if column.nullable else JSON.NULL
        return None
    if isinstance(kind, DateTime):
        moment = datetime.fromisoformat(value)
        if kind.timezone and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Time):
        return time.fromisoformat(value)
    if isinstance(kind, Numeric) and not isinstance(kind, Float):
        return Decimal(value)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    return value


def dump_line(row: dict[str, Any]) -> bytes:
    return (json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode()


def read_line(line: bytes) -> dict[str, Any]:
    row = json.loads(line)
    if not isinstance(row, dict):
        raise ValueError("not an object")
    return row
