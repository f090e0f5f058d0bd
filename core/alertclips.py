"""Alert clips: the frames around an alert, encoded off the pipeline thread and uploaded losslessly.

The recorder keeps the last ``pre_s`` seconds of frames (with the faces found in them) in a
ring. An alert opens a recording holding that ring; frames are added until ``post_s`` seconds
after the alert, so a clip covers ``[alert - pre_s, alert + post_s)`` at the capture rate.
Alerts raised while a recording is open join that clip (one clip, several events). A finished
recording is encoded (H.264, capture timestamps) by a worker thread and handed to the
:class:`~faceclips.recording.ClipUploader`, which stores it with ``save_clip`` and retries;
``close`` cuts an open recording short, encodes and uploads everything before returning.
"""

from __future__ import annotations

import logging
import queue
import tempfile
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Optional

from .alerts import AlertEvent
from .recording import ClipUploader, TimedFrame, encode_h264, even_size
from .sidecar import new_sidecar

__all__ = ["AlertRecorder", "Recording"]

log = logging.getLogger("faceclips.alertclips")


@dataclass
class Recording:
    """An open alert clip."""

    trigger_at: float
    started_at: datetime
    frames: list[TimedFrame]
    faces: list[list[dict[str, Any]]]
    events: list[AlertEvent] = field(default_factory=list)
    trigger_index: int = 0
    embeddings: dict[int, list[list[float]]] = field(default_factory=dict)


class AlertRecorder:
    """Turn alerts into clips (see the module docstring)."""

    def __init__(
        self,
        uploader: ClipUploader,
        *,
        camera_id: str,
        pre_s: float,
        post_s: float,
        wall_time: Callable[[float], datetime],
        embedding_family: Optional[str] = None,
        spool: Optional[Path] = None,
        on_failed: Optional[Callable[[list[AlertEvent]], None]] = None,
    ) -> None:
        self.uploader, self.camera_id = uploader, camera_id
        self.pre_s, self.post_s, self.wall_time = pre_s, post_s, wall_time
        self.embedding_family = embedding_family
        self.on_failed = on_failed
        """Called with a clip's alerts when the clip cannot be encoded, so they are still reported."""
        self._ring: deque[tuple[TimedFrame, list[dict[str, Any]]]] = deque()
        """The last ``pre_s`` seconds of frames with their faces."""
        self._open: Optional[Recording] = None
        self._work: "queue.Queue[Optional[Recording]]" = queue.Queue(maxsize=4)
        self._scratch = Path(tempfile.mkdtemp(prefix="faceclips-encode-", dir=spool))
        self._worker = threading.Thread(target=self._encode_loop, name="faceclips-encoder", daemon=True)
        self._worker.start()
        self.clips_started = 0

    def push(self, frame: TimedFrame, faces: list[dict[str, Any]], events: list[AlertEvent], embeddings: Optional[dict[int, Any]] = None) -> None:
        """Add one analysed frame and the alerts it raised."""
        self._ring.append((frame, faces))
        while self._ring[0][0].timestamp < frame.timestamp - self.pre_s:
            self._ring.popleft()
        current = self._open
        if current is not None and frame.timestamp >= current.trigger_at + self.post_s - 1e-6:
            self._close_recording()  # this frame is past the clip's end
            current = None
        if current is not None:
            current.frames.append(frame)
            current.faces.append(faces)
        elif events:
            frames = [entry[0] for entry in self._ring]  # the last pre_s seconds, this frame included
            faces_before = [entry[1] for entry in self._ring]
            current = self._open = Recording(frame.timestamp, self.wall_time(frames[0].timestamp), frames, faces_before, trigger_index=len(frames) - 1)
            self.clips_started += 1
        if current is not None:
            current.events.extend(events)
            for track_id, vector in (embeddings or {}).items():
                current.embeddings.setdefault(track_id, []).append([round(float(v), 6) for v in vector])
            if self.post_s == 0:
                self._close_recording()

    def _close_recording(self) -> None:
        recording, self._open = self._open, None
        if recording is not None:
            self._work.put(recording)  # blocks when four clips wait for the encoder: back-pressure, not loss

    def _encode_loop(self) -> None:
        while True:
            recording = self._work.get()
            if recording is None:
                return
            try:
                self._encode(recording)
            except Exception:  # logged with the clip's trigger; the alerts still go out, without a clip
                log.exception("alert clip of %s could not be encoded", recording.started_at.isoformat())
                if self.on_failed is not None:
                    self.on_failed(recording.events)

    def _encode(self, recording: Recording) -> None:
        target = self._scratch / f"{recording.started_at.strftime('%Y%m%dT%H%M%S%f')}.mp4"
        clip = encode_h264(_uniform(recording.frames), target)
        start = recording.frames[0].timestamp
        sidecar = new_sidecar(
            camera_id=self.camera_id, started_at=recording.started_at, fps=clip.fps, frame_count=clip.frame_count,
            width=clip.width, height=clip.height,
        )
        sidecar["clip"]["pre_trigger_s"] = self.pre_s
        sidecar["clip"]["post_trigger_s"] = self.post_s
        first = recording.events[0]
        trigger: dict[str, Any] = {"at": first.at, "frame": recording.trigger_index, "reason": first.kind, "track_id": first.track_id}
        trigger["identity"] = {"id": first.identity_id, "name": first.name, "similarity": first.similarity} if first.identity_id else None
        sidecar["trigger"] = trigger
        tracks: dict[int, dict[str, Any]] = {}
        for index, (frame, faces) in enumerate(zip(recording.frames, recording.faces, strict=True)):
            sidecar["frames"].append({"index": index, "t": round(frame.timestamp - start, 4), "faces": faces})
            for face in faces:
                track_id = face.get("track_id")
                if track_id is None:
                    continue
                entry = tracks.setdefault(track_id, {"track_id": track_id, "first_frame": index, "last_frame": index, "best_score": 0.0})
                entry["last_frame"] = index
                entry["best_score"] = max(entry["best_score"], face["score"])
                if "identity" in face:
                    entry["identity"] = face["identity"]
        sidecar["tracks"] = list(tracks.values())
        if recording.embeddings and self.embedding_family:
            sidecar["embeddings"] = {"family": self.embedding_family, "by_track": {str(k): v for k, v in recording.embeddings.items()}}
        context = {"events": [event.to_dict() for event in recording.events]}
        self.uploader.submit(clip, camera_id=self.camera_id, started_at=recording.started_at, sidecar=sidecar, context=context)

    def close(self) -> None:
        """Cut an open recording short, encode every clip and hand it to the uploader."""
        if self._open is not None and self._open.frames:
            self._close_recording()
        self._work.put(None)
        self._worker.join()
        try:
            self._scratch.rmdir()
        except OSError:
            pass


def _uniform(frames: list[TimedFrame]) -> list[TimedFrame]:
    """Frames at the first frame's (even) size: a source that changes resolution mid-clip
    (a camera reconfigured) still gives a clip."""
    import cv2

    first = even_size(frames[0].image)
    height, width = first.shape[:2]
    uniform = []
    for frame in frames:
        image = even_size(frame.image)
        if image.shape[:2] != (height, width):
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        uniform.append(TimedFrame(image, frame.timestamp))
    return uniform
