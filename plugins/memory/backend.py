"""An object store in process memory, with the same semantics as every other backend.

Buckets are shared by name within the process: two managers configured with
``memory://alerts`` see the same objects. Nothing survives the process.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO, Iterator, Optional
from urllib.parse import quote, urlsplit

from faceclips.config import StorageConfig
from faceclips.errors import BucketNotFoundError, ConfigError, ObjectNotFoundError
from faceclips.names import validate_bucket_name
from faceclips.objects import ObjectInfo
from faceclips.storage import StorageBackend

__all__ = ["MemoryBackend", "drop_all_buckets"]


@dataclass(frozen=True)
class _Stored:
    data: bytes
    mtime: float
    etag: str
    content_type: str


_buckets: dict[str, dict[str, _Stored]] = {}
_lock = threading.RLock()


def drop_all_buckets() -> None:
    """Forget every in-memory bucket of this process."""
    with _lock:
        _buckets.clear()


class MemoryBackend(StorageBackend):
    """Objects are bytes in a process-wide dictionary per bucket."""

    name = "memory"

    def __init__(self, bucket: str) -> None:
        self.bucket = validate_bucket_name(bucket)

    @classmethod
    def from_config(cls, config: StorageConfig) -> "MemoryBackend":
        """Build from ``memory://<bucket>`` or ``backend="memory"`` with ``bucket``."""
        if config.url is not None:
            parts = urlsplit(config.url)
            bucket = parts.netloc or parts.path.strip("/")
            if parts.netloc and parts.path.strip("/"):
                raise ConfigError(f"memory URL {config.url!r} must be memory://<bucket> with no path")
        else:
            bucket = config.bucket
        if not bucket:
            raise ConfigError("memory storage needs a bucket, e.g. memory://alerts")
        return cls(bucket)

    @property
    def location(self) -> str:
        return f"memory://{self.bucket}"

    def _objects(self) -> dict[str, _Stored]:
        try:
            return _buckets[self.bucket]
        except KeyError:
            raise BucketNotFoundError(self.location) from None

    def _list(self, prefix: str) -> Iterator[ObjectInfo]:
        with _lock:
            objects = self._objects()
            snapshot = sorted((k, v) for k, v in objects.items() if k.startswith(prefix))
        return (ObjectInfo(k, len(v.data), v.mtime, v.etag, v.content_type) for k, v in snapshot)

    def _get(self, name: str) -> _Stored:
        with _lock:
            try:
                return self._objects()[name]
            except KeyError:
                raise ObjectNotFoundError(name, self.location) from None

    def _stat(self, name: str) -> ObjectInfo:
        stored = self._get(name)
        return ObjectInfo(name, len(stored.data), stored.mtime, stored.etag, stored.content_type)

    @contextmanager
    def _open_read(self, name: str) -> Iterator[BinaryIO]:
        with io.BytesIO(self._get(name).data) as stream:
            yield stream

    def _put_stream(self, name: str, stream: BinaryIO, length: Optional[int], content_type: str) -> ObjectInfo:
        with _lock:
            self._objects()  # a missing bucket fails before reading the stream
        data = stream.read()
        stored = _Stored(data, time.time(), hashlib.md5(data, usedforsecurity=False).hexdigest(), content_type)
        with _lock:
            self._objects()[name] = stored
        return ObjectInfo(name, len(data), stored.mtime, stored.etag, content_type)

    def _delete(self, name: str) -> None:
        with _lock:
            try:
                del self._objects()[name]
            except KeyError:
                raise ObjectNotFoundError(name, self.location) from None

    def _url(self, name: str, expires: timedelta) -> str:
        return f"memory://{self.bucket}/{quote(name)}"

    def _bucket_exists(self) -> bool:
        with _lock:
            return self.bucket in _buckets

    def _create_bucket(self) -> None:
        with _lock:
            _buckets.setdefault(self.bucket, {})
