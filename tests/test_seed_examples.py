"""The seed documentation's examples, run against faceclips on a local folder.

Each example is the seed's code unchanged except the two imports
(``import faceclips as degirum_face`` / ``as degirum_tools``). Examples that use an
existing ``clip_manager`` get one on a local folder; the inventory example's S3
constructor lines are replaced by that manager (its listing code is unchanged).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import faceclips

IMPORTS = "import faceclips as degirum_face\nimport faceclips as degirum_tools\n"

INVENTORY = '''
clips = clip_manager.list_clips()

print(f"Total clips: {len(clips)}")
print("\\nClip inventory:")

for clip_name, files in clips.items():
    print(f"\\n{clip_name}:")
    
    if "original" in files:
        orig = files["original"]
        print(f"  Original: {orig.object_name} ({orig.size / 1024 / 1024:.1f} MB)")
    
    if "annotated" in files:
        anno = files["annotated"]
        print(f"  Annotated: {anno.object_name} ({anno.size / 1024 / 1024:.1f} MB)")
    
    if "json" in files:
        print(f"  JSON: {files['json'].object_name}")
'''

RECENT = '''
from datetime import datetime, timedelta

clips = clip_manager.list_clips()

# Find clips from last 24 hours
recent_threshold = datetime.now() - timedelta(days=1)
recent_clips = []

for clip_name, files in clips.items():
    if "original" in files:
        if files["original"].last_modified >= recent_threshold:
            recent_clips.append(clip_name)

print(f"Recent clips (last 24h): {len(recent_clips)}")
for clip in recent_clips:
    print(f"  - {clip}")
'''

MISSING_ANNOTATIONS = '''
clips = clip_manager.list_clips()

missing_annotations = []
for clip_name, files in clips.items():
    if "original" in files and "annotated" not in files:
        missing_annotations.append(clip_name)

print(f"Clips without annotations: {len(missing_annotations)}")
for clip in missing_annotations:
    print(f"  - {clip}")
'''

DOWNLOAD_AND_SAVE = '''
storage_config = degirum_tools.ObjectStorageConfig(
    endpoint="./clips",
    bucket="alerts"
)
clip_manager = degirum_face.FaceClipManager(storage_config)

# Download clip
clip_bytes = clip_manager.download_file("incident_01")  # .mp4 added automatically

# Save locally
with open("incident_local.mp4", "wb") as f:
    f.write(clip_bytes)
    
print(f"Downloaded {len(clip_bytes) / 1024 / 1024:.1f} MB")
'''

BACKUP_ALL = '''
from pathlib import Path

# Create backup directory
backup_dir = Path("./backup")
backup_dir.mkdir(exist_ok=True)

# Download all clips
clips = clip_manager.list_clips()

for clip_name in clips.keys():
    print(f"Backing up: {clip_name}")
    
    clip_data = clip_manager.download_file(clip_name)
    backup_path = backup_dir / f"{clip_name}.mp4"
    
    with open(backup_path, "wb") as f:
        f.write(clip_data)
    
    print(f"  Saved to {backup_path}")
'''

BOTH_VERSIONS = '''
clips = clip_manager.list_clips()

for clip_name, files in clips.items():
    if "original" in files and "annotated" in files:
        # Download original
        original_data = clip_manager.download_file(clip_name + ".mp4")
        with open(f"{clip_name}_original.mp4", "wb") as f:
            f.write(original_data)
        
        # Download annotated
        annotated_data = clip_manager.download_file(clip_name + "_annotated.mp4")
        with open(f"{clip_name}_annotated.mp4", "wb") as f:
            f.write(annotated_data)
        
        print(f"Downloaded both versions of {clip_name}")
'''

REMOVE_SINGLE = '''
storage_config = degirum_tools.ObjectStorageConfig(
    endpoint="./clips",
    bucket="temp"
)
clip_manager = degirum_face.FaceClipManager(storage_config)

# Remove processed clip
clip_manager.remove_file("reviewed_clip_01.mp4")
print("Clip removed")
'''

RETENTION_30_DAYS = '''
from datetime import datetime, timedelta

# Remove clips older than 30 days
retention_days = 30
cutoff_date = datetime.now() - timedelta(days=retention_days)

clips = clip_manager.list_clips()
removed_count = 0

for clip_name, files in clips.items():
    if "original" in files:
        clip_date = files["original"].last_modified
        
        if clip_date < cutoff_date:
            print(f"Removing old clip: {clip_name}")
            clip_manager.remove_file(clip_name)
            removed_count += 1

print(f"Removed {removed_count} clips older than {retention_days} days")
'''

REMOVE_ONLY_ANNOTATED = '''
# Keep originals, remove annotated versions to save space
clips = clip_manager.list_clips()

for clip_name, files in clips.items():
    if "annotated" in files:
        print(f"Removing annotated version of {clip_name}")
        clip_manager.remove_file(clip_name + "_annotated.mp4")

print("All annotated versions removed, originals preserved")
'''

CLEAR_TEST_DATA = '''
# Test/development storage only!
storage_config = degirum_tools.ObjectStorageConfig(
    endpoint="./test_clips",
    bucket="dev_testing"
)
clip_manager = degirum_face.FaceClipManager(storage_config)

# List what will be deleted
clips = clip_manager.list_clips()
print(f"About to delete {len(clips)} clips")

# Confirm before proceeding
response = input("Are you sure? (yes/no): ")
if response.lower() == "yes":
    clip_manager.remove_all_clips()
    print("All clips removed")
else:
    print("Cancelled")
'''


def run(code: str, **namespace: object) -> dict:
    scope = dict(namespace)
    exec(compile(IMPORTS + code, "<seed example>", "exec"), scope)
    return scope


def put(root: Path, bucket: str, name: str, data: bytes, age_days: float = 0.0) -> None:
    path = root / bucket / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if age_days:
        moment = time.time() - age_days * 86400
        os.utime(path, (moment, moment))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    put(tmp_path / "clips", "alerts", "incident_01.mp4", b"I" * 2048)
    put(tmp_path / "clips", "alerts", "incident_01_annotated.mp4", b"A" * 4096)
    put(tmp_path / "clips", "alerts", "incident_01.json", b"{}")
    put(tmp_path / "clips", "alerts", "old_clip.mp4", b"O" * 100, age_days=45)
    put(tmp_path / "clips", "alerts", "old_clip.json", b"{}", age_days=45)
    put(tmp_path / "clips", "alerts", "2024.01.01_cam.mp4", b"D" * 10, age_days=2)
    return tmp_path


@pytest.fixture
def clip_manager(workdir: Path) -> faceclips.FaceClipManager:
    return faceclips.FaceClipManager(faceclips.ObjectStorageConfig(endpoint="./clips", bucket="alerts"))


def test_inventory(clip_manager, capsys):
    run(INVENTORY, clip_manager=clip_manager)
    out = capsys.readouterr().out
    assert "Total clips: 3" in out
    assert "  Original: incident_01.mp4 (0.0 MB)" in out
    assert "  Annotated: incident_01_annotated.mp4 (0.0 MB)" in out
    assert "  JSON: incident_01.json" in out
    assert "  JSON: old_clip.json" in out


def test_recent_clips_compares_with_naive_now(clip_manager, capsys):
    run(RECENT, clip_manager=clip_manager)
    out = capsys.readouterr().out
    assert "Recent clips (last 24h): 1" in out
    assert "  - incident_01" in out


def test_missing_annotations(clip_manager, capsys):
    run(MISSING_ANNOTATIONS, clip_manager=clip_manager)
    out = capsys.readouterr().out
    assert "Clips without annotations: 2" in out
    assert "  - old_clip" in out and "  - 2024.01.01_cam" in out


def test_download_and_save(workdir, capsys):
    run(DOWNLOAD_AND_SAVE)
    assert (workdir / "incident_local.mp4").read_bytes() == b"I" * 2048
    assert "Downloaded 0.0 MB" in capsys.readouterr().out


def test_backup_all(clip_manager, workdir):
    run(BACKUP_ALL, clip_manager=clip_manager)
    backup = workdir / "backup"
    assert (backup / "incident_01.mp4").read_bytes() == b"I" * 2048
    assert (backup / "old_clip.mp4").read_bytes() == b"O" * 100
    # a dotted base name still gets .mp4 added (the reference's Path.suffix bug)
    assert (backup / "2024.01.01_cam.mp4").read_bytes() == b"D" * 10


def test_download_both_versions(clip_manager, workdir, capsys):
    run(BOTH_VERSIONS, clip_manager=clip_manager)
    assert (workdir / "incident_01_original.mp4").read_bytes() == b"I" * 2048
    assert (workdir / "incident_01_annotated.mp4").read_bytes() == b"A" * 4096
    assert capsys.readouterr().out.strip() == "Downloaded both versions of incident_01"


def test_remove_single(workdir, capsys):
    put(workdir / "clips", "temp", "reviewed_clip_01.mp4", b"R")
    put(workdir / "clips", "temp", "keep.mp4", b"K")
    run(REMOVE_SINGLE)
    assert not (workdir / "clips" / "temp" / "reviewed_clip_01.mp4").exists()
    assert (workdir / "clips" / "temp" / "keep.mp4").exists()
    assert "Clip removed" in capsys.readouterr().out


def test_retention_30_days(clip_manager, workdir, capsys):
    run(RETENTION_30_DAYS, clip_manager=clip_manager)
    out = capsys.readouterr().out
    assert "Removing old clip: old_clip" in out
    assert "Removed 1 clips older than 30 days" in out
    bucket = workdir / "clips" / "alerts"
    assert not (bucket / "old_clip.mp4").exists()
    assert (bucket / "old_clip.json").exists()  # remove_file removes the one file it names
    assert (bucket / "incident_01.mp4").exists() and (bucket / "2024.01.01_cam.mp4").exists()


def test_remove_only_annotated(clip_manager, workdir, capsys):
    run(REMOVE_ONLY_ANNOTATED, clip_manager=clip_manager)
    bucket = workdir / "clips" / "alerts"
    assert not (bucket / "incident_01_annotated.mp4").exists()
    assert (bucket / "incident_01.mp4").exists()
    assert "All annotated versions removed, originals preserved" in capsys.readouterr().out


@pytest.mark.parametrize("answer, removed", [("yes", True), ("no", False)])
def test_clear_test_data(workdir, capsys, answer, removed):
    for name in ("a.mp4", "a.json", "b.mp4", "b_annotated.mp4"):
        put(workdir / "test_clips", "dev_testing", name, b"x")
    put(workdir / "test_clips", "dev_testing", "notes.txt", b"not a clip")
    prompts: list[str] = []

    def answer_input(prompt: str) -> str:
        prompts.append(prompt)
        return answer

    run(CLEAR_TEST_DATA, input=answer_input)
    out = capsys.readouterr().out
    assert prompts == ["Are you sure? (yes/no): "]
    assert "About to delete 2 clips" in out
    bucket = workdir / "test_clips" / "dev_testing"
    left = sorted(p.name for p in bucket.iterdir())
    if removed:
        assert "All clips removed" in out
        assert left == ["notes.txt"]  # only clip parts are removed
    else:
        assert "Cancelled" in out
        assert left == ["a.json", "a.mp4", "b.mp4", "b_annotated.mp4", "notes.txt"]
