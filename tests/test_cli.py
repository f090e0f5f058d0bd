"""The faceclips command line: output, exit codes (0 ok, 1 error, 2 usage), one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import faceclips
from faceclips.cli import main


@pytest.fixture
def filled(manager):
    manager.save_clip(b"door video", key="door/c1", sidecar={"n": 1})
    manager.save_annotated("door/c1", b"door annotated")
    manager.save_clip(b"lobby video", key="lobby/c2")
    manager.storage.put_bytes("notes.txt", b"not a clip")
    return manager


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list_plain_and_json(filled, bucket_url, capsys):
    code, out, _ = run(capsys, "--url", bucket_url, "clips", "list")
    assert code == 0
    lines = [line.split("\t") for line in out.strip().splitlines()]
    assert [(line[0], line[1], line[2]) for line in lines] == [
        ("door/c1", "annotated,json,original", str(len(b"door video") + len(b"door annotated") + len(b'{\n  "n": 1\n}'))),
        ("lobby/c2", "original", str(len(b"lobby video"))),
    ]
    code, out, _ = run(capsys, "--url", bucket_url, "clips", "list", "--json", "--prefix", "door/")
    data = json.loads(out)
    assert code == 0 and [clip["key"] for clip in data] == ["door/c1"]
    assert data[0]["parts"]["annotated"]["object_name"] == "door/c1_annotated.mp4"
    code, out, _ = run(capsys, "--url", bucket_url, "clips", "list", "--json", "--since", "1h")
    assert len(json.loads(out)) == 2
    code, out, _ = run(capsys, "--url", bucket_url, "clips", "list", "--json", "--until", "2000-01-01")
    assert json.loads(out) == []


def test_download_to_path_folder_and_stdout(filled, bucket_url, capsys, tmp_path, monkeypatch):
    target = tmp_path / "out.mp4"
    code, _, err = run(capsys, "--url", bucket_url, "clips", "download", "door/c1", "-o", str(target))
    assert code == 0 and target.read_bytes() == b"door video"
    assert "door/c1.mp4 -> " in err
    (tmp_path / "folder").mkdir()
    assert run(capsys, "--url", bucket_url, "clips", "download", "door/c1_annotated.mp4", "-o", str(tmp_path / "folder"))[0] == 0
    assert (tmp_path / "folder" / "c1_annotated.mp4").read_bytes() == b"door annotated"
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "--url", bucket_url, "clips", "download", "lobby/c2")[0] == 0
    assert (tmp_path / "c2.mp4").read_bytes() == b"lobby video"


def test_rm_url_and_errors(filled, bucket_url, capsys):
    code, out, _ = run(capsys, "--url", bucket_url, "clips", "url", "door/c1")
    assert code == 0 and out.strip().startswith("file://") and out.strip().endswith("/door/c1.mp4")
    code, out, _ = run(capsys, "--url", bucket_url, "clips", "rm", "door/c1_annotated.mp4")
    assert code == 0 and out.strip() == "removed door/c1_annotated.mp4"
    code, out, err = run(capsys, "--url", bucket_url, "clips", "rm", "door/c1_annotated.mp4")
    assert code == 1 and err.startswith("error: object 'door/c1_annotated.mp4' not found") and err.count("\n") == 1
    code, out, _ = run(capsys, "--url", bucket_url, "clips", "rm", "--clip", "door/c1")
    assert code == 0 and out.split() == ["removed", "door/c1.json", "removed", "door/c1.mp4"]
    code, _, err = run(capsys, "--url", bucket_url, "clips", "download", "../escape")
    assert code == 1 and "invalid object name" in err and "Traceback" not in err


def test_purge_refuses_without_yes_and_dry_run_lists(filled, bucket_url, capsys):
    code, _, err = run(capsys, "--url", bucket_url, "clips", "purge")
    assert code == 2 and "--yes" in err
    code, out, err = run(capsys, "--url", bucket_url, "clips", "purge", "--dry-run")
    assert code == 0 and "would remove door/c1_annotated.mp4" in out and "would remove 2 clip(s)" in err
    assert len(filled.list_clips()) == 2
    code, out, err = run(capsys, "--url", bucket_url, "clips", "purge", "--yes")
    assert code == 0 and "removed 2 clip(s), 4 object(s)" in err
    assert filled.list_clips() == {}
    assert [info.object_name for info in filled.storage.list()] == ["notes.txt"]


def test_init_and_missing_bucket(tmp_path, capsys):
    url = (tmp_path / "new" / "alerts").as_uri()
    code, _, err = run(capsys, "--url", url, "clips", "list")
    assert code == 1 and "does not exist" in err and "faceclips clips init" in err
    assert run(capsys, "--url", url, "clips", "init")[0] == 0
    assert run(capsys, "--url", url, "clips", "list") == (0, "", "")


def test_config_file_and_environment(filled, bucket_url, tmp_path, capsys, monkeypatch):
    config = tmp_path / "faceclips.toml"
    config.write_text(f'[storage]\nurl = "{bucket_url}"\n')
    assert "door/c1" in run(capsys, "--config", str(config), "clips", "list")[1]
    monkeypatch.setenv("FACECLIPS_STORAGE_URL", bucket_url)
    assert "lobby/c2" in run(capsys, "clips", "list")[1]
    code, _, err = run(capsys, "--config", str(tmp_path / "missing.toml"), "clips", "list")
    assert code == 1 and "does not exist" in err


def test_usage_errors_exit_2(capsys):
    assert run(capsys, "clips", "frobnicate")[0] == 2
    assert run(capsys, "--no-such-flag")[0] == 2
    assert run(capsys, "clips", "list", "--since", "yesterday-ish")[0] == 2
    assert run(capsys, "--help")[0] == 0


def test_the_installed_console_script(filled, bucket_url):
    script = shutil.which("faceclips", path=str(Path(sys.executable).parent))
    assert script, "the faceclips console script is not installed next to this Python"
    ok = subprocess.run([script, "--url", bucket_url, "clips", "list", "--json"], capture_output=True, text=True)
    assert ok.returncode == 0 and len(json.loads(ok.stdout)) == 2
    missing = subprocess.run([script, "--url", bucket_url, "clips", "download", "nope"], capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr.strip().startswith("error: object 'nope.mp4' not found")
    usage = subprocess.run([script, "clips", "purge"], capture_output=True, text=True)
    assert usage.returncode == 2
    version = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and faceclips.__version__ in version.stdout
