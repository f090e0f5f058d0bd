"""Recording alert clips: capture-timed frames to browser-playable H.264 MP4, uploaded without loss.

* :class:`FrameRing` keeps the last ``pre_s`` seconds of frames (the pre-trigger part).
* :func:`encode_h264` writes frames with their capture timestamps as presentation times, so
  a clip plays at the real capture rate, whatever it was (never an assumed 30 fps). H.264
  High profile, yuv420p, index first (``+faststart``): browsers play it while downloading.
  Encoding uses PyAV, which bundles FFmpeg with libx264 (OpenCV's ``mp4v`` does not play in
  browsers). ``pip install 'faceclips[record]'``.
* :class:`ClipUploader` spools each finished clip to disk, then uploads it in a background
  thread through :meth:`FaceClipManager.save_clip` with retries. ``close()`` finishes every
  pending upload; whatever still cannot be uploaded stays in the spool folder and is
  uploaded by the next uploader that opens it. Nothing is lost.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import queue
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple, Optional, Sequence, Union

from .errors import ConfigError, FaceclipsError, MissingExtraError
from .retry import RetryPolicy

__all__ = ["TimedFrame", "FrameRing", "EncodedClip", "encode_h264", "even_size", "ClipUploader"]

log = logging.getLogger("faceclips.recording")
TIME_BASE = Fraction(1, 90000)  # the MPEG clock: exact for 25, 29.97, 30, 50, 60 fps alike
UPLOAD_RETRY = RetryPolicy(attempts=6, initial_delay_s=0.5, max_delay_s=30.0)


class TimedFrame(NamedTuple):
    """An RGB frame (H x W x 3 uint8) and its capture time in seconds."""

    image: Any
    timestamp: float


class FrameRing:
    """The most recent ``seconds`` of frames, for the part of a clip before its trigger."""

    def __init__(self, seconds: float) -> None:
        if seconds < 0:
            raise ConfigError("pre-trigger seconds cannot be negative")
        self.seconds = seconds
        self._frames: deque[TimedFrame] = deque()

    def append(self, image: Any, timestamp: float) -> None:
        self._frames.append(TimedFrame(image, timestamp))
        while self._frames and self._frames[0].timestamp < timestamp - self.seconds:
            self._frames.popleft()

    def snapshot(self) -> list[TimedFrame]:
        """The frames held now, oldest first."""
        return list(self._frames)

    def __len__(self) -> int:
        return len(self._frames)


def even_size(image: Any) -> Any:
    """``image`` cropped by at most one row and column to even dimensions (what yuv420p needs),
    for sources whose frames are odd-sized."""
    height, width = image.shape[:2]
    return image if not (height % 2 or width % 2) else image[: height - height % 2, : width - width % 2]


@dataclass(frozen=True)
class EncodedClip:
    """A clip file and its measured properties."""

    path: Path
    frame_count: int
    fps: float
    """Average capture rate, from the timestamps."""
    duration_s: float
    width: int
    height: int


def _require_av() -> Any:
    try:
        import av
    except ImportError as exc:
        raise MissingExtraError("clip recording", "pip install 'faceclips[record]'", "av") from exc
    return av


def encode_h264(
    frames: Iterable[TimedFrame], path: Union[str, "os.PathLike[str]"], *, crf: int = 23, preset: str = "veryfast",
    rate: Optional[float] = None,
) -> EncodedClip:
    """Encode frames at their capture times into ``path`` (written beside it, then renamed).

    The container's nominal rate is ``rate``, else measured from the first and last timestamps
    (which needs the frames as a sequence). With ``rate`` given, ``frames`` may be any iterable
    and is encoded as it comes, never held in memory (annotating long clips).
    """
    av = _require_av()
    import numpy as np

    if rate is None:
        frames = frames if isinstance(frames, Sequence) else list(frames)
        if not frames:
            raise FaceclipsError("a clip needs at least one frame")
        start, end = frames[0].timestamp, frames[-1].timestamp
        nominal = Fraction((len(frames) - 1) / (end - start)).limit_denominator(1001) if len(frames) > 1 and end > start else Fraction(30)
    else:
        if rate <= 0:
            raise ConfigError("a clip's rate must be positive")
        nominal = Fraction(rate).limit_denominator(1001)
    stream_of = iter(frames)
    head = next(stream_of, None)
    if head is None:
        raise FaceclipsError("a clip needs at least one frame")
    height, width = np.asarray(head.image).shape[:2]
    if width % 2 or height % 2:
        raise ConfigError(f"H.264 (yuv420p) needs even frame sizes, not {width}x{height}")
    start = head.timestamp
    target = Path(os.fspath(path))
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    count = 0
    try:
        with av.open(str(partial), "w", format="mp4", options={"movflags": "+faststart"}) as container:
            stream = container.add_stream("libx264", rate=nominal)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.time_base = TIME_BASE
            stream.codec_context.time_base = TIME_BASE
            stream.options = {"crf": str(crf), "preset": preset, "profile": "high"}
            last_pts = -1
            for frame in itertools.chain([head], stream_of):
                image = np.asarray(frame.image)
                if image.shape[:2] != (height, width):
                    raise ConfigError(f"all frames of a clip must be {width}x{height}, not {image.shape[1]}x{image.shape[0]}")
                video = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[:, :, :3]), format="rgb24")
                pts = max(round((frame.timestamp - start) / TIME_BASE), last_pts + 1)  # strictly increasing
                video.pts, video.time_base, last_pts = pts, TIME_BASE, pts
                count += 1
                for packet in stream.encode(video):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        os.replace(partial, target)
    except BaseException:
        try:
            os.unlink(partial)
        except OSError:
            pass
        raise
    return EncodedClip(target, count, float(nominal), float(count / nominal), width, height)


@dataclass(frozen=True)
class _Job:
    video: Path
    meta: Path


class ClipUploader:
    """Upload finished clips in the background through a manager; a disk spool makes it lossless.

    ``submit`` moves the clip file and its metadata into ``spool`` and queues it. The worker
    saves it with :meth:`FaceClipManager.save_clip` (retried by ``retry``) and deletes the spool
    files only after the upload succeeded. Clips left in the spool by an earlier run are
    queued when the uploader starts.
    """

    def __init__(
        self,
        manager: Any,
        spool: Union[str, "os.PathLike[str]"],
        *,
        retry: RetryPolicy = UPLOAD_RETRY,
        on_saved: Optional[Callable[[Any, dict], None]] = None,
        on_failed: Optional[Callable[[Path, dict], None]] = None,
    ) -> None:
        self.manager = manager
        self.spool = Path(os.fspath(spool))
        self.spool.mkdir(parents=True, exist_ok=True)
        self.retry = retry
        self.on_saved = on_saved
        self.on_failed = on_failed
        self.failed: list[Path] = []
        self._queue: "queue.Queue[Optional[_Job]]" = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        for meta in sorted(self.spool.glob("*.meta.json")):
            video = meta.with_name(meta.name[: -len(".meta.json")] + ".mp4")
            if video.exists():
                log.info("uploading clip left in the spool by an earlier run: %s", video.name)
                self._queue.put(_Job(video, meta))
        self._worker = threading.Thread(target=self._run, name="faceclips-uploader", daemon=True)
        self._worker.start()

    def submit(
        self, clip: Union[EncodedClip, str, "os.PathLike[str]"], *, camera_id: str, started_at: Optional[datetime] = None,
        sidecar: Optional[dict] = None, context: Optional[dict] = None,
    ) -> Path:
        """Queue a finished clip file (it is moved into the spool); returns its spool path.

        ``context`` (JSON values) is kept with the clip and passed to ``on_saved(clip, context)``.
        """
        with self._lock:
            if self._closed:
                raise FaceclipsError("the uploader is closed")
            source = Path(clip.path if isinstance(clip, EncodedClip) else os.fspath(clip))
            name = uuid.uuid4().hex
            video = self.spool / f"{name}.mp4"
            if _same_device(source, self.spool):
                os.replace(source, video)
            else:
                _copy_then_remove(source, video)
            meta = self.spool / f"{name}.meta.json"
            record = {
                "camera_id": camera_id,
                "started_at": (started_at or datetime.now(timezone.utc)).isoformat(),
                "sidecar": sidecar,
                "context": context or {},
            }
            partial = meta.with_suffix(".partial")
            partial.write_text(json.dumps(record, default=str))
            os.replace(partial, meta)  # a job exists once its metadata is complete
            self._queue.put(_Job(video, meta))
            return video

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                self._upload(job)
            except Exception as exc:  # kept in the spool for the next run
                self.failed.append(job.video)
                log.error("clip %s could not be uploaded and stays in %s: %s", job.video.name, self.spool, exc)
                if self.on_failed is not None:
                    try:
                        context = json.loads(job.meta.read_text()).get("context") or {}
                    except (OSError, ValueError):
                        context = {}
                    self.on_failed(job.video, context)
            finally:
                self._queue.task_done()

    def _upload(self, job: _Job) -> None:
        record = json.loads(job.meta.read_text())
        started = datetime.fromisoformat(record["started_at"])

        def save() -> Any:
            return self.manager.save_clip(job.video, camera_id=record["camera_id"], started_at=started, sidecar=record.get("sidecar"))

        clip = self.retry.call(save, description=f"upload of clip {job.video.name}")
        for path in (job.video, job.meta):
            path.unlink(missing_ok=True)
        if self.on_saved is not None:
            self.on_saved(clip, record.get("context") or {})

    def pending(self) -> int:
        """Clips waiting in the spool (queued or failed)."""
        return len(list(self.spool.glob("*.meta.json")))

    def close(self, timeout: Optional[float] = None) -> bool:
        """Stop accepting clips and finish the queued uploads; True when the spool is empty."""
        with self._lock:
            self._closed = True
        deadline = None if timeout is None else time.monotonic() + timeout
        self._queue.put(None)
        self._worker.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return self.pending() == 0

    def __enter__(self) -> "ClipUploader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _same_device(source: Path, folder: Path) -> bool:
    try:
        return os.stat(source).st_dev == os.stat(folder).st_dev
    except OSError:
        return False


def _copy_then_remove(source: Path, target: Path) -> None:
    import shutil

    partial = target.with_suffix(".partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)
    source.unlink()
