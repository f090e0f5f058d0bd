"""Video sources: files with their own timing, streams that reconnect, frames, clear errors."""

from __future__ import annotations

import functools
import logging
import socket
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from faceclips.errors import ConfigError
from faceclips.recording import TimedFrame, encode_h264
from faceclips.video import SourceError, open_source


def small_video(path, count=12, fps=7.5):
    frames = [TimedFrame(np.full((64, 96, 3), index * 10, np.uint8), index / fps) for index in range(count)]
    return encode_h264(frames, path).path


def test_a_file_yields_rgb_frames_at_its_own_times(tmp_path):
    source = open_source(small_video(tmp_path / "a.mp4"))
    frames = list(source)
    assert source.fps == pytest.approx(7.5) and not source.live and source.frame_count == 12
    assert len(frames) == 12 and frames[0].image.shape == (64, 96, 3)
    assert [round(frame.timestamp, 3) for frame in frames] == [round(i / 7.5, 3) for i in range(12)]


def test_iterables_take_arrays_or_timed_pairs_and_refuse_bad_frames():
    pairs = list(open_source([(np.zeros((4, 4, 3), np.uint8), 0.5)]))
    assert pairs[0].timestamp == 0.5
    paced = list(open_source([np.zeros((4, 4, 3), np.uint8)] * 3, fps=10))
    assert [frame.timestamp for frame in paced] == [0.0, 0.1, 0.2]
    with pytest.raises(SourceError, match="frame 0 is not an H x W x 3 uint8"):
        list(open_source([np.zeros((4, 4), np.float32)]))


def test_missing_files_bad_rates_and_absent_cameras(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        open_source(tmp_path / "nope.mp4")
    with pytest.raises(ConfigError, match="fps override must be positive"):
        open_source([], fps=0)
    with pytest.raises(SourceError, match="camera 97 cannot be opened"):
        next(iter(open_source(97)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_stream_that_is_down_is_retried_until_it_comes_up(tmp_path, caplog):
    caplog.set_level(logging.INFO, "faceclips.video")
    small_video(tmp_path / "live.mp4", count=20)
    port = free_port()
    source = open_source(f"http://127.0.0.1:{port}/live.mp4", reconnect_max_s=1.0)
    server = None

    def serve_later() -> None:
        nonlocal server
        time.sleep(1.5)
        server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
        server.serve_forever()

    threading.Thread(target=serve_later, daemon=True).start()
    received = []
    try:
        for frame in source:
            received.append(frame)
            if len(received) == 30:  # the file ended once and the stream was reopened
                source.stop()
    finally:
        if server is not None:
            server.shutdown()
    assert len(received) == 30 and source.live
    assert "reconnecting to http://127.0.0.1" in caplog.text
    assert all(b.timestamp >= a.timestamp for a, b in zip(received, received[1:], strict=False))


def test_sources_are_plugins_chosen_by_scheme():
    import faceclips
    from faceclips import VideoSourceSpec, hookimpl

    def open_synthetic(url, fps=None, reconnect=True, reconnect_max_s=30.0):
        frames = (TimedFrame(np.zeros((8, 8, 3), np.uint8), i / 5) for i in range(3))
        return faceclips.video.VideoSource(url, frames, fps or 5.0, live=True)

    class Synthetic:
        @hookimpl
        def faceclips_video_sources(self):
            yield VideoSourceSpec(name="synthetic", schemes=("synthetic",), factory=open_synthetic)

    pm = faceclips.get_plugin_manager()
    pm.register(Synthetic())
    source = open_source("synthetic://lobby")
    assert (source.name, source.fps, len(list(source))) == ("synthetic://lobby", 5.0, 3)
    with pytest.raises(faceclips.UnknownComponentError, match="video source scheme 'gopher'; choose one of: .*rtsp://.*synthetic://"):
        open_source("gopher://x")

    class Clash:
        @hookimpl
        def faceclips_video_sources(self):
            yield VideoSourceSpec(name="my-rtsp", schemes=("rtsp",), factory=open_synthetic)

    pm.register(Clash())
    with pytest.raises(faceclips.PluginConflictError, match="'rtsp' is claimed by both"):
        open_source("rtsp://cam/stream")
