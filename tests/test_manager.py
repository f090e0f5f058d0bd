"""FaceClipManager beyond the seed: saving, streaming, filtering, sharing and bulk removal."""

from __future__ import annotations

import io
import os
import re
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

import faceclips


def test_save_clip_uses_collision_free_keys(manager):
    keys = {manager.save_clip(b"v", camera_id="door").key for _ in range(50)}
    assert len(keys) == 50
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    for key in keys:
        assert re.fullmatch(rf"door/{today}/\d{{6}}Z-[0-9a-f]{{12}}", key)
    assert len(manager.list_clips()) == 50


def test_two_managers_saving_at_once_never_overwrite(bucket_url):
    first, second = faceclips.FaceClipManager(bucket_url), faceclips.FaceClipManager(bucket_url)
    when = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    a = first.save_clip(b"first", camera_id="cam", started_at=when)
    b = second.save_clip(b"second", camera_id="cam", started_at=when)
    assert a.key != b.key and a.key.startswith("cam/2026-01-01/120000Z-")
    assert first.download_file(a.key) == b"first" and first.download_file(b.key) == b"second"


def test_save_clip_inputs_and_sidecar(manager, tmp_path):
    path = tmp_path / "in.mp4"
    path.write_bytes(b"from a file")
    by_path = manager.save_clip(path, camera_id="c1", sidecar={"faces": [{"name": "O'Brien"}]})
    by_stream = manager.save_clip(io.BytesIO(b"from a stream"), camera_id="c1", sidecar='{"raw": true}')
    assert manager.download_file(by_path.key) == b"from a file"
    assert manager.download_file(by_stream.key) == b"from a stream"
    assert b"O'Brien" in manager.download_file(by_path.key + ".json")
    assert manager.download_file(by_stream.key + ".json") == b'{"raw": true}'
    with pytest.raises(TypeError):
        manager.save_clip(12345)
    with pytest.raises(faceclips.InvalidNameError):
        manager.save_clip(b"x", camera_id="a/b")


def test_an_explicit_key_never_overwrites(manager):
    manager.save_clip(b"first", key="incident_01")
    with pytest.raises(faceclips.StorageError, match="already exists"):
        manager.save_clip(b"second", key="incident_01")
    assert manager.download_file("incident_01") == b"first"


def test_save_annotated_keeps_the_original(manager):
    clip = manager.save_clip(b"orig", key="cam/x", sidecar={"v": 1})
    annotated = manager.save_annotated(clip.key, b"boxes", sidecar={"v": 2})
    assert set(annotated) == {"original", "annotated", "json"}
    assert manager.download_file("cam/x_annotated.mp4") == b"boxes"
    assert manager.download_file("cam/x") == b"orig"
    with pytest.raises(faceclips.ObjectNotFoundError):
        manager.save_annotated("cam/nothing", b"boxes")


def test_iter_clips_filters_by_prefix_and_time(manager):
    storage = manager.storage
    bucket = storage._bucket_dir  # the local folder, to set modification times
    now = time.time()
    for name, age_days in [("cam1/old.mp4", 10), ("cam1/new.mp4", 0.5), ("cam2/mid.mp4", 3), ("cam10/x.mp4", 0.1)]:
        storage.put_bytes(name, b"v")
        os.utime(os.path.join(bucket, *name.split("/")), (now - age_days * 86400,) * 2)

    def keys(**kw):
        return sorted(clip.key for clip in manager.iter_clips(**kw))

    assert keys(prefix="cam1/") == ["cam1/new", "cam1/old"]
    assert keys(prefix="cam1") == ["cam1/new", "cam1/old", "cam10/x"]
    assert keys(since=datetime.now() - timedelta(days=1)) == ["cam1/new", "cam10/x"]  # naive local time
    assert keys(until=datetime.now(timezone.utc) - timedelta(days=2)) == ["cam1/old", "cam2/mid"]
    assert keys(since=datetime.now() - timedelta(days=5), until=datetime.now() - timedelta(days=1)) == ["cam2/mid"]


def test_list_clips_values_keep_the_seed_attributes(manager):
    manager.storage.put_bytes("a.mp4", b"12345")
    info = manager.list_clips()["a"]["original"]
    assert (info.object_name, info.size, info.is_dir) == ("a.mp4", 5, False)
    assert info.last_modified.tzinfo is not None
    assert info.last_modified > datetime.now() - timedelta(minutes=1)


def test_download_to_streams_into_a_file_object_and_path(manager, tmp_path):
    manager.storage.put_bytes("big.mp4", os.urandom(3 * 1024 * 1024))
    buffer = io.BytesIO()
    moved: list[int] = []
    assert manager.download_to("big", buffer, progress=moved.append) == 3 * 1024 * 1024
    assert sum(moved) == 3 * 1024 * 1024 and len(moved) >= 3
    assert manager.download_to("big", tmp_path / "copy.mp4") == 3 * 1024 * 1024
    assert (tmp_path / "copy.mp4").read_bytes() == buffer.getvalue()


def test_url_is_a_fetchable_file_uri_and_missing_objects_fail(manager):
    manager.storage.put_bytes("cam 1/clip#1.mp4", b"shared")
    url = manager.url("cam 1/clip#1")
    assert url.startswith("file://")
    with urllib.request.urlopen(url) as response:
        assert response.read() == b"shared"
    with pytest.raises(faceclips.ObjectNotFoundError):
        manager.url("nope")


def test_missing_objects_fail_alike(manager):
    for call in (lambda: manager.download_file("nope"), lambda: manager.remove_file("nope"), lambda: manager.get_clip("nope")):
        with pytest.raises(faceclips.ObjectNotFoundError, match="nope"):
            call()


def test_remove_all_clips_removes_only_clip_parts_in_batches(manager):
    storage = manager.storage
    for index in range(7):
        storage.put_bytes(f"cam/c{index}.mp4", b"v" * 10)
        storage.put_bytes(f"cam/c{index}.json", b"{}")
    storage.put_bytes("cam/c0_annotated.mp4", b"a")
    storage.put_bytes("notes.txt", b"keep")
    storage.put_bytes("cam/snapshot.jpg", b"keep")
    dry = manager.remove_all_clips(dry_run=True)
    assert len(dry) == 7 and dry.objects_removed == 15
    assert len(manager.list_clips()) == 7
    report = manager.remove_all_clips(batch_size=4)
    assert sorted(report.removed) == [f"cam/c{i}" for i in range(7)]
    assert report.objects_removed == 15 and report.bytes_freed == 7 * 12 + 1
    assert report.vetoed == {} and report.failed == {}
    assert [info.object_name for info in storage.list()] == ["cam/snapshot.jpg", "notes.txt"]


def test_remove_all_clips_with_a_prefix(manager):
    for name in ("a/1.mp4", "a/2.mp4", "b/1.mp4"):
        manager.storage.put_bytes(name, b"v")
    assert sorted(manager.remove_all_clips(prefix="a/").removed) == ["a/1", "a/2"]
    assert list(manager.list_clips()) == ["b/1"]


def test_memory_buckets_are_shared_by_name_within_the_process():
    writer = faceclips.FaceClipManager("memory://shared", create_bucket=True)
    clip = writer.save_clip(b"v", camera_id="cam")
    reader = faceclips.FaceClipManager(faceclips.StorageConfig(backend="memory", bucket="shared"))
    assert list(reader.list_clips()) == [clip.key]
    assert reader.url(clip.key).startswith("memory://shared/cam/")


def test_manager_repr_and_context(bucket_url):
    with faceclips.FaceClipManager(bucket_url) as manager:
        assert "alerts" in repr(manager)
