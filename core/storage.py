"""The storage interface every backend implements, with object-store semantics.

Public methods validate names before any I/O and then call the backend's
underscore methods, so a third-party backend gets the same checks for free. A backend
implements the abstract ``_`` methods and may override the optional ones for speed
(batch delete, streaming download).

Semantics every backend keeps (the conformance kit checks them):

* ``list(prefix)`` is lazy and yields objects in ascending key order (UTF-8 byte order);
  ``prefix`` is a key prefix, not a file-name prefix.
* ``put_*`` is atomic: a reader sees the old object or the new one, never a part.
* ``download`` to a path writes beside the target and renames: no partial files.
* A missing object raises :class:`~faceclips.errors.ObjectNotFoundError` from ``stat``,
  ``get_bytes``, ``open_read``, ``download`` and ``delete`` alike.
"""

from __future__ import annotations

import builtins
import io
import mimetypes
import os
import tempfile
from abc import ABC, abstractmethod
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, Callable, ContextManager, Iterable, Iterator, Optional, Union

from .errors import ObjectNotFoundError, StorageError
from .names import TEMP_MARKER, validate_object_name, validate_prefix
from .objects import DeleteReport, ObjectInfo

__all__ = ["StorageBackend", "Progress", "PathOrFile", "CHUNK_SIZE"]

Progress = Callable[[int], None]
"""Called with the number of bytes moved since the previous call."""
PathOrFile = Union[str, "os.PathLike[str]", BinaryIO]

CHUNK_SIZE = 1024 * 1024
LIST_PAGE_SIZE = 1000


def content_type_for(name: str) -> str:
    """A MIME type guessed from the object name (``video/mp4`` for clips)."""
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def copy_stream(source: BinaryIO, target: BinaryIO, progress: Optional[Progress] = None) -> int:
    """Copy in 1 MiB chunks, reporting progress; returns the number of bytes copied."""
    total = 0
    while True:
        chunk = source.read(CHUNK_SIZE)
        if not chunk:
            return total
        target.write(chunk)
        total += len(chunk)
        if progress is not None:
            progress(len(chunk))


class StorageBackend(ABC):
    """An object store bound to one bucket."""

    name: str = "backend"
    """Registered backend name, e.g. ``"local"``."""

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the bucket is, for messages and logs; never contains a secret."""

    # -- backend hooks --------------------------------------------------------------

    @abstractmethod
    def _list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Yield objects whose key starts with ``prefix`` in ascending key order."""

    @abstractmethod
    def _stat(self, name: str) -> ObjectInfo:
        """Describe one object or raise :class:`ObjectNotFoundError`."""

    @abstractmethod
    def _open_read(self, name: str) -> ContextManager[BinaryIO]:
        """A context manager yielding a readable stream of the whole object."""

    @abstractmethod
    def _put_stream(self, name: str, stream: BinaryIO, length: Optional[int], content_type: str) -> ObjectInfo:
        """Store ``stream`` atomically under ``name``."""

    @abstractmethod
    def _delete(self, name: str) -> None:
        """Delete one object or raise :class:`ObjectNotFoundError`."""

    @abstractmethod
    def _url(self, name: str, expires: timedelta) -> str:
        """A URL that lets a client fetch the object until ``expires`` has passed."""

    @abstractmethod
    def _bucket_exists(self) -> bool:
        """Whether the bucket exists."""

    @abstractmethod
    def _create_bucket(self) -> None:
        """Create the bucket (it does not exist yet)."""

    def _list_pages(self, prefix: str) -> Iterator[list[ObjectInfo]]:
        """Yield the listing as consecutive lists; override when the store pages natively."""
        page: list[ObjectInfo] = []
        for info in self._list(prefix):
            page.append(info)
            if len(page) == LIST_PAGE_SIZE:
                yield page
                page = []
        if page:
            yield page

    def _delete_many(self, names: list[str]) -> DeleteReport:
        """Delete a batch; override with the store's batch call. Reports every key."""
        report = DeleteReport()
        for name in names:
            try:
                self._delete(name)
                report.deleted.append(name)
            except ObjectNotFoundError:
                report.missing.append(name)
            except StorageError as exc:
                report.failed[name] = exc
        return report

    def _download_to_file(self, name: str, target: BinaryIO, progress: Optional[Progress]) -> int:
        with self._open_read(name) as source:
            return copy_stream(source, target, progress)

    # -- public interface -----------------------------------------------------------

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Lazily yield every object whose key starts with ``prefix``, in key order."""
        return self._list(validate_prefix(prefix))

    def list_pages(self, prefix: str = "") -> Iterator[builtins.list[ObjectInfo]]:
        """The same listing as :meth:`list`, as consecutive lists (cheaper to consume in bulk)."""
        return self._list_pages(validate_prefix(prefix))

    def stat(self, name: str) -> ObjectInfo:
        """Size, modification time and ETag of one object."""
        return self._stat(validate_object_name(name))

    def exists(self, name: str) -> bool:
        """True when the object exists (other errors propagate: a network fault is not 'missing')."""
        try:
            self.stat(name)
        except ObjectNotFoundError:
            return False
        return True

    def open_read(self, name: str) -> ContextManager[BinaryIO]:
        """Open the object as a readable stream (use as a context manager)."""
        return self._open_read(validate_object_name(name))

    def _get_bytes(self, name: str) -> bytes:
        """Read a whole object; override when the store has a one-request read."""
        with self._open_read(name) as stream:
            return stream.read()

    def get_bytes(self, name: str) -> bytes:
        """The whole object in memory. Prefer :meth:`download` for large objects."""
        return self._get_bytes(validate_object_name(name))

    def download(self, name: str, target: PathOrFile, progress: Optional[Progress] = None) -> int:
        """Stream the object to a path or a writable binary file; returns the byte count.

        A path target is written beside the target and renamed into place, so a failed
        download never leaves a partial file.
        """
        validate_object_name(name)
        if not isinstance(target, (str, os.PathLike)):
            return self._download_to_file(name, target, progress)
        path = Path(os.fspath(target))
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=TEMP_MARKER, dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                count = self._download_to_file(name, out, progress)
            os.replace(temp, path)
            return count
        except BaseException:
            with suppress(OSError):
                os.unlink(temp)
            raise

    def put_stream(
        self, name: str, stream: BinaryIO, *, length: Optional[int] = None, content_type: Optional[str] = None
    ) -> ObjectInfo:
        """Store a readable binary stream atomically; ``length`` helps some stores."""
        validate_object_name(name)
        return self._put_stream(name, stream, length, content_type or content_type_for(name))

    def put_bytes(self, name: str, data: bytes, *, content_type: Optional[str] = None) -> ObjectInfo:
        """Store bytes atomically."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"put_bytes needs bytes, not {type(data).__name__}")
        return self.put_stream(name, io.BytesIO(bytes(data)), length=len(data), content_type=content_type)

    def put_file(self, name: str, path: Union[str, "os.PathLike[str]"], *, content_type: Optional[str] = None) -> ObjectInfo:
        """Store a local file atomically."""
        validate_object_name(name)
        with open(path, "rb") as stream:
            return self._put_stream(name, stream, os.fstat(stream.fileno()).st_size, content_type or content_type_for(name))

    def delete(self, name: str) -> None:
        """Delete one object; a missing object raises :class:`ObjectNotFoundError`."""
        self._delete(validate_object_name(name))

    def delete_many(self, names: Iterable[str], batch_size: int = 1000) -> DeleteReport:
        """Delete many objects in batches, reporting every key as deleted, missing or failed.

        Every name is validated before the first deletion.
        """
        checked: builtins.list[str] = [validate_object_name(name) for name in names]
        report = DeleteReport()
        for start in range(0, len(checked), batch_size):
            report.merge(self._delete_many(checked[start : start + batch_size]))
        return report

    def url(self, name: str, expires: Union[int, float, timedelta] = 3600) -> str:
        """A share URL for the object, valid for ``expires`` (seconds or a timedelta)."""
        validate_object_name(name)
        delta = expires if isinstance(expires, timedelta) else timedelta(seconds=float(expires))
        if delta <= timedelta(0):
            raise ValueError("expires must be positive")
        return self._url(name, delta)

    def bucket_exists(self) -> bool:
        """Whether the configured bucket exists."""
        return self._bucket_exists()

    def ensure_bucket(self) -> bool:
        """Create the bucket if needed; returns True when it was created."""
        if self._bucket_exists():
            return False
        self._create_bucket()
        return True

    def close(self) -> None:  # noqa: B027 - optional for backends without connections
        """Release connections; the backend is unusable afterwards."""

    def __enter__(self) -> "StorageBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location}>"
