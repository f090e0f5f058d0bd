"""Faults against a real SeaweedFS: a server stopped mid-upload, restarts, bad credentials, missing buckets."""

from __future__ import annotations

import io
import logging
import threading
import time
import uuid

import pytest

import faceclips
from faceclips.testing.seaweedfs import ACCESS_KEY, SECRET_KEY

FAST_RETRY = {"retry_attempts": 2, "retry_initial_delay_s": 0.05, "retry_max_delay_s": 0.2}




def minio_config(server, bucket: str, secret: str = SECRET_KEY) -> faceclips.StorageConfig:
    return faceclips.StorageConfig(
        url=f"minio://{server.endpoint}/{bucket}?secure=false", access_key=ACCESS_KEY, secret_key=secret, options={**FAST_RETRY, "timeout_s": 10}
    )


def s3fs_config(server, bucket: str, secret: str = SECRET_KEY) -> faceclips.StorageConfig:
    return faceclips.StorageConfig(
        url=f"s3://{bucket}",
        access_key=ACCESS_KEY,
        secret_key=secret,
        options={"endpoint_url": server.url, "config_kwargs": {"connect_timeout": 5, "read_timeout": 10}, **FAST_RETRY},
    )


class SlowStream(io.RawIOBase):
    """A camera-like source: ``total`` bytes, slowly, and a flag once ``signal_after`` bytes were read."""

    def __init__(self, total: int, signal_after: int) -> None:
        self.left = total
        self.read_so_far = 0
        self.signal_after = signal_after
        self.reached = threading.Event()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if self.left <= 0:
            return 0
        size = min(len(buffer), self.left, 256 * 1024)
        buffer[:size] = b"v" * size
        self.left -= size
        self.read_so_far += size
        if self.read_so_far >= self.signal_after:
            self.reached.set()
            time.sleep(0.05)
        return size


@pytest.mark.parametrize("make_config", [minio_config, s3fs_config], ids=["minio", "s3fs"])
def test_server_stopped_during_upload_leaves_no_partial_object(own_server, make_config):
    bucket = f"faults-{uuid.uuid4().hex[:8]}"
    storage = faceclips.open_storage(make_config(own_server, bucket))
    storage.ensure_bucket()
    storage.put_bytes("keep.mp4", b"kept")
    source = io.BufferedReader(SlowStream(total=64 * 1024 * 1024, signal_after=12 * 1024 * 1024), buffer_size=1024 * 1024)
    errors: list[BaseException] = []

    def upload() -> None:
        try:
            storage.put_stream("big.mp4", source)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=upload)
    worker.start()
    assert source.raw.reached.wait(60), "the upload never got going"
    own_server.stop()
    worker.join(120)
    assert not worker.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], faceclips.StorageError), errors
    own_server.start()
    fresh = faceclips.open_storage(make_config(own_server, bucket))
    assert [info.object_name for info in fresh.list()] == ["keep.mp4"]
    with pytest.raises(faceclips.ObjectNotFoundError):
        fresh.stat("big.mp4")
    fresh.put_bytes("after.mp4", b"after restart")  # the next call succeeds
    assert fresh.get_bytes("after.mp4") == b"after restart"


@pytest.mark.parametrize("make_config", [minio_config, s3fs_config], ids=["minio", "s3fs"])
def test_a_restarted_server_is_used_again_by_the_same_backend(own_server, make_config):
    bucket = f"restart-{uuid.uuid4().hex[:8]}"
    storage = faceclips.open_storage(make_config(own_server, bucket))
    storage.ensure_bucket()
    storage.put_bytes("a.mp4", b"a")
    own_server.stop()
    with pytest.raises(faceclips.UnavailableError, match=own_server.endpoint.split(":")[1]):
        storage.get_bytes("a.mp4")
    own_server.start()
    assert storage.get_bytes("a.mp4") == b"a"
    assert [info.object_name for info in storage.list()] == ["a.mp4"]


@pytest.mark.parametrize("make_config", [minio_config, s3fs_config], ids=["minio", "s3fs"])
def test_wrong_credentials_are_an_auth_error_without_the_secret(s3_server, s3_bucket, make_config, caplog):
    wrong = "wrong-secret-" + uuid.uuid4().hex
    with caplog.at_level(logging.DEBUG):
        storage = faceclips.open_storage(make_config(s3_server, s3_bucket, secret=wrong))
        for call in (lambda: list(storage.list()), lambda: storage.put_bytes("x.mp4", b"x"), lambda: storage.get_bytes("x.mp4")):
            with pytest.raises(faceclips.AuthError) as error:
                call()
            assert s3_server.endpoint in str(error.value) or s3_bucket in str(error.value)
            assert wrong not in str(error.value) and SECRET_KEY not in str(error.value)
            assert wrong not in repr(error.value.__cause__)
    assert wrong not in caplog.text and SECRET_KEY not in caplog.text


@pytest.mark.parametrize("make_config", [minio_config, s3fs_config], ids=["minio", "s3fs"])
def test_a_missing_bucket_is_clear_and_created_only_when_asked(s3_server, make_config):
    bucket = f"absent-{uuid.uuid4().hex[:8]}"
    manager = faceclips.FaceClipManager(make_config(s3_server, bucket))
    with pytest.raises(faceclips.BucketNotFoundError, match=bucket):
        manager.list_clips()
    with pytest.raises(faceclips.BucketNotFoundError):
        manager.save_clip(b"x", camera_id="door")
    assert manager.storage.bucket_exists() is False
    created = faceclips.FaceClipManager(make_config(s3_server, bucket), create_bucket=True)
    clip = created.save_clip(b"video", camera_id="door", sidecar={"faces": []})
    assert set(manager.list_clips()[clip.key]) == {"original", "json"}


def test_unreachable_server_is_unavailable_quickly():
    storage = faceclips.open_storage(
        faceclips.StorageConfig(url="minio://127.0.0.1:9/bucket?secure=false", access_key="a", secret_key="b", options=dict(FAST_RETRY))
    )
    started = time.monotonic()
    with pytest.raises(faceclips.UnavailableError, match="127.0.0.1:9"):
        list(storage.list())
    assert time.monotonic() - started < 30
