"""Records of faces as they flow through the pipeline: detected, tracked, recognised, summarised."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple, Optional

__all__ = ["FaceDetection", "TrackedFace", "FaceSummary"]


class FaceDetection(NamedTuple):
    """One face: box ``(x1, y1, x2, y2)`` in frame pixels, score in [0, 1], keypoints ``((x, y), …)``.

    Keypoints start with the right eye, left eye, nose tip and mouth (as seen in the image:
    the person's right eye is on the left); detectors may add more.
    """

    bbox: tuple[float, float, float, float]
    score: float
    landmarks: tuple[tuple[float, float], ...]

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]

    @property
    def width(self) -> float:
        return self.bbox[2] - self.bbox[0]


@dataclass
class TrackedFace:
    """A face in one frame after tracking, filtering and recognition."""

    detection: FaceDetection
    track_id: Optional[int] = None
    filtered_by: Optional[str] = None
    """Name of the filter that excluded the face from recognition, if any."""
    identity: Optional[Any] = None
    """The :class:`~faceclips.identities.Match` of this face's track, None while unknown."""
    embedding: Optional[Any] = None
    """The embedding computed on this frame, if the track was re-identified on it."""

    def to_sidecar(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "track_id": self.track_id,
            "bbox": [round(float(v), 1) for v in self.detection.bbox],
            "score": round(float(self.detection.score), 4),
            "landmarks": [[round(float(x), 1), round(float(y), 1)] for x, y in self.detection.landmarks],
        }
        if self.identity is not None:
            record["identity"] = self.identity.to_dict()
        return record


@dataclass
class FaceSummary:
    """One track of a clip: who it was, when, its best crop and a few representative embeddings.

    Name it (``summary.name = "Alice"``) and pass it to :meth:`FaceTracker.enroll` to enrol it.
    """

    track_id: int
    first_frame: int
    last_frame: int
    frames: int
    best_score: float
    best_crop: Any
    """RGB face crop (the embedder's input) of the frame with the best detection."""
    embeddings: list[Any]
    """Representatives: k-means centres' nearest embeddings (a few per track)."""
    crops: list[Any]
    """The crops the representatives were computed from, 1:1."""
    identity: Optional[Any] = None
    """The :class:`~faceclips.identities.Match` the track was recognised as, None if unknown."""
    name: Optional[str] = None
    """Set this to enrol the face under a name; defaults to the recognised identity's name."""
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def to_sidecar(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "track_id": self.track_id,
            "first_frame": self.first_frame,
            "last_frame": self.last_frame,
            "best_score": round(float(self.best_score), 4),
        }
        if self.identity is not None:
            record["identity"] = self.identity.to_dict()
        return record
