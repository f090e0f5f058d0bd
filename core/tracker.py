"""FaceTracker: the live face-tracking pipeline, clip annotation and enrolment from clips.

Composed from registered components, configured by :class:`~faceclips.settings.Settings`:

    video source → detect (inference engine) → track (tracker plugin) → filter (filter plugins)
    → embed → recognise (identity database) → alert (policy) → record (alert clips)
    → save through FaceClipManager (background, retried, lossless) → notify (notifier plugins)

``run`` processes a source until it ends, ``max_frames``, :meth:`stop` or Ctrl-C, and always
finishes and uploads the clips it started before returning.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

from .alerts import AlertEvent, AlertMode, AlertPolicy, Notifications, build_notifiers
from .errors import ConfigError, FaceclipsError
from .faces import FaceSummary, TrackedFace
from .identities import Identity, IdentityDB
from .pipeline import FrameResult, Pipeline, TrackState
from .recording import TimedFrame, encode_h264, even_size
from .video import VideoSource, open_source

__all__ = ["FaceTracker", "TrackingStats", "ClipAnalysis"]

log = logging.getLogger("faceclips.tracker")
SUMMARY_SAMPLES = 200
"""Embeddings kept per track when analysing a clip (evenly from its first frames)."""


@dataclass
class TrackingStats:
    """Live counts of a :meth:`FaceTracker.run`."""

    frames: int = 0
    faces: int = 0
    tracks: int = 0
    alerts: int = 0
    clips: int = 0
    clips_saved: int = 0
    seconds: float = 0.0
    events: deque[AlertEvent] = field(default_factory=lambda: deque(maxlen=1000))
    """The last 1,000 alerts raised, as first reported (before their clip was saved)."""

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0


@dataclass
class ClipAnalysis:
    """What :meth:`FaceTracker.analyse_file` found in a video."""

    summaries: dict[int, FaceSummary]
    frames: list[tuple[float, list[TrackedFace]]]
    fps: float
    width: int
    height: int


class FaceTracker:
    """Track, recognise and record faces; annotate stored clips; enrol faces found in them.

    Components are opened when first needed: the engine (``settings.inference``), the
    identity database (``settings.recognizer``) and the clip manager (``settings.storage``).
    Pass ready ones to share them.
    """

    def __init__(
        self,
        settings: Optional[Any] = None,
        *,
        manager: Optional[Any] = None,
        engine: Optional[Any] = None,
        db: Optional[IdentityDB] = None,
        plugin_manager: Optional[Any] = None,
    ) -> None:
        from .pluginmanager import get_plugin_manager
        from .settings import Settings

        self.settings = settings or Settings()
        self.plugins = plugin_manager or get_plugin_manager()
        self._manager, self._engine, self._db = manager, engine, db
        self._read_only_db = False
        self._source: Optional[VideoSource] = None
        self._stopping = threading.Event()
        self._filters = self._build_filters()  # configuration errors before any I/O
        self.plugins.get_tracker(self.settings.tracker.tracker)
        for table in self.settings.alerts.notifiers:
            self.plugins.get_notifier(table["notifier"])

    # -- components -------------------------------------------------------------

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from .inference import open_engine

            self._engine = open_engine(self.settings.inference, self.plugins)
        return self._engine

    @property
    def db(self) -> IdentityDB:
        """The identity database, opened for writing (enrolment) when this tracker opens it."""
        if self._db is not None and self._read_only_db:
            self._db.close()
            self._db = None
        if self._db is None:
            from .recognizer import open_identity_db

            self._db = open_identity_db(self.engine, self.settings.recognizer)
            self._read_only_db = False
        return self._db

    def _matching_db(self) -> IdentityDB:
        """The database for matching only: opened read-only when this tracker opens it, so
        several trackers (one per camera) can share one database file."""
        if self._db is None:
            from .recognizer import open_identity_db

            self._db = open_identity_db(self.engine, self.settings.recognizer, read_only=True)
            self._read_only_db = self._db.read_only
        return self._db

    @property
    def manager(self) -> Any:
        if self._manager is None:
            from .clipmanager import FaceClipManager

            self._manager = FaceClipManager(self.settings.storage, create_bucket=True)
        return self._manager

    def _build_filters(self) -> list[tuple[str, Any]]:
        built = []
        for table in self.settings.tracker.filters:
            settings = dict(table)
            name = settings.pop("filter")
            factory = self.plugins.get_face_filter(name).load_factory()
            try:
                built.append((name, factory(**settings)))
            except TypeError as exc:
                raise ConfigError(f"face filter {name}: {exc}") from None
        return built

    def _pipeline(self, fps: float, *, every_frame: bool = False, keep_samples: int = 0) -> Pipeline:
        config = self.settings.tracker
        tracker = self.plugins.get_tracker(config.tracker).load_factory()(fps=fps, lost_s=config.lost_s)
        return Pipeline(
            self.engine, tracker, self._filters, self._matching_db(),
            credence_count=config.credence_count, reid_interval=config.reid_interval,
            forget_after=max(2, round(config.lost_s * fps)) + 1, every_frame=every_frame, keep_samples=keep_samples,
        )

    # -- live tracking ------------------------------------------------------------

    def run(
        self,
        source: Union[str, int, "os.PathLike[str]", Iterable[Any], None] = None,
        *,
        max_frames: Optional[int] = None,
        on_frame: Optional[Callable[[FrameResult, TrackingStats], None]] = None,
    ) -> TrackingStats:
        """Track faces from ``source`` (default ``settings.tracker.source``), raising alerts,
        recording and uploading their clips and notifying. Returns when the source ends, after
        ``max_frames``, on :meth:`stop` or on an exception — every started clip uploaded first."""
        import time

        config, alerts = self.settings.tracker, self.settings.alerts
        mode = AlertMode.parse(alerts.mode)
        notifiers = build_notifiers(alerts.notifiers, self.plugins) if mode is not AlertMode.NONE else []
        stream = open_source(config.source if source is None else source, fps=config.fps or None)
        pipeline = self._pipeline(stream.fps or 30.0)
        policy = AlertPolicy(mode, alerts.cooldown_s, same_person=self.settings.recognizer.threshold)
        stats = TrackingStats()
        notifications = Notifications(notifiers)
        recorder = uploader = None
        if mode is not AlertMode.NONE and (alerts.pre_s or alerts.post_s):
            from .alertclips import AlertRecorder
            from .recording import ClipUploader

            spool = Path(os.path.expanduser(alerts.spool or "~/.cache/faceclips/spool"))
            uploader = ClipUploader(
                self.manager, spool / _safe(config.camera_id), on_saved=self._on_clip_saved(notifications, stats),
                on_failed=lambda video, context: notifications.send_all(AlertEvent(**event) for event in context.get("events", [])),
            )
            recorder = AlertRecorder(
                uploader, camera_id=config.camera_id, pre_s=alerts.pre_s, post_s=alerts.post_s, wall_time=stream.wall_time,
                embedding_family=self.engine.embedding_family if alerts.sidecar_embeddings else None, spool=spool,
                on_failed=notifications.send_all,
            )
        self._source = stream
        if self._stopping.is_set():
            stream.stop()
        started = time.monotonic()
        try:
            with contextlib.closing(pipeline.run(stream)) as results:
                for result in results:
                    events = self._alerts(result, policy, stream, config.camera_id)
                    stats.frames += 1
                    stats.faces += len(result.faces)
                    stats.alerts += len(events)
                    stats.events.extend(events)
                    if recorder is not None:
                        embeddings = {f.track_id: f.embedding for f in result.faces if f.embedding is not None and f.track_id is not None} if alerts.sidecar_embeddings else None
                        before = recorder.clips_started
                        recorder.push(result.frame, [face.to_sidecar() for face in result.faces], events, embeddings)
                        stats.clips += recorder.clips_started - before
                    else:
                        notifications.send_all(events)
                    stats.tracks = pipeline.tracks_started
                    stats.seconds = time.monotonic() - started
                    if on_frame is not None:
                        on_frame(result, stats)
                    if max_frames is not None and stats.frames >= max_frames:
                        break
        finally:
            stream.stop()
            self._source = None
            self._stopping.clear()
            try:
                if recorder is not None:
                    recorder.close()
                if uploader is not None:
                    uploader.close()
            finally:
                notifications.close()
                stats.seconds = time.monotonic() - started
        return stats

    def stop(self) -> None:
        """Ask a running :meth:`run` to finish (thread- and signal-safe); its clips are still uploaded."""
        self._stopping.set()
        if self._source is not None:
            self._source.stop()

    def _alerts(self, result: FrameResult, policy: AlertPolicy, stream: VideoSource, camera_id: str) -> list[AlertEvent]:
        events = []
        for state in result.confirmed:
            if state.alerted:
                continue
            state.alerted = True
            identity = state.identity
            kind = policy.decide(identity.id if identity else None, state.mean_embedding(), result.timestamp)
            if kind is None:
                continue
            events.append(
                AlertEvent(
                    kind=kind, at=stream.wall_time(result.timestamp).isoformat(), camera_id=camera_id, track_id=state.track_id,
                    name=identity.name if identity else None, identity_id=identity.id if identity else None,
                    similarity=round(float(identity.similarity), 4) if identity else None,
                )
            )
        return events

    def _on_clip_saved(self, notifications: Notifications, stats: TrackingStats) -> Callable[[Any, dict], None]:
        expires = self.settings.alerts.url_expires_s

        def saved(clip: Any, context: dict) -> None:
            stats.clips_saved += 1
            try:
                url: Optional[str] = self.manager.url(clip.key, expires=expires)
            except FaceclipsError as exc:
                log.warning("no share URL for clip %s: %s", clip.key, exc)
                url = None
            for event in context.get("events", []):
                notifications.send(AlertEvent(**{**event, "clip_key": clip.key, "clip_url": url, "url_expires_s": expires if url else None}))

        return saved

    def predict_batch(self, frames: Iterable[Any], *, fps: Optional[float] = None) -> Iterator[FrameResult]:
        """Track and recognise faces in frames (no alerts, no clips); stops cleanly when the
        consumer stops early."""
        stream = open_source(frames, fps=fps)
        pipeline = self._pipeline(fps or 30.0)
        with contextlib.closing(pipeline.run(stream)) as results:
            yield from results

    # -- clips ----------------------------------------------------------------------

    def analyse_file(
        self, path: Union[str, "os.PathLike[str]"], *, output_video_path: Union[str, "os.PathLike[str]", None] = None,
        compute_clusters: bool = True, progress: Optional[Callable[[int, Optional[int]], None]] = None,
    ) -> ClipAnalysis:
        """Detect, track and recognise every frame of a video file; optionally write an
        annotated copy with the same frames and timestamps (so the same frame count and fps).
        ``progress(frames done, total or None)`` is called after each frame."""
        stream = open_source(path)
        pipeline = self._pipeline(stream.fps or 30.0, every_frame=True, keep_samples=SUMMARY_SAMPLES)
        frames: list[tuple[float, list[TrackedFace]]] = []
        width = height = 0
        for result in pipeline.run(stream):
            height, width = result.image.shape[:2]
            frames.append((result.timestamp, result.faces))
            if progress is not None:
                progress(len(frames), stream.frame_count)
        if not frames:
            raise FaceclipsError(f"{os.fspath(path)} has no video frames")
        summaries = {state.track_id: self._summary(state, compute_clusters) for state in pipeline.finished if state.samples}
        for _, faces in frames:  # a track's final identity, from all its embeddings, labels all its frames
            for face in faces:
                summary = summaries.get(face.track_id) if face.track_id is not None else None
                face.identity = summary.identity if summary else None
        duration = frames[-1][0] - frames[0][0]
        fps = (len(frames) - 1) / duration if len(frames) > 1 and duration > 0 else (stream.fps or 30.0)
        if output_video_path is not None:  # a second decoding pass: frames are not kept in memory
            from .annotate import draw_faces

            annotated = (TimedFrame(even_size(draw_faces(frame.image, faces)), frame.timestamp) for frame, (_, faces) in zip(open_source(path), frames, strict=True))
            encode_h264(annotated, output_video_path, rate=stream.fps or fps)  # streamed: long clips are never held in memory
        return ClipAnalysis(summaries, frames, fps, width, height)

    def find_faces_in_file(self, path: Union[str, "os.PathLike[str]"], *, save_annotated: bool = True, output_video_path: Union[str, "os.PathLike[str]", None] = None, compute_clusters: bool = True) -> dict[int, FaceSummary]:
        """Per-track face summaries of a video file (degirum-face's signature)."""
        target = output_video_path if save_annotated else None
        return self.analyse_file(path, output_video_path=target, compute_clusters=compute_clusters).summaries

    def find_faces_in_clip(
        self, clip_name: str, *, save_annotated: bool = True, compute_clusters: bool = True,
        progress: Optional[Callable[[int, Optional[int]], None]] = None,
    ) -> dict[int, FaceSummary]:
        """Analyse a stored clip: upload ``<key>_annotated.mp4`` and the faces found into its
        sidecar (fires ``faceclips_clip_annotated``); returns per-track face summaries."""
        from .annotate import merged_sidecar
        from .clipparts import JSON, ORIGINAL

        key = clip_name[:-4] if clip_name.endswith(".mp4") else clip_name
        if key.endswith("_annotated"):
            raise ConfigError(f"{clip_name!r} is an annotated video; annotate the original clip {key[:-len('_annotated')]!r}")
        clip = self.manager.get_clip(key)
        if ORIGINAL not in clip:
            raise FaceclipsError(f"clip {key!r} has no original video to annotate")
        with tempfile.TemporaryDirectory(prefix="faceclips-annotate-") as folder:
            original = Path(folder) / "original.mp4"
            self.manager.download_to(clip.key, original)
            output = Path(folder) / "annotated.mp4" if save_annotated else None
            analysis = self.analyse_file(original, output_video_path=output, compute_clusters=compute_clusters, progress=progress)
            if output is not None:
                existing = None
                if JSON in clip:
                    try:
                        existing = json.loads(self.manager.download_file(clip.key + ".json"))
                    except ValueError:
                        log.warning("clip %s has a sidecar that is not JSON; it is kept under 'previous'", clip.key)
                document = merged_sidecar(existing, analysis, key=clip.key, family=self.engine.embedding_family)
                self.manager.save_annotated(clip.key, output, sidecar=document)
        return analysis.summaries

    def enroll(self, faces: Union[FaceSummary, Sequence[FaceSummary]]) -> list[Identity]:
        """Enrol named face summaries (``summary.name = "Alice"``); unnamed ones are skipped."""
        faces = [faces] if isinstance(faces, FaceSummary) else list(faces)
        enrolled = []
        for face in faces:
            name = face.name or (face.identity.name if face.identity else None)
            if not name:
                log.warning("track %s has no name; set .name to enrol it", face.track_id)
                continue
            enrolled.append(self.db.add(name, face.embeddings, crops=face.crops, attributes=dict(face.attributes) or None))
        return enrolled

    def _summary(self, state: TrackState, compute_clusters: bool) -> FaceSummary:
        from .annotate import representatives

        vectors = [vector for vector, _ in state.samples]
        crops = [crop for _, crop in state.samples]
        chosen = representatives(vectors) if compute_clusters else list(range(len(vectors)))
        mean = state.mean_embedding()
        identity = self._matching_db().match(mean) if mean is not None else None
        return FaceSummary(
            track_id=state.track_id, first_frame=state.first_frame, last_frame=state.last_frame, frames=state.frames,
            best_score=state.best_score, best_crop=state.best_crop, embeddings=[vectors[i] for i in chosen],
            crops=[crops[i] for i in chosen], identity=identity,
        )

    def close(self) -> None:
        """Close what this tracker opened."""
        if self._db is not None:
            self._db.close()
        if self._engine is not None:
            self._engine.close()

    def __enter__(self) -> "FaceTracker":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _safe(camera_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in camera_id) or "camera"
