"""Built-in plugin: the ``bytetrack`` tracker (degirum-tools' ByteTrack, behind the degirum extra)."""

from __future__ import annotations

from typing import Iterator

from faceclips import TrackerSpec, hookimpl


@hookimpl
def faceclips_trackers() -> Iterator[TrackerSpec]:
    yield TrackerSpec(
        name="bytetrack",
        factory="faceclips.plugins.tracking.bytetrack:ByteTrack",
        description="ByteTrack (Kalman filter + two-stage IoU matching) from degirum-tools",
        requires=("degirum_tools",),
        install_hint="pip install 'faceclips[degirum]'",
    )
