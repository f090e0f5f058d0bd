"""The built-in video sources. Files use their presentation times, so a clip cut from them keeps
the real capture rate; live sources use the arrival time. Decoding uses PyAV (FFmpeg); camera
indexes use OpenCV's capture, which knows the platform's camera APIs."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import unquote, urlsplit

from faceclips.config import redact_url
from faceclips.recording import TimedFrame, _require_av
from faceclips.video import SourceError, VideoSource

__all__ = ["open_file", "open_stream", "open_camera"]

log = logging.getLogger("faceclips.video")


def open_file(url: str, fps: Optional[float] = None, reconnect: bool = True, reconnect_max_s: float = 30.0) -> VideoSource:
    """A video file: a plain path or a ``file://`` URL."""
    text = unquote(urlsplit(url).path) if url.lower().startswith("file://") else url
    path = Path(text).expanduser()
    if not path.is_file():
        raise SourceError(f"video file {text!r} does not exist")
    av = _require_av()
    try:
        container = av.open(str(path))
        stream = container.streams.video[0]
    except (av.error.FFmpegError, IndexError) as exc:
        raise SourceError(f"cannot read video {path.name}: {exc}") from None
    rate = float(stream.average_rate) if stream.average_rate else None

    def frames() -> Iterator[TimedFrame]:
        first: Optional[float] = None
        try:
            for number, frame in enumerate(container.decode(stream)):
                when = frame.time if frame.time is not None else number / (rate or 30.0)
                first = when if first is None else first
                yield TimedFrame(frame.to_ndarray(format="rgb24"), when - first)
        finally:
            container.close()

    return VideoSource(path.name, frames(), fps or rate, live=False, frame_count=stream.frames or None)


def open_stream(url: str, fps: Optional[float] = None, reconnect: bool = True, reconnect_max_s: float = 30.0) -> VideoSource:
    """A network stream, reopened with backoff (0.5 s doubling up to ``reconnect_max_s``) when it
    fails or ends, until the source is stopped."""
    holder: dict[str, Any] = {}
    source = VideoSource(redact_url(url), _stream(url, holder, reconnect, reconnect_max_s), fps, live=True)
    holder["source"] = source
    return source


def _stream(url: str, holder: dict[str, Any], reconnect: bool, max_delay: float) -> Iterator[TimedFrame]:
    av = _require_av()
    start = time.monotonic()
    delay = 0.5
    shown = redact_url(url)
    while True:
        try:
            options = {"rtsp_transport": "tcp"} if url.lower().startswith(("rtsp://", "rtsps://")) else {}
            with av.open(url, options=options, timeout=(10.0, 10.0)) as container:
                stream = container.streams.video[0]
                for frame in container.decode(stream):
                    delay = 0.5
                    yield TimedFrame(frame.to_ndarray(format="rgb24"), time.monotonic() - start)
            log.warning("stream %s ended", shown)
        except (av.error.FFmpegError, OSError, IndexError) as exc:
            log.warning("stream %s failed: %s", shown, exc)
        source = holder.get("source")
        if not reconnect or (source is not None and source.stopped):
            return
        log.info("reconnecting to %s in %.1f s", shown, delay)
        if source is not None and source.wait_stop(delay):
            return
        delay = min(delay * 2, max_delay)


def open_camera(url: str, fps: Optional[float] = None, reconnect: bool = True, reconnect_max_s: float = 30.0) -> VideoSource:
    """A local camera: ``camera://<index>``."""
    index_text = url.split("://", 1)[1]
    if not index_text.isdigit():
        raise SourceError(f"a camera source is camera://<index>, not {url!r}")
    return VideoSource(f"camera {int(index_text)}", _camera(int(index_text)), fps, live=True)


def _camera(index: int) -> Iterator[TimedFrame]:
    import cv2

    capture = cv2.VideoCapture(index)
    if not capture.isOpened():
        raise SourceError(f"camera {index} cannot be opened")
    start = time.monotonic()
    try:
        while True:
            ok, image = capture.read()
            if not ok:
                raise SourceError(f"camera {index} stopped delivering frames")
            yield TimedFrame(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), time.monotonic() - start)
    finally:
        capture.release()
