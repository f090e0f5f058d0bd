"""Built-in plugin: face filters ``min_size``, ``zone`` and ``frontal``."""

from __future__ import annotations

from typing import Iterator

from faceclips import FaceFilterSpec, hookimpl


@hookimpl
def faceclips_face_filters() -> Iterator[FaceFilterSpec]:
    yield FaceFilterSpec(name="min_size", factory="faceclips.plugins.filters.filters:MinSize", description="faces at least `pixels` tall and wide")
    yield FaceFilterSpec(name="zone", factory="faceclips.plugins.filters.filters:Zone", description="faces whose centre is inside a polygon")
    yield FaceFilterSpec(name="frontal", factory="faceclips.plugins.filters.filters:Frontal", description="faces looking at the camera")
