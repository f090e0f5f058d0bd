"""Parsing human-written sizes (``"50GiB"``) and durations (``"30d"``) for configuration."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Union

from .errors import ConfigError

__all__ = ["parse_size", "parse_duration", "format_size"]

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGTP]?i?B?)\s*$", re.IGNORECASE)
_FACTORS = {"": 1, "B": 1}
for _index, _letter in enumerate("KMGTP", start=1):
    _FACTORS[f"{_letter}B"] = 1000**_index
    _FACTORS[f"{_letter}IB"] = 1024**_index
    _FACTORS[_letter] = 1024**_index  # "50G" reads as GiB, as df and du print it
    _FACTORS[f"{_letter}I"] = 1024**_index

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)", re.IGNORECASE)
_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_size(value: Union[str, int, float]) -> int:
    """Bytes in ``value``: a number, or text such as ``"50GiB"``, ``"1.5 TB"``, ``"512M"``.

    >>> parse_size("50GiB")
    53687091200
    """
    if isinstance(value, bool):
        raise ConfigError(f"{value!r} is not a size")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ConfigError("a size cannot be negative")
        return int(value)
    match = _SIZE.match(str(value))
    if not match:
        raise ConfigError(f"{value!r} is not a size; write e.g. 50GiB, 500MB or 1048576")
    return int(float(match.group(1)) * _FACTORS[match.group(2).upper()])


def parse_duration(value: Union[str, int, float, timedelta]) -> timedelta:
    """A duration from seconds or text such as ``"30d"``, ``"1h30m"``, ``"2w"``.

    >>> parse_duration("1h30m")
    datetime.timedelta(seconds=5400)
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ConfigError(f"{value!r} is not a duration")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ConfigError("a duration cannot be negative")
        return timedelta(seconds=value)
    text = str(value).strip().replace(" ", "")
    parts = _DURATION.findall(text)
    if not parts or "".join(number + unit for number, unit in parts).lower() != text.lower():
        raise ConfigError(f"{value!r} is not a duration; write e.g. 30d, 12h, 1h30m or 2w")
    return timedelta(seconds=sum(float(number) * _SECONDS[unit.lower()] for number, unit in parts))


def format_size(count: float) -> str:
    """``1536`` -> ``"1.5 KiB"``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count} B"
