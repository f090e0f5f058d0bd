"""The MinIO and fsspec backends pass the storage contract against a real SeaweedFS server."""

from __future__ import annotations

import uuid

import pytest

import faceclips
from faceclips.testing import StorageContract
from faceclips.testing.seaweedfs import ACCESS_KEY, SECRET_KEY


def minio_url(server, bucket: str) -> faceclips.StorageConfig:
    return faceclips.StorageConfig(
        url=f"minio://{server.endpoint}/{bucket}?secure=false", access_key=ACCESS_KEY, secret_key=SECRET_KEY
    )


def s3fs_config(server, bucket: str) -> faceclips.StorageConfig:
    return faceclips.StorageConfig(
        url=f"s3://{bucket}", access_key=ACCESS_KEY, secret_key=SECRET_KEY, options={"endpoint_url": server.url}
    )


class TestMinioBackend(StorageContract):
    strict_key_order = False  # SeaweedFS lists in folder-walk order, not S3 byte order
    @pytest.fixture
    def backend(self, s3_server, s3_bucket):
        storage = faceclips.open_storage(minio_url(s3_server, s3_bucket))
        assert storage.name == "minio"
        return storage

    @pytest.fixture
    def missing_bucket_backend(self, s3_server):
        return faceclips.open_storage(minio_url(s3_server, f"missing-{uuid.uuid4().hex[:12]}"))


class TestFsspecS3Backend(StorageContract):
    @pytest.fixture
    def backend(self, s3_server, s3_bucket):
        storage = faceclips.open_storage(s3fs_config(s3_server, s3_bucket))
        assert storage.name == "fsspec"
        return storage

    @pytest.fixture
    def missing_bucket_backend(self, s3_server):
        return faceclips.open_storage(s3fs_config(s3_server, f"missing-{uuid.uuid4().hex[:12]}"))


class TestFsspecMemoryBackend(StorageContract):
    urls_fetchable = False

    @pytest.fixture
    def backend(self):
        storage = faceclips.open_storage(faceclips.StorageConfig(backend="fsspec", url=f"memory://fc-{uuid.uuid4().hex[:8]}/alerts"))
        storage.ensure_bucket()
        return storage

    @pytest.fixture
    def missing_bucket_backend(self):
        return faceclips.open_storage(faceclips.StorageConfig(backend="fsspec", url=f"memory://fc-{uuid.uuid4().hex[:8]}/missing"))

    def test_share_url(self, backend):
        backend.put_bytes("x.mp4", b"x")
        with pytest.raises(faceclips.StorageError, match="cannot make share URLs"):
            backend.url("x.mp4")
