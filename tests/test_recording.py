"""Clip recording: real photos encoded at their capture rate as browser-playable H.264, uploaded without loss."""

from __future__ import annotations

import uuid
from pathlib import Path

import av
import numpy as np
import pytest
import skimage.data

import faceclips
from faceclips.recording import ClipUploader, FrameRing, TimedFrame, encode_h264
from faceclips.retry import RetryPolicy
from faceclips.testing.seaweedfs import ACCESS_KEY, SECRET_KEY


def moving_astronaut(count: int, fps: float, jitter: float = 0.0, start: float = 1000.0) -> list[TimedFrame]:
    """The astronaut photo drifting across a 320x240 frame, captured at ``fps`` with timing jitter."""
    import cv2

    face = cv2.resize(skimage.data.astronaut(), (160, 160))
    rng = np.random.default_rng(3)
    frames = []
    for index in range(count):
        frame = np.full((240, 320, 3), 40, np.uint8)
        x = 10 + index * 3 % 140
        frame[40:200, x : x + 160] = face
        frames.append(TimedFrame(frame, start + index / fps + rng.uniform(-jitter, jitter)))
    return frames


def probe(path: Path) -> dict:
    data = path.read_bytes()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [float(frame.pts * frame.time_base) for frame in container.decode(video=0)]
        return {
            "codec": stream.codec_context.name,
            "profile": stream.codec_context.profile,
            "pix_fmt": stream.codec_context.pix_fmt,
            "fps": float(stream.average_rate),
            "frames": len(times),
            "times": times,
            "faststart": data.find(b"moov") < data.find(b"mdat"),
        }


@pytest.mark.parametrize("fps", [7.5, 12.5, 29.97])
def test_a_clip_plays_at_its_capture_rate_as_browser_playable_h264(tmp_path, fps):
    frames = moving_astronaut(40, fps, jitter=0.2 / fps)
    clip = encode_h264(frames, tmp_path / "clip.mp4")
    info = probe(clip.path)
    assert (info["codec"], info["profile"], info["pix_fmt"], info["faststart"]) == ("h264", "High", "yuv420p", True)
    assert info["frames"] == clip.frame_count == 40
    assert abs(info["fps"] - fps) / fps < 0.02 and abs(clip.fps - fps) / fps < 0.02
    captured = [frame.timestamp - frames[0].timestamp for frame in frames]
    assert max(abs(a - b) for a, b in zip(info["times"], captured, strict=True)) < 0.001  # each frame at its capture time
    assert list(tmp_path.iterdir()) == [tmp_path / "clip.mp4"]  # no partial file left


def test_odd_sizes_and_mixed_sizes_are_refused_before_writing(tmp_path):
    with pytest.raises(faceclips.ConfigError, match="even"):
        encode_h264([TimedFrame(np.zeros((241, 320, 3), np.uint8), 0.0)], tmp_path / "a.mp4")
    mixed = [TimedFrame(np.zeros((240, 320, 3), np.uint8), 0.0), TimedFrame(np.zeros((120, 160, 3), np.uint8), 0.1)]
    with pytest.raises(faceclips.ConfigError, match="320x240"):
        encode_h264(mixed, tmp_path / "b.mp4")
    assert list(tmp_path.iterdir()) == []


def test_the_ring_keeps_the_pre_trigger_seconds():
    ring = FrameRing(seconds=2.0)
    for frame in moving_astronaut(100, fps=10.0, start=0.0):
        ring.append(frame.image, frame.timestamp)
    kept = ring.snapshot()
    assert len(kept) == 21 and kept[0].timestamp == pytest.approx(7.9) and kept[-1].timestamp == pytest.approx(9.9)




def s3_manager(server, bucket: str) -> faceclips.FaceClipManager:
    config = faceclips.StorageConfig(
        url=f"minio://{server.endpoint}/{bucket}?secure=false", access_key=ACCESS_KEY, secret_key=SECRET_KEY,
        options={"retry_attempts": 1, "timeout_s": 5},
    )
    return faceclips.FaceClipManager(config, create_bucket=True)


def test_closing_right_after_submitting_still_lands_every_clip(s3_server, tmp_path):
    manager = s3_manager(s3_server, f"rec-{uuid.uuid4().hex[:8]}")
    saved = []
    uploader = ClipUploader(manager, tmp_path / "spool", on_saved=lambda clip, context: saved.append(clip))
    for index in range(3):
        clip = encode_h264(moving_astronaut(20, 10.0), tmp_path / f"c{index}.mp4")
        uploader.submit(clip, camera_id="door", sidecar={"schema_version": 1, "index": index})
    assert uploader.close() is True  # pending uploads are finished before close returns
    clips = manager.list_clips()
    assert len(clips) == 3 and len(saved) == 3
    assert all(set(parts) == {"original", "json"} for parts in clips.values())
    assert list((tmp_path / "spool").iterdir()) == []


def test_a_clip_that_cannot_be_uploaded_waits_in_the_spool_for_the_next_run(own_server, tmp_path):
    bucket = f"spool-{uuid.uuid4().hex[:8]}"
    manager = s3_manager(own_server, bucket)
    own_server.stop()
    quick = RetryPolicy(attempts=2, initial_delay_s=0.05, max_delay_s=0.1)
    failed, saved = [], []
    uploader = ClipUploader(manager, tmp_path / "spool", retry=quick, on_failed=lambda video, context: failed.append(context))
    uploader.submit(encode_h264(moving_astronaut(10, 10.0), tmp_path / "c.mp4"), camera_id="lobby", sidecar={"n": 1}, context={"alert": 7})
    assert uploader.close() is False and len(uploader.failed) == 1
    assert uploader.pending() == 1  # kept on disk: nothing lost
    assert failed == [{"alert": 7}]  # told at once, with what the clip was for
    own_server.start()
    again = ClipUploader(s3_manager(own_server, bucket), tmp_path / "spool", on_saved=lambda clip, context: saved.append(context))
    assert again.close() is True
    assert saved == [{"alert": 7}]  # the context survived in the spool
    [clip] = s3_manager(own_server, bucket).list_clips().values()
    assert clip.key.startswith("lobby/") and set(clip) == {"original", "json"}


def test_frames_can_be_streamed_into_a_clip_when_the_rate_is_known(tmp_path):
    produced = []

    def frames():
        for frame in moving_astronaut(30, fps=12.5, start=0.0):
            produced.append(frame.timestamp)
            yield frame

    clip = encode_h264(frames(), tmp_path / "streamed.mp4", rate=12.5)
    assert (clip.frame_count, clip.fps) == (30, 12.5) and len(produced) == 30
    info = probe(clip.path)
    assert info["frames"] == 30 and info["fps"] == pytest.approx(12.5) and info["faststart"]
    with pytest.raises(faceclips.ConfigError, match="rate must be positive"):
        encode_h264(iter(moving_astronaut(2, 10.0)), tmp_path / "x.mp4", rate=0)
