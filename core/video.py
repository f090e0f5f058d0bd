"""Video sources for the tracker: a file, an RTSP/HTTP stream, a camera index, or frames.

Every source yields :class:`~faceclips.recording.TimedFrame` (RGB, timestamp in seconds since
the source started). Sources are plugins chosen by URL scheme (``faceclips_video_sources``;
the built-in ones are in ``faceclips.plugins.sources``); an iterable of frames is read here.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator, Optional, Union

from .errors import ConfigError, FaceclipsError
from .recording import TimedFrame

__all__ = ["VideoSource", "open_source", "SourceError"]

log = logging.getLogger("faceclips.video")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


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

    def wait_stop(self, seconds: float) -> bool:
        """Sleep up to ``seconds`` unless stopped meanwhile; True when stopped (for reconnect loops)."""
        return self._stop.wait(seconds)


def open_source(
    source: Union[str, int, "os.PathLike[str]", Iterable[Any]],
    *,
    fps: Optional[float] = None,
    reconnect: bool = True,
    reconnect_max_s: float = 30.0,
    plugin_manager: Optional[Any] = None,
) -> VideoSource:
    """A :class:`VideoSource` for ``source``; ``fps`` overrides the rate (for iterators: the
    rate their frames were captured at; without it their arrival time is used).

    A URL goes to the video-source plugin registered for its scheme, a camera index to
    ``camera``, a plain path to ``file``; an iterable of frames is read directly.
    """
    if fps is not None and fps <= 0:
        raise ConfigError("the video source fps override must be positive")
    if isinstance(source, (str, int, os.PathLike)) and not isinstance(source, bool):
        if isinstance(source, int) or (isinstance(source, str) and source.isdigit()):
            scheme, url = "camera", f"camera://{int(source)}"
        else:
            url = os.fspath(source)
            match = _SCHEME.match(url)
            scheme = match.group(1).lower() if match else "file"
        from .pluginmanager import get_plugin_manager

        spec = (plugin_manager or get_plugin_manager()).video_source_for_scheme(scheme)
        return spec.load_factory()(url, fps=fps, reconnect=reconnect, reconnect_max_s=reconnect_max_s)
    if isinstance(source, Iterable):
        return VideoSource("frames", _iterated(source, fps), fps, live=False)
    raise ConfigError(f"a video source is a file, a stream URL, a camera index or an iterable of frames, not {type(source).__name__}")


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
