"""The built-in retention policies. Each gets the clips in its scope, oldest first.

Kept clips still count towards sizes and counts (they do occupy the bucket). A policy names
them like any clip it would remove — so the plan can report them as kept — but does not
count them as freed, so the limits are met from the clips that may go.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Union

from faceclips.clipparts import KEEP_PART
from faceclips.clips import Clip
from faceclips.errors import ConfigError
from faceclips.units import format_size, parse_duration, parse_size

__all__ = ["MaxAge", "MaxTotalSize", "MaxCount"]


class MaxAge:
    """Clips whose time is more than ``max_age`` ago."""

    def __init__(self, max_age: Union[str, int, float]) -> None:
        self.max_age = parse_duration(max_age).total_seconds()
        if self.max_age <= 0:
            raise ConfigError("max_age must be positive")
        self.text = str(max_age)

    def select(self, clips: Iterable[Clip], now: float) -> Iterator[tuple[Clip, str]]:
        cutoff = now - self.max_age
        for clip in clips:
            if clip.mtime >= cutoff:
                return  # oldest first: the rest are younger
            yield clip, f"older than {self.text}"


class MaxTotalSize:
    """The oldest clips, until the clips in scope total at most ``max_total_size`` bytes."""

    def __init__(self, max_total_size: Union[str, int]) -> None:
        self.limit = parse_size(max_total_size)

    def select(self, clips: Iterable[Clip], now: float) -> Iterator[tuple[Clip, str]]:
        clips = list(clips)
        total = sum(clip.size for clip in clips)
        for clip in clips:
            if total <= self.limit:
                return
            if KEEP_PART not in clip:
                total -= clip.size
            yield clip, f"total above {format_size(self.limit)}"


class MaxCount:
    """The oldest clips, until at most ``max_count`` clips remain in scope."""

    def __init__(self, max_count: int) -> None:
        if isinstance(max_count, bool) or not isinstance(max_count, int) or max_count < 0:
            raise ConfigError("max_count must be a whole number >= 0")
        self.limit = max_count

    def select(self, clips: Iterable[Clip], now: float) -> Iterator[tuple[Clip, str]]:
        clips = list(clips)
        count = len(clips)
        for clip in clips:
            if count <= self.limit:
                return
            if KEEP_PART not in clip:
                count -= 1
            yield clip, f"more than {self.limit} clips"
