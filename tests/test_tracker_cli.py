"""faceclips track / annotate / enroll / faces on the command line, with the real models."""

from __future__ import annotations

import json

import cv2
import pytest
import skimage.data

from faceclips.cli import main
from faceclips.plugins.degirum.zoo import default_zoo_dir

from facevideo import write_video


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    if not (default_zoo_dir() / "models.json").exists():
        pytest.fail(f"the default zoo is not built at {default_zoo_dir()}: run 'faceclips models build'")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FACECLIPS_RECOGNIZER_DB_PATH", str(tmp_path / "ids.duckdb"))
    monkeypatch.setenv("FACECLIPS_ALERTS_SPOOL", str(tmp_path / "spool"))
    monkeypatch.setenv("FACECLIPS_TRACKER_LOST_S", "0.5")
    photo = tmp_path / "eileen.png"
    cv2.imwrite(str(photo), cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))
    (tmp_path / "wall.png").write_bytes(cv2.imencode(".png", skimage.data.camera()[:100, :100])[1].tobytes())
    return tmp_path


def test_enrol_list_rename_remove(workspace, capsys):
    code, _, err = run(capsys, "faces", "list", "--json")
    assert (code, err) == (0, "")
    code, out, err = run(capsys, "enroll", "Eileen O'Collins", "eileen.png", "wall.png")
    assert code == 0 and "no face in wall.png" in err and "1 of 2 image(s) used" in out
    code, out, _ = run(capsys, "faces", "list", "--json")
    [person] = json.loads(out)
    assert (person["name"], person["embeddings"]) == ("Eileen O'Collins", 1)
    assert run(capsys, "faces", "rename", "Eileen O'Collins", "Eileen")[0] == 0
    code, _, err = run(capsys, "faces", "rm", "Nobody")
    assert code == 1 and err == "error: no identity named 'Nobody'\n"
    assert run(capsys, "faces", "rm", "Eileen")[0] == 0
    assert json.loads(run(capsys, "faces", "list", "--json")[1]) == []
    code, _, err = run(capsys, "enroll", "Nobody", "wall.png")
    assert code == 1 and "no face found in any image" in err


def test_track_then_annotate(workspace, capsys):
    video = write_video(workspace / "door.mp4")
    assert run(capsys, "enroll", "Eileen", "eileen.png")[0] == 0
    code, out, err = run(capsys, "track", str(video), "--alert", "unknowns", "--pre", "1", "--post", "1", "--camera-id", "door")
    assert code == 0, err
    assert "100 frames, 1 alert(s), 1 clip(s) saved" in err
    assert "unknown_face on door: unknown" in out  # the default console notifier, with the clip URL
    [line] = run(capsys, "clips", "list")[1].strip().splitlines()
    key = line.split("\t")[0]
    assert key.startswith("door/")
    code, out, err = run(capsys, "annotate", key, "--json")
    assert code == 0, err
    tracks = json.loads(out)["tracks"]
    assert "Eileen" in {track["name"] for track in tracks} and None in {track["name"] for track in tracks}
    assert run(capsys, "clips", "list")[1].split("\t")[1] == "annotated,json,original"
    code, _, err = run(capsys, "annotate", key + "_annotated")
    assert code == 1 and "annotate the original clip" in err


def test_sigterm_mid_clip_finishes_and_uploads_it(workspace, capsys):
    import os
    import signal
    import subprocess
    import sys
    import time

    video = write_video(workspace / "long.mp4", count=300, present=list(range(5, 300)))
    env = {**os.environ, "FACECLIPS_ALERTS_SPOOL": str(workspace / "spool"), "FACECLIPS_RECOGNIZER_DB_PATH": str(workspace / "ids.duckdb")}
    process = subprocess.Popen(
        [sys.executable, "-m", "faceclips.cli", "track", str(video), "--alert", "unknowns", "--pre", "1", "--post", "60", "--camera-id", "door"],
        cwd=workspace, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    while not (workspace / "spool" / "door").exists() and time.monotonic() < deadline:  # running: models loaded, source open
        time.sleep(0.2)
    time.sleep(4)  # past the first alert, well inside its 60 s clip
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    done = [line for line in err.splitlines() if line.startswith("done:")]
    assert done and "1 clip(s) saved" in done[0] and int(done[0].split()[1]) < 300  # stopped early, clip landed
    code, listing, _ = run(capsys, "clips", "list")
    assert code == 0 and len(listing.strip().splitlines()) == 1
