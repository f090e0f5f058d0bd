"""Records that describe stored objects and the outcome of batch operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Optional

from .errors import StorageError
from .timestamps import Timestamp

__all__ = ["ObjectInfo", "DeleteReport"]


class ObjectInfo(NamedTuple):
    """One stored object, as every backend reports it.

    Attribute-compatible with the ``minio.datatypes.Object`` fields the seed API uses
    (``object_name``, ``size``, ``last_modified``, ``etag``, ``is_dir``). It is a tuple
    so that listing 100,000 objects stays cheap; ``last_modified`` is computed on access.
    """

    object_name: str
    size: int
    mtime: float
    """POSIX seconds of the last modification."""
    etag: Optional[str] = None
    content_type: Optional[str] = None

    @property
    def last_modified(self) -> Timestamp:
        """Timezone-aware (UTC) modification time; compares with naive local datetimes too."""
        return Timestamp.from_epoch(self.mtime)

    @property
    def is_dir(self) -> bool:
        """Always ``False``: listings contain objects, never folders."""
        return False

    @property
    def basename(self) -> str:
        """The last ``/``-separated segment of the object name."""
        return self.object_name.rpartition("/")[2]


@dataclass
class DeleteReport:
    """Per-key outcome of a batch delete: every requested key is in exactly one field."""

    deleted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: dict[str, StorageError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no key failed (missing keys are not failures: they are gone)."""
        return not self.failed

    def merge(self, other: "DeleteReport") -> None:
        """Add another report's outcomes to this one."""
        self.deleted.extend(other.deleted)
        self.missing.extend(other.missing)
        self.failed.update(other.failed)
