"""FaceTracker end to end: real models, real faces, real encoder, real storage (folder and SeaweedFS)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
import skimage.data

import faceclips
from faceclips.config import StorageConfig
from faceclips.inference import InferenceConfig, open_engine
from faceclips.plugins.degirum.zoo import default_zoo_dir
from faceclips.settings import AlertsConfig, RecognizerConfig, Settings, TrackerConfig
from faceclips.sidecar import validate
from faceclips.testing.seaweedfs import ACCESS_KEY, SECRET_KEY
from faceclips.recording import TimedFrame
from faceclips.tracker import FaceTracker

from hookserver import HookServer
from facevideo import FPS, VISITOR_PRESENT, frames, visitor_face, write_video


@pytest.fixture(scope="module")
def engine():
    if not (default_zoo_dir() / "models.json").exists():
        pytest.fail(f"the default zoo is not built at {default_zoo_dir()}: run 'faceclips models build'")
    return open_engine(InferenceConfig())


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    return write_video(tmp_path_factory.mktemp("video") / "door.mp4")


def settings_for(tmp_path: Path, url: str = "", **alerts) -> Settings:
    return Settings(
        storage=StorageConfig(url=url or f"file://{tmp_path}/clips/alerts"),
        recognizer=RecognizerConfig(db_path=str(tmp_path / "ids.duckdb")),
        tracker=TrackerConfig(camera_id="door", lost_s=0.5),
        alerts=AlertsConfig(**{"mode": "unknowns", "pre_s": 1.0, "post_s": 1.5, "spool": str(tmp_path / "spool"), "notifiers": (), **alerts}),
    )


def tracker_with_astronaut(tmp_path: Path, engine, **kwargs) -> FaceTracker:
    tracker = FaceTracker(settings_for(tmp_path, **kwargs), engine=engine)
    faceclips.FaceRecognizer(tracker.settings, engine=engine, db=tracker.db).enroll_image(skimage.data.astronaut(), "Eileen O'Collins")
    return tracker


def decode(path: Path) -> tuple[int, float, str, list[float]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [float(frame.pts * frame.time_base) for frame in container.decode(stream)]
        return len(times), float(stream.average_rate), stream.codec_context.name, times


def test_an_enrolled_person_raises_nothing_and_an_unknown_exactly_one_clip(tmp_path, engine, video):
    tracker = tracker_with_astronaut(tmp_path, engine)
    stats = tracker.run(video)
    assert stats.frames == 100
    # the visitor comes back after a short occlusion and again after a long absence (a new track):
    # still one person, one alert, one clip
    assert [(event.kind, event.name) for event in stats.events] == [("unknown_face", None)]
    assert stats.clips == stats.clips_saved == 1
    [clip] = tracker.manager.list_clips().values()
    assert clip.key.startswith("door/") and set(clip) == {"original", "json"}
    local = tmp_path / "clip.mp4"
    tracker.manager.download_to(clip.key, local)
    count, rate, codec, times = decode(local)
    assert codec == "h264" and rate == pytest.approx(FPS, rel=1e-3)
    assert abs(count - (1.0 + 1.5) * FPS) <= 1  # pre + post within one frame
    assert times[-1] - times[0] == pytest.approx((count - 1) / FPS, abs=1e-3)  # the capture rate, not 30 fps
    sidecar = json.loads(tracker.manager.download_file(clip.key + ".json"))
    validate(sidecar)
    assert sidecar["trigger"]["reason"] == "unknown_face" and sidecar["clip"]["frame_count"] == count
    assert len(sidecar["frames"]) == count and "embeddings" not in sidecar
    names = {face.get("identity", {}).get("name") for frame in sidecar["frames"] for face in frame["faces"] if face.get("identity")}
    assert names == {"Eileen O'Collins"}  # the astronaut is recognised in the clip's frames


def test_known_alerts_carry_the_clip_url_to_a_webhook(tmp_path, engine, video):
    hook = HookServer()
    try:
        tracker = tracker_with_astronaut(tmp_path, engine, mode="knowns", notifiers=({"notifier": "webhook", "url": hook.url("/hook?token=s3cret"), "timeout_s": 5},))
        stats = tracker.run(video)
    finally:
        hook.close()
    assert [(event.kind, event.name) for event in stats.events] == [("known_face", "Eileen O'Collins")]
    [body] = hook.received
    event = body["event"]
    assert event["kind"] == "known_face" and event["name"] == "Eileen O'Collins" and event["camera_id"] == "door"
    assert event["clip_key"] in tracker.manager.list_clips() and event["clip_url"].startswith("file://")
    assert "Eileen O'Collins" in body["message"]


def test_stopping_right_after_an_alert_still_lands_the_clip_on_s3(tmp_path, engine, video, s3_server):
    bucket = f"track-{uuid.uuid4().hex[:8]}"
    url = f"minio://{s3_server.endpoint}/{bucket}?secure=false"
    settings = settings_for(tmp_path, url=url)
    settings = replace(settings, storage=replace(settings.storage, access_key=ACCESS_KEY, secret_key=SECRET_KEY))
    tracker = FaceTracker(settings, engine=engine)

    def stop_on_alert(result, stats):
        if stats.alerts:
            tracker.stop()

    stats = tracker.run(video, on_frame=stop_on_alert)
    assert stats.alerts == 1 and stats.frames < 100  # stopped early, in the middle of the clip's recording
    clips = faceclips.FaceClipManager(settings.storage).list_clips()
    [clip] = clips.values()
    assert set(clip) == {"original", "json"}
    assert not list((tmp_path / "spool").rglob("*.mp4"))  # nothing left behind


def test_find_faces_in_clip_annotates_and_enrolment_from_it_recognises(tmp_path, engine, video):
    tracker = tracker_with_astronaut(tmp_path, engine)
    annotated = []

    class Watch:
        @faceclips.hookimpl
        def faceclips_clip_annotated(self, clip):
            annotated.append(clip.key)

    tracker.plugins.register(Watch())
    saved = tracker.manager.save_clip(video, camera_id="door")
    summaries = tracker.find_faces_in_clip(saved.key)
    assert annotated == [saved.key]
    clip = tracker.manager.get_clip(saved.key)
    assert set(clip) == {"original", "annotated", "json"}
    original, copy = tmp_path / "o.mp4", tmp_path / "a.mp4"
    tracker.manager.download_to(saved.key, original)
    tracker.manager.download_to(saved.key + "_annotated.mp4", copy)
    count, rate, _, times = decode(original)
    assert decode(copy)[:2] == (count, rate) and decode(copy)[3] == pytest.approx(times, abs=1e-3)
    sidecar = json.loads(tracker.manager.download_file(saved.key + ".json"))
    validate(sidecar)
    assert sidecar["annotation"]["frame_count"] == count == len(sidecar["frames"])

    known = [s for s in summaries.values() if s.identity is not None]
    unknown = [s for s in summaries.values() if s.identity is None]
    assert {s.identity.name for s in known} == {"Eileen O'Collins"}
    assert unknown and all(1 <= len(s.embeddings) <= 8 and len(s.crops) == len(s.embeddings) for s in unknown)
    seen = sorted({frame for s in unknown for frame in range(s.first_frame, s.last_frame + 1)})
    assert set(seen) <= set(range(VISITOR_PRESENT[0], 100))

    visitor = max(unknown, key=lambda s: s.frames)
    visitor.name = "Visitor"
    [identity] = tracker.enroll([visitor, *[s for s in unknown if s is not visitor and s.name is None]])
    assert identity.name == "Visitor" and identity.embeddings == len(visitor.embeddings)
    recognizer = faceclips.FaceRecognizer(tracker.settings, engine=engine, db=tracker.db)
    canvas = np.full((400, 400, 3), 90, np.uint8)
    canvas[100:280, 100:280] = visitor_face(180)
    assert [face.name for face in recognizer.predict(canvas)] == ["Visitor"]
    stats = tracker.run(video, max_frames=70)
    assert stats.alerts == 0  # the visitor is known now


def test_tracks_stay_stable_through_a_short_occlusion(tmp_path, engine):
    tracker = FaceTracker(settings_for(tmp_path, mode="none"), engine=engine)
    present = [*range(0, 20), *range(23, 40)]
    ids = {}
    for result in tracker.predict_batch(frames(40, FPS, present), fps=FPS):
        for face in result.faces:
            if face.detection.bbox[1] > 250 and face.track_id is not None:  # the visitor's half of the frame
                ids.setdefault(face.track_id, []).append(result.index)
    assert len(ids) == 1, ids


def test_filters_exclude_faces_from_recognition(tmp_path, engine):
    settings = settings_for(tmp_path, mode="none")
    settings = replace(settings, tracker=replace(settings.tracker, filters=({"filter": "zone", "polygon": [[0, 0], [640, 0], [640, 240], [0, 240]]},)))
    tracker = tracker_with_astronaut(tmp_path, engine)
    tracker = FaceTracker(settings, engine=engine, db=tracker.db)
    results = list(tracker.predict_batch(frames(30, FPS, list(range(30))), fps=FPS))
    visitor = [face for result in results for face in result.faces if face.detection.bbox[1] > 250]
    astronaut = [face for result in results for face in result.faces if face.detection.bbox[1] < 250]
    assert visitor and all(face.filtered_by in ("zone", "untracked") and face.embedding is None for face in visitor)
    assert any(face.identity is not None and face.identity.name == "Eileen O'Collins" for face in astronaut)


def test_configuration_errors_come_before_any_io(tmp_path):
    settings = settings_for(tmp_path)
    with pytest.raises(faceclips.UnknownComponentError, match="choose one of: frontal, min_size, zone"):
        FaceTracker(replace(settings, tracker=replace(settings.tracker, filters=({"filter": "nose"},))))
    with pytest.raises(faceclips.ConfigError, match="polygon needs at least 3"):
        FaceTracker(replace(settings, tracker=replace(settings.tracker, filters=({"filter": "zone", "polygon": [[0, 0]]},))))
    with pytest.raises(faceclips.UnknownComponentError, match="bytetrack"):
        FaceTracker(replace(settings, tracker=replace(settings.tracker, tracker="sort")))
    with pytest.raises(faceclips.UnknownComponentError, match="unknown notifier 'pager'"):
        FaceTracker(replace(settings, alerts=replace(settings.alerts, notifiers=({"notifier": "pager"},))))
    with pytest.raises(faceclips.ConfigError, match="camera index"):
        replace(settings.tracker, source=[0, 1])
    assert not (tmp_path / "clips").exists() and not (tmp_path / "ids.duckdb").exists()


def test_alerts_without_clips_are_sent_at_once(tmp_path, engine, video):
    import io

    out = io.StringIO()
    tracker = FaceTracker(settings_for(tmp_path, pre_s=0, post_s=0, notifiers=({"notifier": "console", "stream": out, "message": "$kind $clip_key"},)), engine=engine)
    stats = tracker.run(video, max_frames=60)
    assert stats.alerts >= 1 and stats.clips == 0
    assert out.getvalue().splitlines()[0] == "unknown_face -"  # no clip, still told
    assert not (tmp_path / "clips").exists()


def test_stopping_a_prediction_early_leaves_no_threads(tmp_path, engine):
    tracker = FaceTracker(settings_for(tmp_path, mode="none"), engine=engine)
    before = threading.active_count()
    for result in tracker.predict_batch(frames(40, FPS), fps=FPS):
        if result.index == 5:
            break
    time.sleep(0.5)
    assert threading.active_count() <= before


def test_odd_sized_frames_and_a_resolution_change_still_make_a_clip(tmp_path, engine):
    import cv2

    odd = [TimedFrame(np.ascontiguousarray(frame.image[:479, :639]), frame.timestamp) for frame in frames(40, FPS, list(range(28, 40)))]
    odd[-3:] = [TimedFrame(cv2.resize(frame.image, (320, 240)), frame.timestamp) for frame in odd[-3:]]  # camera reconfigured
    tracker = tracker_with_astronaut(tmp_path, engine, pre_s=0.5, post_s=0.5)
    stats = tracker.run(odd)
    assert stats.alerts == 1 and stats.clips_saved == 1
    [clip] = tracker.manager.list_clips().values()
    sidecar = json.loads(tracker.manager.download_file(clip.key + ".json"))
    assert (sidecar["clip"]["width"], sidecar["clip"]["height"]) == (638, 478)
    last = sidecar["frames"][-1]["faces"]
    assert last and max(face["bbox"][2] for face in last) <= 320  # the clip runs into the resized frames
