"""Retention on the local backend and on a real S3 server (SeaweedFS): every rule, holds, vetoes, threshold, resume."""

from __future__ import annotations

import time
import uuid

import pytest

import faceclips
from faceclips.retention import Retention, RetentionConfig, RetentionRefusedError, RetentionRule
from faceclips.testing.seaweedfs import ACCESS_KEY, SECRET_KEY


class Bucket:
    """A manager plus the real modification time of each generation of clips it was given."""

    def __init__(self, manager: faceclips.FaceClipManager, gap_s: float) -> None:
        self.manager = manager
        self.gap_s = gap_s
        self.times: list[float] = []

    def generation(self, clips: dict[str, int]) -> list[str]:
        """Save clips (key -> size) as the next, younger generation; returns the keys."""
        if self.times:
            time.sleep(self.gap_s)  # S3 keeps LastModified to the second
        for key, size in clips.items():
            self.manager.save_clip(b"v" * size, key=key)
        self.times.append(max(self.manager.stat(key).mtime for key in clips))
        return list(clips)

    def age_between(self, older: int, younger: int) -> float:
        """A max_age, seen from the youngest generation, that falls between two generations."""
        return self.times[-1] - (self.times[older] + self.times[younger]) / 2

    def retention(self, *rules: RetentionRule, max_share: float = 1.0, batch_size: int = 1000) -> Retention:
        return Retention(self.manager, RetentionConfig(rules, max_share=max_share, batch_size=batch_size))

    def keys(self) -> list[str]:
        return sorted(self.manager.list_clips())


@pytest.fixture(params=["local", "s3"])
def bucket(request, tmp_path) -> Bucket:
    if request.param == "local":
        manager = faceclips.FaceClipManager((tmp_path / "alerts").as_uri(), create_bucket=True)
        return Bucket(manager, gap_s=0.05)
    server = request.getfixturevalue("s3_server")
    config = faceclips.StorageConfig(
        url=f"minio://{server.endpoint}/ret-{uuid.uuid4().hex[:12]}?secure=false", access_key=ACCESS_KEY, secret_key=SECRET_KEY
    )
    return Bucket(faceclips.FaceClipManager(config, create_bucket=True), gap_s=1.1)


def test_age(bucket):
    old = bucket.generation({"door/a": 10, "lobby/b": 10})
    bucket.generation({"door/c": 10})
    young = bucket.generation({"door/d": 10})
    retention = bucket.retention(RetentionRule("max_age", {"max_age": bucket.age_between(0, 1)}))
    plan = retention.plan(now=bucket.times[-1])
    assert [removal.key for removal in plan.removals] == sorted(old, key=lambda k: (bucket.manager.stat(k).mtime, k))
    assert all(removal.rule.startswith("max_age(") and removal.reason.startswith("older than") for removal in plan.removals)
    assert (plan.clips_total, plan.bytes_freed, plan.kept) == (4, 20, {})
    report = retention.apply(plan, now=bucket.times[-1])
    assert sorted(r.key for r in report.removed) == sorted(old) and report.failed == {}
    assert bucket.keys() == ["door/c", *young]


def test_size_with_mixed_clip_sizes(bucket):
    for key, size in [("c/1", 5000), ("c/2", 100), ("c/3", 3000), ("c/4", 200), ("c/5", 1000)]:
        bucket.generation({key: size})
    plan = bucket.retention(RetentionRule("max_total_size", {"max_total_size": "1.5KiB"})).plan()
    # total 9,300: the oldest go until 1,536 bytes or less remain
    assert [removal.key for removal in plan.removals] == ["c/1", "c/2", "c/3"]
    assert plan.bytes_freed == 8100 and plan.bytes_total == 9300
    bucket.retention(RetentionRule("max_total_size", {"max_total_size": 1536})).apply()
    assert bucket.keys() == ["c/4", "c/5"]


def test_count_per_camera_and_per_prefix(bucket):
    bucket.generation({"door/1": 1, "lobby/1": 1})
    bucket.generation({"door/2": 1, "lobby/2": 1})
    bucket.generation({"door/3": 1})
    per_camera = bucket.retention(RetentionRule("max_count", {"max_count": 1}, per="camera")).plan()
    assert sorted(removal.key for removal in per_camera.removals) == ["door/1", "door/2", "lobby/1"]
    assert all(removal.rule.endswith("per camera") for removal in per_camera.removals)
    lobby_only = bucket.retention(RetentionRule("max_count", {"max_count": 0}, prefix="lobby/")).plan()
    assert sorted(removal.key for removal in lobby_only.removals) == ["lobby/1", "lobby/2"]
    combined = bucket.retention(
        RetentionRule("max_count", {"max_count": 0}, prefix="lobby/"), RetentionRule("max_count", {"max_count": 2})
    ).plan()
    # the second rule sees only what the first left: three door clips, two may stay
    assert [removal.key for removal in combined.removals] == ["lobby/1", "door/1", "lobby/2"] or sorted(
        removal.key for removal in combined.removals
    ) == ["door/1", "lobby/1", "lobby/2"]
    bucket.retention(RetentionRule("max_count", {"max_count": 1}, per="camera")).apply()
    assert bucket.keys() == ["door/3", "lobby/2"]


def test_kept_clips_are_reported_and_never_removed(bucket):
    old = bucket.generation({"door/evidence": 4000, "door/routine": 4000})
    bucket.generation({"door/new": 10})
    bucket.manager.keep("door/evidence", "case 2026-117", by="j.doe")
    assert "keep" in bucket.manager.list_clips()["door/evidence"]
    age = RetentionRule("max_age", {"max_age": bucket.age_between(0, 1)})
    plan = bucket.retention(age).plan(now=bucket.times[-1])
    assert [removal.key for removal in plan.removals] == ["door/routine"]
    assert plan.kept == {"door/evidence": ["kept (legal hold)"]}
    size = bucket.retention(RetentionRule("max_total_size", {"max_total_size": 4100})).plan()
    assert [removal.key for removal in size.removals] == ["door/routine"]  # the kept clip counts but cannot go
    bucket.retention(age).apply(now=bucket.times[-1])
    with pytest.raises(faceclips.RemovalVetoedError, match="legal hold"):
        bucket.manager.remove_file("door/evidence")
    assert bucket.manager.remove_all_clips().vetoed == {"door/evidence": ["kept (legal hold)"]}
    assert bucket.keys() == ["door/evidence"]
    bucket.manager.release("door/evidence")
    assert bucket.manager.is_kept("door/evidence") is False
    assert [r.key for r in bucket.retention(age).apply(now=bucket.times[-1]).removed] == ["door/evidence"]
    assert old and bucket.keys() == []


def test_a_vetoing_plugin_is_respected_and_reported(bucket, install_plugin):
    install_plugin(
        "faceclips-hold",
        {"hold_plugin": """
            import faceclips
            @faceclips.hookimpl
            def faceclips_before_remove(manager, clip_key, object_names):
                if clip_key.startswith("court/"):
                    return faceclips.Veto("court order 42")
                return None
        """},
        {"hold": "hold_plugin"},
    )
    faceclips.reset_plugin_manager()
    manager = faceclips.FaceClipManager(storage=bucket.manager.storage)
    bucket.manager = manager
    bucket.generation({"court/a": 1, "door/b": 1})
    retention = bucket.retention(RetentionRule("max_count", {"max_count": 0}))
    plan = retention.plan()
    assert [removal.key for removal in plan.removals] == ["door/b"]
    assert plan.kept == {"court/a": ["court order 42"]}
    report = retention.apply(plan)
    assert [r.key for r in report.removed] == ["door/b"] and report.kept == {"court/a": ["court order 42"]}
    assert bucket.keys() == ["court/a"]


def test_the_safety_threshold_refuses_then_force_removes(bucket):
    bucket.generation({f"cam/{i}": 1 for i in range(4)})
    retention = bucket.retention(RetentionRule("max_count", {"max_count": 1}), max_share=0.5)
    plan = retention.plan()
    assert len(plan.removals) == 3 and plan.share == 0.75
    with pytest.raises(RetentionRefusedError, match=r"3 of 4 clips \(75%\), more than max_share 50%"):
        retention.apply(plan)
    assert len(bucket.keys()) == 4  # nothing was removed
    assert len(retention.apply(plan, force=True).removed) == 3
    assert len(bucket.keys()) == 1


def test_apply_interrupted_half_way_then_resumed(bucket, install_plugin):
    install_plugin(
        "faceclips-interrupt",
        {"interrupt_plugin": """
            import faceclips
            REMOVED = []
            LIMIT = [3]
            @faceclips.hookimpl
            def faceclips_clip_removed(manager, clip_key, object_names):
                REMOVED.append(clip_key)
                if len(REMOVED) == LIMIT[0]:
                    raise KeyboardInterrupt  # Ctrl-C half-way through the run
        """},
        {"interrupt": "interrupt_plugin"},
    )
    import interrupt_plugin

    faceclips.reset_plugin_manager()
    bucket.manager = faceclips.FaceClipManager(storage=bucket.manager.storage)
    old = bucket.generation({f"cam/old{i}": 10 for i in range(6)})
    young = bucket.generation({"cam/young": 10})
    retention = bucket.retention(RetentionRule("max_age", {"max_age": bucket.age_between(0, 1)}), batch_size=2)
    plan = retention.plan(now=bucket.times[-1])
    assert len(plan.removals) == 6
    with pytest.raises(KeyboardInterrupt):
        retention.apply(plan, now=bucket.times[-1])
    left = bucket.keys()
    assert 0 < len(left) - 1 < 6 and "cam/young" in left  # stopped half-way, nothing young touched
    report = retention.apply(plan, now=bucket.times[-1])  # run again: finishes the job
    assert bucket.keys() == young and report.failed == {}
    assert len(report.removed) + len(set(old) - set(left)) == 6
    # every event fired once at most; only the interrupted batch's later events can be missing
    events = interrupt_plugin.REMOVED
    assert len(events) == len(set(events)) and set(events) <= set(old) and len(events) >= 6 - 1
