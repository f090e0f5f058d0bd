"""S3-compatible object storage through the MinIO SDK.

Uploads use the SDK's ``put_object`` (multipart above ``part_size``, aborted on failure, so
an object appears whole or not at all); batch deletes use ``remove_objects`` in 1,000-key
batches with its lazy error iterator consumed; share URLs are presigned GETs. Listing
uses the SDK's signed request path but a lean page parser (see :mod:`.listing`).
Transient faults are retried by the one :class:`~faceclips.retry.RetryPolicy`.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from functools import partial
from datetime import timedelta
from typing import Any, BinaryIO, Callable, Iterator, Optional
from urllib.parse import parse_qsl, unquote, urlsplit

import certifi
import urllib3
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import InvalidResponseError, S3Error, ServerError

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
from faceclips.names import validate_bucket_name
from faceclips.objects import DeleteReport, ObjectInfo
from faceclips.retry import RetryPolicy
from faceclips.remote import RemoteBackend
from faceclips.storage import CHUNK_SIZE, Progress

from .listing import parse_list_page

__all__ = ["MinioBackend"]

NOT_FOUND = {"NoSuchKey", "NoSuchObject", "ResourceNotFound", "NoSuchVersion"}
AUTH = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "AuthorizationHeaderMalformed",
    "InvalidSecurity",
}
TRANSIENT = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "OperationAborted", "RequestTimeTooSkewed"}
MAX_PRESIGN = timedelta(days=7)
OPTIONS = {
    "secure",
    "region",
    "session_token",
    "ca_bundle",
    "cert_check",
    "part_size",
    "timeout_s",
    "retry_attempts",
    "retry_initial_delay_s",
    "retry_max_delay_s",
}


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"storage option {name} must be true or false, not {value!r}")


class MinioBackend(RemoteBackend):
    """One bucket on an S3-compatible server."""

    name = "minio"

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        *,
        access_key: str = "",
        secret_key: str = "",
        session_token: Optional[str] = None,
        secure: bool = True,
        region: Optional[str] = None,
        ca_bundle: Optional[str] = None,
        cert_check: bool = True,
        part_size: int = 16 * 1024 * 1024,
        timeout_s: float = 60.0,
        retry: Optional[RetryPolicy] = None,
    ) -> None:
        if not endpoint or "/" in endpoint:
            raise ConfigError(f"S3 endpoint must be host[:port], not {endpoint!r}")
        self.bucket = validate_bucket_name(bucket)
        if not (3 <= len(bucket) <= 63) or bucket != bucket.lower() or "_" in bucket:
            raise InvalidNameError(bucket, "an S3 bucket name is 3-63 lower-case letters, digits, '.' or '-'")
        if part_size < 5 * 1024 * 1024:
            raise ConfigError("part_size must be at least 5 MiB (the S3 minimum)")
        self.endpoint = endpoint
        self.secure = secure
        self.region = region
        self.part_size = part_size
        self.retry = retry or RetryPolicy()
        self.access_key = access_key
        self._http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=10.0, read=timeout_s),
            maxsize=10,
            retries=False,  # retried once, at the operation level, by self.retry
            cert_reqs="CERT_REQUIRED" if cert_check else "CERT_NONE",
            ca_certs=ca_bundle or os.environ.get("SSL_CERT_FILE") or certifi.where(),
        )
        if ca_bundle and not os.path.isfile(ca_bundle):
            raise ConfigError(f"CA bundle {ca_bundle!r} does not exist")
        self.client = Minio(
            endpoint,
            access_key=access_key or None,
            secret_key=secret_key or None,
            session_token=session_token,
            secure=secure,
            region=region,
            http_client=self._http,
            cert_check=cert_check,
        )

    @classmethod
    def from_config(cls, config: StorageConfig) -> "MinioBackend":
        """Build from ``minio://``/``http://``/``https://`` URLs or the seed's endpoint fields.

        ``minio://AK:SK@host:9000/bucket?secure=false&region=us-east-1`` — credentials may also
        come from ``access_key``/``secret_key``; ``options`` may set secure, region,
        session_token, ca_bundle, cert_check, part_size, timeout_s and retry_* settings.
        """
        options = dict(config.options)
        access_key, secret_key = config.access_key, config.secret_key
        if config.url is not None:
            parts = urlsplit(config.url)
            scheme = parts.scheme.lower()
            if parts.fragment:
                raise ConfigError("S3 storage URLs take no fragment")
            options.update(parse_qsl(parts.query))
            if scheme in ("http", "https"):
                options["secure"] = scheme == "https"
            host = parts.hostname or ""
            if ":" in host:
                host = f"[{host}]"
            endpoint = host + (f":{parts.port}" if parts.port else "")
            segments = [unquote(s) for s in parts.path.split("/") if s]
            if len(segments) != 1:
                raise ConfigError(f"S3 storage URL must be {scheme}://host[:port]/<bucket>, with the bucket and nothing after it")
            bucket = segments[0]
            if parts.username:
                access_key = unquote(parts.username)
                secret_key = unquote(parts.password or "")
        else:
            endpoint, bucket = config.endpoint, config.bucket
            if "://" in endpoint:
                scheme, _, endpoint = endpoint.partition("://")
                options.setdefault("secure", scheme.lower() == "https")
                endpoint = endpoint.rstrip("/")
        unknown = sorted(set(options) - OPTIONS)
        if unknown:
            raise ConfigError(f"unknown minio storage option(s) {', '.join(unknown)}; valid: {', '.join(sorted(OPTIONS))}")
        try:
            part_size = int(options.get("part_size", 16 * 1024 * 1024))
            timeout_s = float(options.get("timeout_s", 60.0))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid minio storage option: {exc}") from None
        return cls(
            endpoint,
            bucket,
            access_key=access_key,
            secret_key=secret_key,
            session_token=options.get("session_token") or None,
            secure=_flag(options.get("secure", True), "secure"),
            region=options.get("region") or None,
            ca_bundle=options.get("ca_bundle") or None,
            cert_check=_flag(options.get("cert_check", True), "cert_check"),
            part_size=part_size,
            timeout_s=timeout_s,
            retry=RetryPolicy.from_options(options),
        )

    @property
    def location(self) -> str:
        return f"{'https' if self.secure else 'http'}://{self.endpoint}/{self.bucket}"

    # -- errors and retries -----------------------------------------------------------

    def _translate(self, exc: BaseException, name: Optional[str] = None) -> StorageError:
        """One faceclips error for any SDK or transport failure; never mentions the secret."""
        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, S3Error):
            code = exc.code or ""
            if code in NOT_FOUND:
                return ObjectNotFoundError(name or exc.object_name or "", self.location)
            if code == "NoSuchBucket":
                return BucketNotFoundError(self.location)
            if code in AUTH:
                return AuthError(f"{self.location} refused access for access key {self.access_key!r}: {code}")
            if code in TRANSIENT:
                return UnavailableError(f"{self.location} is unavailable: {code}")
            return StorageError(f"{self.location}: {code}: {exc.message}")
        if isinstance(exc, ServerError):
            return UnavailableError(f"{self.location} answered HTTP {exc.status_code}")
        if isinstance(exc, InvalidResponseError):
            return UnavailableError(f"{self.location} sent an invalid response")
        if isinstance(exc, urllib3.exceptions.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return StorageError(f"TLS to {self.location} failed (check secure= and ca_bundle=): {type(exc).__name__}")
        if isinstance(exc, (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError)):
            return UnavailableError(f"cannot reach {self.location}: {type(exc).__name__}")
        if isinstance(exc, ValueError):
            return InvalidNameError(name or "", str(exc))
        return StorageError(f"{self.location}: {type(exc).__name__}: {exc}")

    # -- listing ----------------------------------------------------------------------

    def _list(self, prefix: str) -> Iterator[ObjectInfo]:
        for page in self._list_pages(prefix):
            yield from page

    def _list_pages(self, prefix: str) -> Iterator[list[ObjectInfo]]:
        token: Optional[str] = None
        while True:
            query: dict[str, Any] = {"list-type": "2", "max-keys": "1000", "prefix": prefix, "delimiter": "", "encoding-type": "url"}
            if token:
                query["continuation-token"] = token
            body = self._run("list", partial(self._list_request, query))
            page, token = parse_list_page(body)
            if page:
                yield page
            if token is None:
                return

    def _list_request(self, query: dict[str, Any]) -> bytes:
        # The SDK's signed request path (region lookup, SigV4, S3 errors); the page is parsed by us.
        return self.client._execute("GET", self.bucket, query_params=query).data

    # -- objects ----------------------------------------------------------------------

    def _stat(self, name: str) -> ObjectInfo:
        info = self._run("stat", lambda: self.client.stat_object(self.bucket, name), name)
        moment = info.last_modified.timestamp() if info.last_modified else 0.0
        return ObjectInfo(name, int(info.size or 0), moment, (info.etag or "").strip('"'), info.content_type)

    @contextmanager
    def _open_read(self, name: str) -> Iterator[BinaryIO]:
        response = self._run("read", lambda: self.client.get_object(self.bucket, name), name)
        try:
            yield _TranslatingReader(response, lambda exc: self._translate(exc, name))  # type: ignore[misc]
        finally:
            response.close()
            response.release_conn()

    def _download_to_file(self, name: str, target: BinaryIO, progress: Optional[Progress]) -> int:
        @contextmanager
        def chunks() -> Iterator[Iterator[bytes]]:
            response = self.client.get_object(self.bucket, name)
            try:
                yield response.stream(CHUNK_SIZE, decode_content=False)
            finally:
                response.close()
                response.release_conn()

        return self._download_chunks(name, target, progress, chunks)

    def _put_stream(self, name: str, stream: BinaryIO, length: Optional[int], content_type: str) -> ObjectInfo:
        size = -1 if length is None else length
        self._upload_rewindable(
            name, stream, lambda: self.client.put_object(self.bucket, name, stream, size, content_type=content_type, part_size=self.part_size)
        )
        return self._stat(name)

    def _delete(self, name: str) -> None:
        self._stat(name)  # S3 deletes a missing key silently; every backend reports it
        self._run("delete", lambda: self.client.remove_object(self.bucket, name), name)

    def _delete_many(self, names: list[str]) -> DeleteReport:
        def attempt() -> DeleteReport:
            report = DeleteReport()
            failed: dict[str, StorageError] = {}
            missing: set[str] = set()
            # remove_objects is lazy: nothing is deleted until its error iterator is consumed.
            for error in self.client.remove_objects(self.bucket, (DeleteObject(n) for n in names)):
                key = error.name or ""
                if error.code in NOT_FOUND:
                    missing.add(key)
                elif error.code == "NoSuchBucket":
                    raise BucketNotFoundError(self.location)
                else:
                    failed[key] = StorageError(f"{self.location}: cannot delete {key!r}: {error.code}")
            for name in names:
                if name in failed:
                    report.failed[name] = failed[name]
                elif name in missing:
                    report.missing.append(name)
                else:
                    report.deleted.append(name)
            return report

        return self._run("batch delete", attempt)

    def _url(self, name: str, expires: timedelta) -> str:
        if expires > MAX_PRESIGN:
            raise ValueError("a presigned S3 URL lives at most 7 days")
        return self._run("presign", lambda: self.client.presigned_get_object(self.bucket, name, expires=expires), name)

    def _bucket_exists(self) -> bool:
        return self._run("bucket check", lambda: self.client.bucket_exists(self.bucket))

    def _create_bucket(self) -> None:
        def create() -> None:
            try:
                self.client.make_bucket(self.bucket, location=self.region)
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

        self._run("create bucket", create)

    def close(self) -> None:
        self._http.clear()


class _TranslatingReader:
    """A read-only stream over an HTTP response that raises faceclips errors."""

    def __init__(self, response: Any, translate: Callable[[BaseException], StorageError]) -> None:
        self._response = response
        self._translate = translate

    def read(self, size: int = -1) -> bytes:
        try:
            return self._response.read() if size is None or size < 0 else self._response.read(size)
        except Exception as exc:
            raise self._translate(exc) from exc

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._response.close()
