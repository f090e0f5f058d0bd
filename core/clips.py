"""The clip record: the stored parts of one clip, keyed by part name."""

from __future__ import annotations

from typing import Any, Iterable, Optional

from .clipparts import ANNOTATED, JSON, ORIGINAL
from .objects import ObjectInfo
from .timestamps import Timestamp

__all__ = ["Clip"]


class Clip(dict):  # type: ignore[type-arg,unused-ignore]
    """Parts of one clip: ``{"original": ObjectInfo, "annotated": …, "json": …}``.

    A plain ``dict`` as the seed's ``list_clips()`` returns, plus the clip's ``key``
    (its base name) and a few conveniences.
    """

    __slots__ = ("key",)

    def __init__(self, key: str, parts: Iterable[tuple[str, ObjectInfo]] = ()) -> None:
        super().__init__(parts)
        self.key = key

    @property
    def original(self) -> Optional[ObjectInfo]:
        """The recorded video, if stored."""
        return self.get(ORIGINAL)

    @property
    def annotated(self) -> Optional[ObjectInfo]:
        """The annotated video, if stored."""
        return self.get(ANNOTATED)

    @property
    def json(self) -> Optional[ObjectInfo]:
        """The JSON sidecar, if stored."""
        return self.get(JSON)

    @property
    def object_names(self) -> list[str]:
        """Names of every stored part."""
        return [info.object_name for info in self.values()]

    @property
    def size(self) -> int:
        """Total bytes of every part."""
        return sum(info.size for info in self.values())

    @property
    def mtime(self) -> float:
        """POSIX time of the clip: its original's modification, else its earliest part's."""
        original = self.get(ORIGINAL)
        if original is not None:
            return original.mtime
        return min((info.mtime for info in self.values()), default=0.0)

    @property
    def last_modified(self) -> Timestamp:
        """:attr:`mtime` as an aware timestamp."""
        return Timestamp.from_epoch(self.mtime)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (used by ``faceclips clips list --json``)."""
        return {
            "key": self.key,
            "size": self.size,
            "last_modified": self.last_modified.isoformat(),
            "parts": {
                part: {
                    "object_name": info.object_name,
                    "size": info.size,
                    "last_modified": info.last_modified.isoformat(),
                }
                for part, info in sorted(self.items())
            },
        }

    def __repr__(self) -> str:
        return f"Clip({self.key!r}, {dict.__repr__(self)})"

    def __reduce__(self) -> Any:
        return (Clip, (self.key, list(self.items())))
