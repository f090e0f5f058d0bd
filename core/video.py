"""Video sources for the tracker: a file, an RTSP/HTTP stream, a camera index, or frames.

Every source yields :class:`~faceclips.recording.TimedFrame` (RGB, timestamp in seconds since
the source started). Files use their presentation times, so a clip cut from them keeps the
real capture rate; live sources use the arrival time. Streams that drop are reopened with
backoff (``reconnect``) until :meth:`VideoSource.stop`. Decoding uses PyAV (FFmpeg); camera
indexes use OpenCV's capture, which knows the platform's camera APIs.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Union

from .errors import ConfigError, FaceclipsError
from .recording import TimedFrame, _require_av

__all__ = ["VideoSource", "open_source", "SourceError"]

log = logging.getLogger("faceclips.video")
LIVE_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "srt://")


class SourceError(FaceclipsError):
    """A video source cannot be opened or read."""


class VideoSource:
    """An iterable of timed RGB frames with the source's nominal properties."""

    def __init__(self, name: str, frames: Iterator[TimedFrame], fps: Optional[float], live: bool, frame_count: Optional[int] = None) -> None:
        self.name = name
        self.frame_count = frame_count
        """Frames in a file, when its container says; None for live sources."""
        self.fps = fps
        """Nominal frame rate (the container's or the override); None when unknown."""
        self.live = live
        self.started_at = datetime.now(timezone.utc)
        self._frames = frames
        self._stop = threading.Event()

    def __iter__(self) -> Iterator[TimedFrame]:
        for frame in self._frames:
            if self._stop.is_set():
                break
            yield frame

    def wall_time(self, timestamp: float) -> datetime:
        """The UTC time a frame was captured (files: relative to when the source was opened)."""
        return self.started_at + timedelta(seconds=timestamp)

    def stop(self) -> None:
        """Make iteration end after the current frame (thread-safe)."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()


def open_source(
    source: Union[str, int, "os.PathLike[str]", Iterable[Any]],
    *,
    fps: Optional[float] = None,
    reconnect: bool = True,
    reconnect_max_s: float = 30.0,
) -> VideoSource:
    """A :class:`VideoSource` for ``source``; ``fps`` overrides the rate (for iterators: the
    rate their frames were captured at; without it their arrival time is used)."""
    if fps is not None and fps <= 0:
        raise ConfigError("the video source fps override must be positive")
    if isinstance(source, int) or (isinstance(source, str) and source.isdigit()):
        return VideoSource(f"camera {int(source)}", _camera(int(source)), fps, live=True)
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if text.lower().startswith(LIVE_SCHEMES):
            holder: dict[str, Any] = {}
            stream = VideoSource(_redact(text), _stream(text, holder, reconnect, reconnect_max_s), fps, live=True)
            holder["source"] = stream
            return stream
        path = Path(text).expanduser()
        if not path.is_file():
            raise SourceError(f"video file {text!r} does not exist")
        frames, rate, count = _file(path)
        return VideoSource(path.name, frames, fps or rate, live=False, frame_count=count)
    if isinstance(source, Iterable):
        return VideoSource("frames", _iterated(source, fps), fps, live=False)
    raise ConfigError(f"a video source is a file, a stream URL, a camera index or an iterable of frames, not {type(source).__name__}")


def _redact(url: str) -> str:
    from .config import redact_url

    return redact_url(url)


def _file(path: Path) -> tuple[Iterator[TimedFrame], Optional[float], Optional[int]]:
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

    return frames(), rate, (stream.frames or None)


def _stream(url: str, holder: dict[str, Any], reconnect: bool, max_delay: float) -> Iterator[TimedFrame]:
    av = _require_av()
    start = time.monotonic()
    delay = 0.5
    while True:
        try:
            options = {"rtsp_transport": "tcp"} if url.lower().startswith(("rtsp://", "rtsps://")) else {}
            with av.open(url, options=options, timeout=(10.0, 10.0)) as container:
                stream = container.streams.video[0]
                for frame in container.decode(stream):
                    delay = 0.5
                    yield TimedFrame(frame.to_ndarray(format="rgb24"), time.monotonic() - start)
            log.warning("stream %s ended", _redact(url))
        except (av.error.FFmpegError, OSError, IndexError) as exc:
            log.warning("stream %s failed: %s", _redact(url), exc)
        source = holder.get("source")
        if not reconnect or (source is not None and source.stopped):
            return
        log.info("reconnecting to %s in %.1f s", _redact(url), delay)
        if source is not None and source._stop.wait(delay):
            return
        delay = min(delay * 2, max_delay)


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


def _iterated(items: Iterable[Any], fps: Optional[float]) -> Iterator[TimedFrame]:
    import numpy as np

    start = time.monotonic()
    for number, item in enumerate(items):
        if isinstance(item, TimedFrame):
            yield item
            continue
        if isinstance(item, tuple) and len(item) == 2:
            image, when = item
        else:
            image, when = item, (number / fps if fps else time.monotonic() - start)
        array = np.asarray(image)
        if array.ndim != 3 or array.shape[2] < 3 or array.dtype != np.uint8:
            raise SourceError(f"frame {number} is not an H x W x 3 uint8 RGB image (shape {array.shape}, {array.dtype})")
        yield TimedFrame(array[:, :, :3], float(when))
