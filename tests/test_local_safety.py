"""Nothing outside the configured bucket is ever read, written or deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

import faceclips
from faceclips.testing import INVALID_NAMES

ATTACKS = [
    "../secret",
    "../secret.mp4",
    "../../outside.mp4",
    "a/../../secret.mp4",
    "/etc/passwd",
    "..\\secret.mp4",
    "a\\..\\..\\secret.mp4",
    "a//b.mp4",
    "./a.mp4",
    "x\x00.mp4",
    "C:\\Windows\\x.mp4",
]


@pytest.fixture
def layout(tmp_path: Path):
    root = tmp_path / "root"
    bucket = root / "alerts"
    bucket.mkdir(parents=True)
    (root / "secret.mp4").write_bytes(b"sibling bucket file")
    (tmp_path / "outside.mp4").write_bytes(b"outside")
    outside_dir = tmp_path / "elsewhere"
    outside_dir.mkdir()
    (outside_dir / "victim.mp4").write_bytes(b"victim")
    manager = faceclips.FaceClipManager(bucket.as_uri())
    return tmp_path, bucket, outside_dir, manager


def snapshot(tmp_path: Path, bucket: Path) -> dict[str, bytes]:
    """Every file outside the bucket, with its content."""
    found = {}
    for path in tmp_path.rglob("*"):
        if path.is_file() and bucket not in path.parents:
            found[str(path)] = path.read_bytes()
    return found


@pytest.mark.parametrize("name", ATTACKS + INVALID_NAMES)
def test_traversal_attempts_are_refused_before_io(layout, name):
    tmp_path, bucket, _, manager = layout
    before = snapshot(tmp_path, bucket)
    for call in (
        lambda: manager.download_file(name),
        lambda: manager.download_to(name, tmp_path / "dl.mp4"),
        lambda: manager.remove_file(name),
        lambda: manager.url(name),
        lambda: manager.stat(name),
        lambda: manager.save_clip(b"x", key=name),
        lambda: manager.storage.put_bytes(name, b"overwritten"),
    ):
        with pytest.raises(faceclips.InvalidNameError):
            call()
    assert snapshot(tmp_path, bucket) == before
    assert list(bucket.iterdir()) == []


def test_symlinked_folder_inside_the_bucket_is_not_followed(layout):
    tmp_path, bucket, outside_dir, manager = layout
    (bucket / "link").symlink_to(outside_dir, target_is_directory=True)
    assert manager.list_clips() == {}  # listing does not follow links
    for call in (
        lambda: manager.download_file("link/victim.mp4"),
        lambda: manager.remove_file("link/victim.mp4"),
        lambda: manager.storage.put_bytes("link/new.mp4", b"x"),
    ):
        with pytest.raises(faceclips.InvalidNameError, match="outside the bucket"):
            call()
    manager.remove_all_clips()
    assert (outside_dir / "victim.mp4").read_bytes() == b"victim"
    assert not (outside_dir / "new.mp4").exists()


def test_symlinked_file_is_neither_listed_nor_read(layout):
    tmp_path, bucket, _, manager = layout
    (bucket / "evil.mp4").symlink_to(tmp_path / "outside.mp4")
    assert manager.list_clips() == {}
    with pytest.raises(faceclips.InvalidNameError):
        manager.download_file("evil.mp4")
    with pytest.raises(faceclips.InvalidNameError):
        manager.remove_file("evil.mp4")
    assert (tmp_path / "outside.mp4").read_bytes() == b"outside"


@pytest.mark.parametrize("bucket", ["..", "../x", "a/b", ".hidden", "x\x00", "-dash"])
def test_unsafe_bucket_names_are_refused(tmp_path, bucket):
    with pytest.raises(faceclips.InvalidNameError):
        faceclips.FaceClipManager(faceclips.ObjectStorageConfig(endpoint=str(tmp_path), bucket=bucket))
    assert list(tmp_path.iterdir()) == []


def test_in_flight_temporary_files_are_invisible(layout):
    _, bucket, _, manager = layout
    (bucket / ".faceclips-tmp-0123").write_bytes(b"half written")
    (bucket / "real.mp4").write_bytes(b"done")
    assert list(manager.list_clips()) == ["real"]


def test_deleting_prunes_empty_folders_but_never_the_bucket(layout):
    _, bucket, _, manager = layout
    clip = manager.save_clip(b"v", camera_id="door", sidecar={"a": 1})
    assert (bucket / "door").is_dir()
    manager.remove_clip(clip.key)
    assert bucket.is_dir() and list(bucket.iterdir()) == []


def test_listing_never_creates_the_bucket(tmp_path):
    manager = faceclips.FaceClipManager((tmp_path / "root" / "alerts").as_uri())
    with pytest.raises(faceclips.BucketNotFoundError):
        manager.list_clips()
    with pytest.raises(faceclips.BucketNotFoundError):
        list(manager.iter_clips())
    assert not (tmp_path / "root").exists()


def test_objects_and_folders_of_one_name_conflict_clearly(layout):
    _, bucket, _, manager = layout
    manager.storage.put_bytes("cam", b"object named like a folder")
    with pytest.raises(faceclips.InvalidNameError, match="parent folder"):
        manager.storage.put_bytes("cam/clip.mp4", b"x")
    manager.storage.put_bytes("dir/clip.mp4", b"x")
    with pytest.raises(faceclips.InvalidNameError, match="folder of that name"):
        manager.storage.put_bytes("dir", b"x")
    assert not [p for p in bucket.rglob(".faceclips-tmp-*")]


def test_a_folder_is_not_an_object(layout):
    _, bucket, _, manager = layout
    (bucket / "folder.mp4").mkdir()
    for call in (lambda: manager.download_file("folder.mp4"), lambda: manager.stat("folder.mp4"), lambda: manager.remove_file("folder.mp4")):
        with pytest.raises(faceclips.ObjectNotFoundError):
            call()
    assert (bucket / "folder.mp4").is_dir()
