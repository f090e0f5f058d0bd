"""The analysis stages shared by live tracking and clip annotation, data flowing one way:

frames → detect (engine) → track (tracker plugin) → filter (filter plugins) → embed the faces
whose track is due for re-identification → match (identity database) → per-track state.

Re-identification follows a back-off: a new track is recognised on every frame until
``credence_count`` consecutive results agree, then after 2, 4, … up to ``reid_interval``
frames; a change of identity resets the back-off. Track states of faces gone for longer than
the tracker keeps them are dropped, so memory stays flat on endless streams.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generator, Optional, Sequence

from .faces import FaceDetection, TrackedFace
from .recording import TimedFrame

__all__ = ["FrameResult", "TrackState", "Pipeline"]


@dataclass
class FrameResult:
    """One analysed frame."""

    index: int
    frame: TimedFrame
    faces: list[TrackedFace]
    confirmed: list["TrackState"] = field(default_factory=list)
    """Tracks whose identity became trusted on this frame."""

    @property
    def image(self) -> Any:
        return self.frame.image

    @property
    def timestamp(self) -> float:
        return self.frame.timestamp


@dataclass
class TrackState:
    """What the pipeline knows about one track."""

    track_id: int
    first_frame: int
    last_frame: int
    candidate: Optional[str] = None
    """Identity id the latest recognitions agree on (None: unknown)."""
    streak: int = 0
    confirmed: bool = False
    identity: Optional[Any] = None
    """The trusted :class:`~faceclips.identities.Match` (None: unknown or not yet trusted)."""
    alerted: bool = False
    next_reid: int = 0
    gap: int = 1
    frames: int = 0
    best_score: float = 0.0
    best_crop: Any = None
    mean: Any = None
    """Running sum of this track's embeddings (its direction is the mean embedding)."""
    samples: list[tuple[Any, Any]] = field(default_factory=list)
    """(embedding, crop) pairs kept for face summaries, when the pipeline keeps them."""

    def mean_embedding(self) -> Any:
        if self.mean is None:
            return None
        import numpy as np

        norm = float(np.linalg.norm(self.mean))
        return self.mean / norm if norm else None


class Pipeline:
    """Detect, track, filter and recognise faces in a stream of :class:`TimedFrame`."""

    def __init__(
        self,
        engine: Any,
        tracker: Any,
        filters: Sequence[tuple[str, Any]],
        db: Optional[Any],
        *,
        credence_count: int,
        reid_interval: int,
        forget_after: int,
        every_frame: bool = False,
        keep_samples: int = 0,
    ) -> None:
        self.engine, self.tracker, self.filters, self.db = engine, tracker, list(filters), db
        self.credence_count, self.reid_interval, self.forget_after = credence_count, reid_interval, forget_after
        self.every_frame, self.keep_samples = every_frame, keep_samples
        self.tracks: dict[int, TrackState] = {}
        self.tracks_started = 0
        self.finished: list[TrackState] = []
        """States of tracks that ended (only kept when ``keep_samples``: clip analysis)."""

    def run(self, frames: Any) -> Generator[FrameResult, None, None]:
        """Analyse frames (any iterable of :class:`TimedFrame`) as they come."""
        index = -1
        for index, (frame, detections) in enumerate(self.engine.detect_stream(frames, image=lambda item: item.image)):
            yield self._step(index, frame, detections)
        self.finished.extend(self.tracks.values())
        self.tracks = {}

    def _step(self, index: int, frame: TimedFrame, detections: list[FaceDetection]) -> FrameResult:
        image = frame.image
        height, width = image.shape[:2]
        track_ids = self.tracker.update(detections)
        faces = [TrackedFace(detection, track_id) for detection, track_id in zip(detections, track_ids, strict=True)]
        due: list[tuple[TrackedFace, TrackState]] = []
        for face in faces:
            if face.track_id is None:
                face.filtered_by = "untracked"
                continue
            state = self.tracks.get(face.track_id)
            if state is None:
                state = self.tracks[face.track_id] = TrackState(face.track_id, index, index, next_reid=index)
                self.tracks_started += 1
            state.last_frame = index
            state.frames += 1
            for name, face_filter in self.filters:
                if not face_filter.keep(face.detection, width, height):
                    face.filtered_by = name
                    break
            if face.filtered_by is None and (self.every_frame or index >= state.next_reid):
                due.append((face, state))
        confirmed: list[TrackState] = []
        if due:
            crops = [self.engine.crop(image, face.detection) for face, _ in due]
            vectors = self.engine.embed(crops)
            for (face, state), crop, vector in zip(due, crops, vectors, strict=True):
                face.embedding = vector
                match = self.db.match(vector) if self.db is not None else None
                if self._observe(state, index, face.detection.score, crop, vector, match):
                    confirmed.append(state)
        for face in faces:
            if face.track_id is not None:
                face.identity = self.tracks[face.track_id].identity
        self._forget(index)
        return FrameResult(index, frame, faces, confirmed)

    def _observe(self, state: TrackState, index: int, score: float, crop: Any, vector: Any, match: Optional[Any]) -> bool:
        """Record one recognition; True when it makes the track's identity newly trusted."""
        key = match.id if match is not None else None
        if key == state.candidate and state.streak:
            state.streak += 1
            state.gap = min(state.gap * 2, self.reid_interval) if state.confirmed else 1
        else:
            if state.confirmed:  # the person changed (or the tracker swapped faces): start over
                state.confirmed, state.alerted, state.identity = False, False, None
            state.candidate, state.streak, state.gap = key, 1, 1
        state.next_reid = index + state.gap
        state.mean = vector.copy() if state.mean is None else state.mean + vector
        if score >= state.best_score:
            state.best_score, state.best_crop = score, crop
        if self.keep_samples and len(state.samples) < self.keep_samples:
            state.samples.append((vector, crop))
        newly = False
        if not state.confirmed and state.streak >= self.credence_count:
            state.confirmed, newly = True, True
        if state.confirmed:
            state.identity = match
        return newly

    def _forget(self, index: int) -> None:
        for track_id in [t for t, state in self.tracks.items() if index - state.last_frame > self.forget_after]:
            state = self.tracks.pop(track_id)
            if self.keep_samples:
                self.finished.append(state)
