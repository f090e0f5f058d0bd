"""The built-in backends pass the storage contract shipped in faceclips.testing."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

import faceclips
from faceclips.testing import StorageContract


class TestLocalBackend(StorageContract):
    @pytest.fixture
    def backend(self, tmp_path: Path) -> faceclips.StorageBackend:
        (tmp_path / "root" / "contract").mkdir(parents=True)
        return faceclips.open_storage((tmp_path / "root" / "contract").as_uri())

    @pytest.fixture
    def missing_bucket_backend(self, tmp_path: Path) -> faceclips.StorageBackend:
        return faceclips.open_storage((tmp_path / "root" / "missing").as_uri())


class TestMemoryBackend(StorageContract):
    urls_fetchable = False

    @pytest.fixture
    def backend(self) -> faceclips.StorageBackend:
        storage = faceclips.open_storage(f"memory://contract-{uuid.uuid4().hex[:8]}")
        storage.ensure_bucket()
        return storage

    @pytest.fixture
    def missing_bucket_backend(self) -> faceclips.StorageBackend:
        return faceclips.open_storage(f"memory://missing-{uuid.uuid4().hex[:8]}")
