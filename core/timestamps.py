"""Timezone-aware timestamps that still compare with naive local datetimes.

Storage reports modification times in UTC. The seed API's own examples compare them
with ``datetime.now()``, which is naive; plain Python raises ``TypeError`` for that.
:class:`Timestamp` is an aware :class:`~datetime.datetime` whose comparisons and
subtraction read a naive operand as local time, exactly as ``naive.astimezone()`` does.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = ["Timestamp", "as_aware"]


def as_aware(value: datetime) -> datetime:
    """Return ``value`` unchanged when aware, else read it as local time."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value.astimezone()
    return value


def _other(value: Any) -> Any:
    return as_aware(value) if isinstance(value, datetime) else value


class Timestamp(datetime):
    """An aware datetime (UTC) that compares correctly with naive local datetimes."""

    @classmethod
    def from_epoch(cls, seconds: float) -> "Timestamp":
        """Build a UTC timestamp from POSIX seconds."""
        return cls.fromtimestamp(seconds, timezone.utc)

    @classmethod
    def from_datetime(cls, value: datetime) -> "Timestamp":
        """Convert any datetime (naive means local time) to a UTC :class:`Timestamp`."""
        aware = as_aware(value).astimezone(timezone.utc)
        return cls(
            aware.year, aware.month, aware.day, aware.hour, aware.minute, aware.second,
            aware.microsecond, tzinfo=timezone.utc,
        )

    def __eq__(self, other: object) -> bool:
        return datetime.__eq__(self, _other(other))

    def __ne__(self, other: object) -> bool:
        return datetime.__ne__(self, _other(other))

    def __lt__(self, other: Any) -> bool:
        return datetime.__lt__(self, _other(other))

    def __le__(self, other: Any) -> bool:
        return datetime.__le__(self, _other(other))

    def __gt__(self, other: Any) -> bool:
        return datetime.__gt__(self, _other(other))

    def __ge__(self, other: Any) -> bool:
        return datetime.__ge__(self, _other(other))

    __hash__ = datetime.__hash__

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, timedelta):
            return Timestamp.from_datetime(datetime.__sub__(self, other))
        return datetime.__sub__(self, _other(other))

    def __rsub__(self, other: Any) -> Any:
        if isinstance(other, datetime):
            return as_aware(other) - datetime(
                self.year, self.month, self.day, self.hour, self.minute, self.second,
                self.microsecond, tzinfo=self.tzinfo,
            )
        return NotImplemented

    def __add__(self, other: Any) -> Any:
        result = datetime.__add__(self, other)
        return Timestamp.from_datetime(result) if isinstance(result, datetime) else result

    __radd__ = __add__
