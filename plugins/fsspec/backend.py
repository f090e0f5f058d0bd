"""Storage on any fsspec filesystem.

Object stores (``s3``, ``gs``, ``az``, …): the first path segment is the bucket; uploads are
opened with ``autocommit=False`` and committed only once complete (a failed upload is
discarded, never half-visible). Other filesystems: the whole URL path is the bucket folder,
and uploads go to a temporary name that is moved over the target when complete.
Protocol-specific settings go in ``options`` and are passed to fsspec as ``storage_options``.
"""

from __future__ import annotations

import posixpath
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, BinaryIO, Iterator, Optional

import fsspec
from fsspec.core import split_protocol

from faceclips.config import StorageConfig
from faceclips.errors import (
    AuthError,
    BucketNotFoundError,
    ConfigError,
    InvalidNameError,
    ObjectNotFoundError,
    StorageError,
    UnavailableError,
)
from faceclips.names import TEMP_MARKER
from faceclips.objects import DeleteReport, ObjectInfo
from faceclips.retry import RetryPolicy
from faceclips.remote import RemoteBackend
from faceclips.storage import CHUNK_SIZE, Progress, copy_stream

__all__ = ["FsspecBackend", "OBJECT_STORE_PROTOCOLS"]

OBJECT_STORE_PROTOCOLS = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oss", "r2"}
"""Protocols where the first path segment is a bucket and writes can be committed atomically."""
_RETRY_OPTIONS = ("retry_attempts", "retry_initial_delay_s", "retry_max_delay_s")
_TIME_FIELDS = ("LastModified", "last_modified", "mtime", "updated", "modified", "created", "ctime")


def _changed_while_reading(exc: BaseException) -> bool:
    """s3fs pins reads to the ETag it saw; a concurrent replacement surfaces as these."""
    text = f"{type(exc).__name__} {exc}"
    return "FileExpired" in text or "PreconditionFailed" in text or "pre-conditions you specified" in text


def _epoch(info: dict[str, Any]) -> float:
    for field in _TIME_FIELDS:
        value = info.get(field)
        if value is None:
            continue
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return 0.0


class FsspecBackend(RemoteBackend):
    """One bucket (or folder) on an fsspec filesystem."""

    name = "fsspec"

    def __init__(self, url: str, storage_options: Optional[dict[str, Any]] = None, retry: Optional[RetryPolicy] = None) -> None:
        protocol, _ = split_protocol(url)
        self.protocol = (protocol or "file").lower()
        self.retry = retry or RetryPolicy()
        try:
            self.fs, path = fsspec.core.url_to_fs(url, **(storage_options or {}))
        except ImportError as exc:
            raise ConfigError(f"fsspec protocol {self.protocol!r} needs a package that is not installed: {exc}") from None
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"fsspec cannot open {self.protocol}:// with these options: {exc}") from None
        self.root = path.rstrip("/")
        if self.protocol in ("s3", "s3a") and isinstance(getattr(self.fs, "retries", None), int):
            self.fs.retries = 1  # s3fs's own retry loop; faceclips' RetryPolicy retries instead
        self.object_store = self.protocol in OBJECT_STORE_PROTOCOLS
        if self.object_store:
            self.bucket = self.root.split("/", 1)[0]
            if not self.bucket:
                raise ConfigError(f"{self.protocol}:// URL must name a bucket, e.g. {self.protocol}://alerts")
        else:
            if not self.root.strip("/"):
                raise ConfigError(f"{self.protocol}:// URL must name a folder below the root")
            self.bucket = self.root
        self._location = f"{self.protocol}://{self.root.lstrip('/') if self.object_store else self.root}"
        endpoint = (storage_options or {}).get("endpoint_url")
        if endpoint:
            self._location += f" at {endpoint}"

    @classmethod
    def from_config(cls, config: StorageConfig) -> "FsspecBackend":
        """Build from an fsspec URL; ``options`` are fsspec ``storage_options`` (plus retry_* settings).

        For S3 the seed's ``access_key``/``secret_key`` become s3fs ``key``/``secret``, and an
        ``endpoint`` (``http://host:port``) becomes ``endpoint_url``.
        """
        options = {k: v for k, v in config.options.items() if k not in _RETRY_OPTIONS}
        if config.url is not None:
            url = config.url
        elif config.endpoint and config.bucket:
            url = f"s3://{config.bucket}"
            endpoint = config.endpoint if "://" in config.endpoint else f"https://{config.endpoint}"
            options.setdefault("endpoint_url", endpoint)
        else:
            raise ConfigError("fsspec storage needs url (e.g. s3://bucket/prefix) or endpoint and bucket")
        protocol = (split_protocol(url)[0] or "file").lower()
        if protocol in ("s3", "s3a"):
            # Retrying is faceclips' RetryPolicy's job, in one place: botocore (and s3fs, below) try once.
            config_kwargs = dict(options.get("config_kwargs") or {})
            config_kwargs.setdefault("retries", {"max_attempts": 1, "mode": "standard"})
            options["config_kwargs"] = config_kwargs
            if config.access_key:
                options.setdefault("key", config.access_key)
            if config.secret_key:
                options.setdefault("secret", config.secret_key)
        return cls(url, options, RetryPolicy.from_options(config.options))

    @property
    def location(self) -> str:
        return self._location

    # -- helpers ------------------------------------------------------------------------

    def _path(self, name: str) -> str:
        return f"{self.root}/{name}"

    def _translate(self, exc: BaseException, name: Optional[str] = None) -> StorageError:
        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, FileNotFoundError):
            try:
                bucket_missing = not self._bucket_exists_raw()
            except Exception:
                bucket_missing = False
            if bucket_missing:
                return BucketNotFoundError(self.location)
            return ObjectNotFoundError(name or "", self.location)
        if _changed_while_reading(exc):
            return UnavailableError(f"{name!r} in {self.location} was replaced while being read")
        if isinstance(exc, PermissionError):
            return AuthError(f"{self.location} refused access: {type(exc).__name__}")
        text = f"{type(exc).__name__}: {exc}"
        if any(word in text for word in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "NoCredentials")):
            return AuthError(f"{self.location} refused the credentials")
        if isinstance(exc, (ConnectionError, TimeoutError)) or any(
            word in type(exc).__name__ for word in ("Connection", "Timeout", "Endpoint", "ServerDisconnected", "SlowDown")
        ):
            return UnavailableError(f"cannot reach {self.location}: {type(exc).__name__}")
        if isinstance(exc, (IsADirectoryError, NotADirectoryError, FileExistsError)) and name is not None:
            return InvalidNameError(name, "conflicts with a folder or object of the same name")
        return StorageError(f"{self.location}: {type(exc).__name__}")

    def _bucket_exists_raw(self) -> bool:
        """Whether the bucket exists; refused credentials raise instead of reading as "missing"."""
        if not self.object_store:
            return bool(self.fs.isdir(self.root))
        try:
            self.fs.info(self.bucket)
        except FileNotFoundError:
            return False
        return True

    # -- listing --------------------------------------------------------------------------

    def _list(self, prefix: str) -> Iterator[ObjectInfo]:
        if not self._bucket_exists():
            raise BucketNotFoundError(self.location)
        folder = prefix.rpartition("/")[0]
        base = self._path(folder) if folder else self.root
        self.fs.invalidate_cache()
        found = self._run("list", lambda: self.fs.find(base, detail=True, withdirs=False))
        start = len(self.root) + 1
        make = tuple.__new__
        entries = []
        for path, info in found.items():
            path = path.lstrip("/") if self.object_store else path
            root = self.root.lstrip("/") if self.object_store else self.root
            if not path.startswith(root + "/") or info.get("type") == "directory":
                continue
            key = path[len(root) + 1 :] if self.object_store else path[start:]
            if not key.startswith(prefix) or TEMP_MARKER in key or key.endswith("/"):
                continue
            etag = info.get("ETag") or info.get("etag")
            entries.append(make(ObjectInfo, (key, int(info.get("size") or 0), _epoch(info), etag.strip('"') if etag else None, None)))
        entries.sort(key=lambda entry: entry[0].encode("utf-8"))
        return iter(entries)

    # -- objects --------------------------------------------------------------------------

    def _stat(self, name: str) -> ObjectInfo:
        path = self._path(name)

        def info() -> dict[str, Any]:
            self.fs.invalidate_cache(path)
            return self.fs.info(path)

        found = self._run("stat", info, name)
        if found.get("type") == "directory":
            raise ObjectNotFoundError(name, self.location)
        etag = found.get("ETag") or found.get("etag")
        return ObjectInfo(name, int(found.get("size") or 0), _epoch(found), etag.strip('"') if etag else None, found.get("ContentType"))

    @contextmanager
    def _open_read(self, name: str) -> Iterator[BinaryIO]:
        self._stat(name)  # one error type for missing objects, whatever the filesystem raises
        handle = self._run("read", lambda: self.fs.open(self._path(name), "rb"), name)
        try:
            yield handle
        finally:
            handle.close()

    def _get_bytes(self, name: str) -> bytes:
        return self._run("read", lambda: self.fs.cat_file(self._path(name)), name)  # one GET: never torn

    def _download_to_file(self, name: str, target: BinaryIO, progress: Optional[Progress]) -> int:
        @contextmanager
        def chunks() -> Iterator[Iterator[bytes]]:
            with self.fs.open(self._path(name), "rb") as source:
                yield iter(lambda: source.read(CHUNK_SIZE), b"")

        self._stat(name)
        return self._download_chunks(name, target, progress, chunks)

    def _put_stream(self, name: str, stream: BinaryIO, length: Optional[int], content_type: str) -> ObjectInfo:
        if not self._bucket_exists():
            raise BucketNotFoundError(self.location)
        path = self._path(name)
        write = self._put_committed if self.object_store else self._put_renamed
        self._upload_rewindable(name, stream, lambda: write(path, stream))
        return self._stat(name)

    def _put_committed(self, path: str, stream: BinaryIO) -> None:
        handle = self.fs.open(path, "wb", autocommit=False)
        try:
            copy_stream(stream, handle)
            handle.close()
            handle.commit()
        except BaseException:
            handle.discard()
            raise

    def _put_renamed(self, path: str, stream: BinaryIO) -> None:
        folder = posixpath.dirname(path)
        temp = f"{folder}/{TEMP_MARKER}{uuid.uuid4().hex}"
        self.fs.makedirs(folder, exist_ok=True)
        try:
            with self.fs.open(temp, "wb") as handle:
                copy_stream(stream, handle)
            self.fs.mv(temp, path)
        except BaseException:
            try:
                self.fs.rm_file(temp)
            except Exception:
                pass
            raise

    def _delete(self, name: str) -> None:
        self._stat(name)
        self._run("delete", lambda: self.fs.rm_file(self._path(name)), name)

    def _delete_many(self, names: list[str]) -> DeleteReport:
        report = DeleteReport()
        if not names:
            return report
        if not self.object_store:
            return super()._delete_many(names)  # filesystems: key by key, missing ones reported
        paths = [self._path(name) for name in names]
        try:  # one batched DeleteObjects request per 1,000 keys
            self._run("batch delete", lambda: self.fs.rm(paths))
        except (UnavailableError, AuthError, BucketNotFoundError):
            raise
        except StorageError:
            return super()._delete_many(names)  # some keys failed: find out which, one by one
        report.deleted.extend(names)
        return report

    def _url(self, name: str, expires: timedelta) -> str:
        path = self._path(name)
        try:
            return str(self.fs.sign(path, expiration=int(expires.total_seconds())))
        except NotImplementedError:
            raise StorageError(f"{self.protocol}:// cannot make share URLs (fsspec's {type(self.fs).__name__} does not sign)") from None
        except Exception as exc:
            raise self._translate(exc, name) from exc

    def _bucket_exists(self) -> bool:
        self.fs.invalidate_cache()
        return self._run("bucket check", self._bucket_exists_raw)

    def _create_bucket(self) -> None:
        target = self.bucket if self.object_store else self.root
        self._run("create bucket", lambda: self.fs.makedirs(target, exist_ok=True))
