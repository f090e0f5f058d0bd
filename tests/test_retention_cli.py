"""faceclips retention plan|apply|run and clips keep|release, plus the size and duration parsers."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

import faceclips
from faceclips.cli import main
from faceclips.units import parse_duration, parse_size


@pytest.fixture
def aged(manager):
    """Six clips: three 40 days old, three fresh; a sidecar on one."""
    bucket = Path(manager.storage.root) / manager.storage.bucket
    old = time.time() - 40 * 86400
    for index in range(3):
        manager.save_clip(b"o" * 100, key=f"door/old{index}", sidecar={"n": index} if index == 0 else None)
        for path in bucket.glob(f"door/old{index}.*"):
            os.utime(path, (old, old))
        manager.save_clip(b"n" * 100, key=f"door/new{index}")
    return manager


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_plan_lists_and_removes_nothing(aged, bucket_url, capsys):
    code, out, err = run(capsys, "--url", bucket_url, "retention", "plan", "--max-age", "30d")
    assert code == 0
    assert [line.split("\t")[0] for line in out.splitlines()] == ["door/old0", "door/old1", "door/old2"]
    assert "max_age(max_age=30d)" in out and "older than 30d" in out
    assert "would remove 3 of 6 clip(s) (50%)" in err
    assert len(aged.list_clips()) == 6
    code, out, _ = run(capsys, "--url", bucket_url, "retention", "plan", "--max-age", "30d", "--json")
    data = json.loads(out)
    assert (data["clips_total"], data["clips_removed"], data["share"]) == (6, 3, 0.5)
    assert data["removals"][0]["objects"] == ["door/old0.json", "door/old0.mp4"]
    assert data["bytes_freed"] == 300 + len(b'{\n  "n": 0\n}')


def test_apply_respects_keep_and_the_threshold(aged, bucket_url, capsys):
    assert run(capsys, "--url", bucket_url, "clips", "keep", "door/old1", "--reason", "case 7")[0] == 0
    code, out, err = run(capsys, "--url", bucket_url, "retention", "apply", "--max-count", "0")
    assert code == 1 and "more than max_share 50%" in err and "nothing was removed" in err
    code, out, err = run(capsys, "--url", bucket_url, "retention", "apply", "--max-age", "30d")
    assert code == 0 and "kept door/old1: kept (legal hold)" in err
    assert sorted(aged.list_clips()) == ["door/new0", "door/new1", "door/new2", "door/old1"]
    assert run(capsys, "--url", bucket_url, "clips", "release", "door/old1")[0] == 0
    code, out, err = run(capsys, "--url", bucket_url, "retention", "apply", "--max-age", "30d", "--json")
    assert code == 0 and [r["key"] for r in json.loads(out)["removed"]] == ["door/old1"]


def test_rules_from_the_config_file(aged, bucket_url, tmp_path, capsys):
    config = tmp_path / "faceclips.toml"
    config.write_text(
        f'[storage]\nurl = "{bucket_url}"\n\n[retention]\nmax_share = 0.9\n\n'
        '[[retention.rules]]\npolicy = "max_count"\nmax_count = 1\nprefix = "door/"\n'
    )
    code, out, err = run(capsys, "--config", str(config), "retention", "apply")
    assert code == 0 and "removed 5 clip(s)" in err
    assert list(aged.list_clips()) == ["door/new2"]


def test_usage_errors(bucket_url, tmp_path, capsys):
    assert run(capsys, "--url", bucket_url, "retention", "plan")[0] == 2  # no rules at all
    assert run(capsys, "--url", bucket_url, "retention", "run", "--max-age", "1d", "--every", "soon")[0] == 2
    bad = tmp_path / "bad.toml"
    bad.write_text('[retention]\nmax_shares = 0.3\n')
    code, _, err = run(capsys, "--config", str(bad), "--url", bucket_url, "retention", "plan")
    assert code == 1 and "unknown retention setting(s) max_shares" in err
    bad.write_text('[[retention.rules]]\npolicy = "max_ages"\nmax_age = "1d"\n')
    code, _, err = run(capsys, "--config", str(bad), "--url", bucket_url, "retention", "plan")
    assert code == 1 and "unknown retention policy 'max_ages'; choose one of: max_age, max_count, max_total_size" in err
    bad.write_text('[[retention.rules]]\npolicy = "max_age"\nmaximum = "1d"\n')
    code, _, err = run(capsys, "--config", str(bad), "--url", bucket_url, "retention", "plan")
    assert code == 1 and "unexpected keyword argument 'maximum'" in err


def test_run_every_stops_cleanly_on_sigterm(aged, bucket_url):
    script = shutil.which("faceclips", path=str(Path(sys.executable).parent))
    service = subprocess.Popen(
        [script, "--url", bucket_url, "retention", "run", "--max-age", "30d", "--every", "1h"],
        stderr=subprocess.PIPE, text=True,
    )
    try:
        first = service.stderr.readline()
        assert first.startswith("retention: removed 3 clip(s)")
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=20) == 0
        assert "retention: stopped" in service.stderr.read()
    finally:
        if service.poll() is None:
            service.kill()
    assert sorted(aged.list_clips()) == ["door/new0", "door/new1", "door/new2"]


@pytest.mark.parametrize(
    "text, expected",
    [("50GiB", 50 * 2**30), ("1.5 KiB", 1536), ("500MB", 500_000_000), ("2T", 2 * 2**40), ("1024", 1024), (7, 7)],
)
def test_sizes(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("30d", timedelta(days=30)), ("1h30m", timedelta(minutes=90)), ("2w", timedelta(weeks=2)), ("45s", timedelta(seconds=45)), (60, timedelta(minutes=1))],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("bad", ["", "ten", "5x", "-3", "1d junk", True])
def test_bad_sizes_and_durations(bad):
    with pytest.raises(faceclips.ConfigError):
        parse_size(bad)
    with pytest.raises(faceclips.ConfigError):
        parse_duration(bad)
