"""ByteTrack through degirum-tools' ``ObjectTracker``.

degirum-tools is DeGirum's companion package; its ``ObjectTracker`` is a maintained ByteTrack
(Kalman-predicted boxes, a high-score then a low-score IoU matching pass, lost tracks kept for
``track_buffer`` frames). Reusing it keeps faceclips' tracks identical to what DeGirum users
know. Only the track ids are taken from it; the detector's own boxes are kept (the tracker
replaces boxes with Kalman estimates, which would shift crops away from the landmarks).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from faceclips.errors import ConfigError
from faceclips.faces import FaceDetection

__all__ = ["ByteTrack"]


class _Frame:
    """The part of a DeGirum inference result the tracker reads and writes (``results``, ``trails``)."""

    def __init__(self, results: list[dict[str, Any]]) -> None:
        self.results = results


class ByteTrack:
    """Stable track ids through occlusions of up to ``lost_s`` seconds."""

    def __init__(self, fps: float, *, lost_s: float = 2.0, track_thresh: float = 0.35, match_thresh: float = 0.8) -> None:
        if fps <= 0 or lost_s < 0:
            raise ConfigError("tracker: fps must be positive and lost_s not negative")
        if not 0 < track_thresh < 1 or not 0 < match_thresh <= 1:
            raise ConfigError("tracker: track_thresh must be in (0, 1) and match_thresh in (0, 1]")
        from degirum_tools import ObjectTracker

        self._settings = dict(
            track_thresh=track_thresh,
            track_buffer=max(1, round(lost_s * fps)),
            match_thresh=match_thresh,
            trail_depth=0,
            show_overlay=False,
        )
        self._factory = ObjectTracker
        self._tracker = ObjectTracker(**self._settings)

    def update(self, faces: Sequence[FaceDetection]) -> list[Optional[int]]:
        frame = _Frame([{"bbox": list(face.bbox), "score": float(face.score), "label": "face", "category_id": 0} for face in faces])
        self._tracker.analyze(frame)
        return [result.get("track_id") for result in frame.results]

    def reset(self) -> None:
        self._tracker = self._factory(**self._settings)
