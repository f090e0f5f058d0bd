"""Built-in plugin: video sources ``file`` (paths), ``stream`` (RTSP, HTTP, …) and ``camera``."""

from __future__ import annotations

from typing import Iterator

from faceclips import VideoSourceSpec, hookimpl

_AV_HINT = "pip install 'faceclips[record]'"


@hookimpl
def faceclips_video_sources() -> Iterator[VideoSourceSpec]:
    yield VideoSourceSpec(
        name="file", schemes=("file",), factory="faceclips.plugins.sources.builtin:open_file",
        description="a video file, read with its own timestamps (PyAV)", requires=("av",), install_hint=_AV_HINT,
    )
    yield VideoSourceSpec(
        name="stream", schemes=("rtsp", "rtsps", "rtmp", "http", "https", "udp", "srt"),
        factory="faceclips.plugins.sources.builtin:open_stream",
        description="a network stream, reopened with backoff when it drops (PyAV)", requires=("av",), install_hint=_AV_HINT,
    )
    yield VideoSourceSpec(
        name="camera", schemes=("camera",), factory="faceclips.plugins.sources.builtin:open_camera",
        description="a local camera by index (OpenCV capture)", requires=("cv2",), install_hint="pip install 'faceclips[degirum]'",
    )
