"""Objects as rows of a SQLite table; every put is one transaction, so it is atomic."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from typing import BinaryIO, Iterator, Optional
from urllib.parse import parse_qs, quote, urlsplit

from faceclips import BucketNotFoundError, ConfigError, ObjectInfo, ObjectNotFoundError, StorageBackend, StorageConfig, StorageError
from faceclips.names import validate_bucket_name

SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS objects (
    bucket TEXT NOT NULL, name TEXT NOT NULL, data BLOB NOT NULL,
    mtime REAL NOT NULL, etag TEXT NOT NULL, content_type TEXT,
    PRIMARY KEY (bucket, name)
);
"""


class SqliteBackend(StorageBackend):
    """One bucket inside a SQLite database file."""

    name = "sqlite"

    def __init__(self, path: str, bucket: str) -> None:
        self.path = path
        self.bucket = validate_bucket_name(bucket)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open SQLite database {path!r}: {exc}") from exc

    @classmethod
    def from_config(cls, config: StorageConfig) -> "SqliteBackend":
        if config.url is None:
            raise ConfigError("sqlite storage needs url = 'sqlite:///path/to/clips.db?bucket=alerts'")
        parts = urlsplit(config.url)
        buckets = parse_qs(parts.query).get("bucket", [])
        if not parts.path or len(buckets) != 1:
            raise ConfigError("sqlite storage URL is sqlite:///path/to/clips.db?bucket=<bucket>")
        return cls(parts.path, buckets[0])

    @property
    def location(self) -> str:
        return f"sqlite://{self.path}?bucket={self.bucket}"

    def _query(self, sql: str, *args: object) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _require_bucket(self) -> None:
        if not self._bucket_exists():
            raise BucketNotFoundError(self.location)

    def _list(self, prefix: str) -> Iterator[ObjectInfo]:
        self._require_bucket()
        # BINARY collation compares UTF-8 bytes: S3's key order.
        rows = self._query(
            "SELECT name, length(data), mtime, etag, content_type FROM objects "
            "WHERE bucket = ? AND substr(name, 1, ?) = ? ORDER BY name",
            self.bucket, len(prefix), prefix,
        )
        return iter([ObjectInfo(*row) for row in rows])

    def _stat(self, name: str) -> ObjectInfo:
        rows = self._query(
            "SELECT name, length(data), mtime, etag, content_type FROM objects WHERE bucket = ? AND name = ?", self.bucket, name
        )
        if not rows:
            self._require_bucket()
            raise ObjectNotFoundError(name, self.location)
        return ObjectInfo(*rows[0])

    @contextmanager
    def _open_read(self, name: str) -> Iterator[BinaryIO]:
        rows = self._query("SELECT data FROM objects WHERE bucket = ? AND name = ?", self.bucket, name)
        if not rows:
            raise ObjectNotFoundError(name, self.location)
        yield io.BytesIO(rows[0][0])

    def _put_stream(self, name: str, stream: BinaryIO, length: Optional[int], content_type: str) -> ObjectInfo:
        self._require_bucket()
        data = stream.read()  # read fully before the transaction: a failed read changes nothing
        self._query(
            "INSERT OR REPLACE INTO objects (bucket, name, data, mtime, etag, content_type) VALUES (?, ?, ?, ?, ?, ?)",
            self.bucket, name, data, time.time(), hashlib.md5(data, usedforsecurity=False).hexdigest(), content_type,
        )
        return self._stat(name)

    def _delete(self, name: str) -> None:
        with self._lock:
            deleted = self._db.execute("DELETE FROM objects WHERE bucket = ? AND name = ?", (self.bucket, name)).rowcount
        if not deleted:
            raise ObjectNotFoundError(name, self.location)

    def _url(self, name: str, expires: timedelta) -> str:
        return f"sqlite://{self.path}?bucket={self.bucket}#{quote(name)}"

    def _bucket_exists(self) -> bool:
        return bool(self._query("SELECT 1 FROM buckets WHERE name = ?", self.bucket))

    def _create_bucket(self) -> None:
        self._query("INSERT OR IGNORE INTO buckets (name) VALUES (?)", self.bucket)

    def close(self) -> None:
        self._db.close()
