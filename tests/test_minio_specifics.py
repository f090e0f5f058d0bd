"""MinIO backend specifics on a real SeaweedFS: TLS with a private CA, URL expiry, multipart, 503 SlowDown."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

import faceclips
from faceclips.testing.seaweedfs import ACCESS_KEY, SECRET_KEY, SeaweedFS


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs-tls"), tls=True)
    server.start()
    yield server
    server.stop()


def test_tls_with_a_private_ca_bundle(tls_server):
    bucket = f"tls-{uuid.uuid4().hex[:8]}"
    config = faceclips.StorageConfig(
        url=f"https://{tls_server.endpoint}/{bucket}", access_key=ACCESS_KEY, secret_key=SECRET_KEY,
        options={"ca_bundle": str(tls_server.ca_file)},
    )
    manager = faceclips.FaceClipManager(config, create_bucket=True)
    clip = manager.save_clip(b"over tls", camera_id="door")
    assert manager.download_file(clip.key) == b"over tls"
    assert manager.storage.location.startswith("https://")


def test_tls_without_the_ca_is_a_clear_error(tls_server, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    storage = faceclips.open_storage(
        faceclips.StorageConfig(
            endpoint=tls_server.endpoint, bucket="anything", access_key=ACCESS_KEY, secret_key=SECRET_KEY,
            options={"retry_attempts": 1},
        )
    )
    with pytest.raises(faceclips.StorageError, match=r"TLS to https://127\.0\.0\.1:\d+/anything failed"):
        storage.bucket_exists()


def minio_storage(server, bucket, **options):
    storage = faceclips.open_storage(
        faceclips.StorageConfig(url=f"minio://{server.endpoint}/{bucket}?secure=false", access_key=ACCESS_KEY, secret_key=SECRET_KEY, options=options)
    )
    storage.ensure_bucket()
    return storage


def test_presigned_urls_expire(s3_server, s3_bucket):
    storage = minio_storage(s3_server, s3_bucket)
    storage.put_bytes("clip.mp4", b"shared")
    url = storage.url("clip.mp4", expires=1)
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"shared"
    time.sleep(2.5)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 403
    with pytest.raises(ValueError, match="7 days"):
        storage.url("clip.mp4", expires=8 * 86400)


def test_url_expiration_s_is_the_default_lifetime(s3_server, s3_bucket):
    manager = faceclips.FaceClipManager(
        faceclips.StorageConfig(url=f"minio://{s3_server.endpoint}/{s3_bucket}?secure=false", access_key=ACCESS_KEY, secret_key=SECRET_KEY, url_expiration_s=120)
    )
    manager.storage.put_bytes("c.mp4", b"x")
    assert "X-Amz-Expires=120" in manager.url("c")


def test_multipart_upload_of_a_stream_of_unknown_length(s3_server, s3_bucket):
    storage = minio_storage(s3_server, s3_bucket, part_size=5 * 1024 * 1024)
    payload = bytes(range(256)) * (23 * 4096)  # about 23 MiB: five parts
    storage.put_stream("big.mp4", io.BufferedReader(io.BytesIO(payload)))
    info = storage.stat("big.mp4")
    assert info.size == len(payload) and info.etag.endswith("-5")  # a multipart ETag
    buffer = io.BytesIO()
    storage.download("big.mp4", buffer)
    assert hashlib.sha256(buffer.getvalue()).digest() == hashlib.sha256(payload).digest()


class SlowDownProxy(http.server.ThreadingHTTPServer):
    """Answers the first ``refusals`` requests with S3's 503 SlowDown, then forwards to the real server."""

    def __init__(self, upstream: str, refusals: int) -> None:
        self.upstream = upstream
        self.refusals = refusals
        self.seen = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _ProxyHandler)


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    server: SlowDownProxy

    def log_message(self, *args) -> None:
        pass

    def _relay(self) -> None:
        with self.server.lock:
            self.server.seen += 1
            refuse = self.server.seen <= self.server.refusals
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if refuse:
            payload = b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        request = urllib.request.Request(f"http://{self.server.upstream}{self.path}", data=body, method=self.command)
        for name, value in self.headers.items():
            if name.lower() not in ("content-length", "connection"):
                request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, headers, data = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, data = error.code, error.headers, error.read()
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay


def test_throttling_503_slowdown_is_retried_with_backoff(s3_server, s3_bucket, caplog):
    proxy = SlowDownProxy(s3_server.endpoint, refusals=2)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"127.0.0.1:{proxy.server_address[1]}"
        storage = faceclips.open_storage(
            faceclips.StorageConfig(
                url=f"minio://{endpoint}/{s3_bucket}?secure=false&region=us-east-1", access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                options={"retry_attempts": 4, "retry_initial_delay_s": 0.05},
            )
        )
        storage.put_bytes("throttled.mp4", b"eventually")  # two 503s, then through
        assert proxy.seen >= 3
        assert "SlowDown" in caplog.text and "retrying" in caplog.text
        proxy.refusals = proxy.seen + 10  # now refuse more often than the policy retries
        with pytest.raises(faceclips.UnavailableError, match="SlowDown"):
            storage.get_bytes("throttled.mp4")
    finally:
        proxy.shutdown()
        proxy.server_close()
