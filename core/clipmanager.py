"""FaceClipManager: list, download, share, save and remove the clips in one bucket.

The seed API (``list_clips``, ``download_file``, ``remove_file``, ``remove_all_clips``)
keeps its signatures and meaning, with the reference's defects fixed; the rest streams.
"""

from __future__ import annotations

import gc
import io
import json
import logging
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, BinaryIO, Dict, Iterator, Optional, Union

from .clipparts import ANNOTATED, JSON, KEEP_PART, KEEP_REASON, ORIGINAL, ClipClassifier, is_held
from .clips import Clip
from .config import StorageConfig
from .connect import open_storage
from .errors import ConfigError, ObjectNotFoundError, PartialFailureError, RemovalVetoedError, StorageError
from .names import validate_object_name, validate_segment
from .objects import ObjectInfo
from .pluginmanager import KEEP_PLUGIN, PluginManager, get_plugin_manager
from .storage import PathOrFile, Progress, StorageBackend
from .timestamps import as_aware
from .types import Veto

__all__ = ["FaceClipManager", "RemovalReport"]

log = logging.getLogger("faceclips")

VideoSource = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]", BinaryIO]
Sidecar = Union[bytes, str, dict, None]


@dataclass
class RemovalReport:
    """What a bulk removal did, clip by clip."""

    removed: dict[str, list[str]] = field(default_factory=dict)
    """Clip key -> object names removed."""
    vetoed: dict[str, list[str]] = field(default_factory=dict)
    """Clip key -> reasons plugins gave for keeping it."""
    failed: dict[str, StorageError] = field(default_factory=dict)
    """Object name -> error."""
    bytes_freed: int = 0

    @property
    def objects_removed(self) -> int:
        """Number of objects removed."""
        return sum(len(names) for names in self.removed.values())

    def __len__(self) -> int:
        return len(self.removed)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic collector while building many small acyclic records.

    A 100,000-object listing allocates ~130,000 tuples and dicts, none of which can form
    a cycle; the collector would otherwise rescan them repeatedly (about 20% of the time).
    Reference counting still frees everything; the previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _epoch(value: Optional[datetime]) -> Optional[float]:
    return None if value is None else as_aware(value).timestamp()


class FaceClipManager:
    """Manage the alert clips stored in one bucket.

    >>> manager = FaceClipManager(ObjectStorageConfig(endpoint="./clips", bucket="alerts"))  # doctest: +SKIP
    >>> manager.list_clips()                                                                # doctest: +SKIP
    {'cam1/2026-11-21/101500Z-3f9a1c2b7d4e': {'original': ObjectInfo(...), 'json': ...}}
    """

    annotated_video_suffix = "_annotated"
    key_original = ORIGINAL
    key_annotated = ANNOTATED
    key_json = JSON

    def __init__(
        self,
        storage_config: Any = None,
        *,
        storage: Optional[StorageBackend] = None,
        plugin_manager: Optional[PluginManager] = None,
        create_bucket: bool = False,
    ) -> None:
        """Connect to the storage a configuration selects, or use a ready ``storage`` backend.

        ``storage_config`` is a :class:`StorageConfig`, a URL, a mapping, or an
        ``ObjectStorageConfig`` (this package's or degirum_tools'). The bucket is created
        only when ``create_bucket`` is true.
        """
        self.plugins = plugin_manager or get_plugin_manager()
        if storage is not None:
            self.config = StorageConfig.coerce(storage_config) if storage_config is not None else None
            self.storage = storage
        else:
            if storage_config is None:
                raise ConfigError("Clip storage configuration is empty")
            self.config = StorageConfig.coerce(storage_config)
            self.storage = open_storage(self.config, self.plugins)
        self.url_expiration_s = self.config.url_expiration_s if self.config else 3600
        self.classifier = ClipClassifier(self.plugins.clip_parts(), self.plugins.hook.faceclips_classify_object)
        if create_bucket:
            self.storage.ensure_bucket()

    # -- naming -----------------------------------------------------------------

    def object_name(self, filename: str) -> str:
        """The object a user-given name refers to: ``.mp4`` is added unless the name is a clip part.

        ``"incident_01"`` -> ``"incident_01.mp4"``; ``"2024.01.01_cam"`` -> ``"2024.01.01_cam.mp4"``;
        ``"incident_01.json"`` and ``"incident_01_annotated.mp4"`` are kept as they are.
        """
        name = validate_object_name(filename)
        return name if self.classifier.is_part_name(name) else name + ".mp4"

    # -- listing ----------------------------------------------------------------

    def iter_clips(
        self, prefix: str = "", since: Optional[datetime] = None, until: Optional[datetime] = None
    ) -> Iterator[Clip]:
        """Stream clips whose key starts with ``prefix``, optionally with ``since <= time < until``.

        A clip's time is its original's modification time (else its earliest part's).
        Naive datetimes are read as local time. Memory stays bounded: a clip is yielded
        as soon as the listing has passed every name that could belong to it.
        """
        low, high = _epoch(since), _epoch(until)
        classify = self.classifier.classify if self.classifier.has_plugin_classifier else None
        rules_by_tail, tail = self.classifier.rules_by_tail.get, -self.classifier.tail_length
        pending: dict[str, Clip] = {}
        newest = ""  # the key most recently added to pending
        new_clip = Clip.__new__  # an empty Clip without the Python-level __init__: this loop is hot

        def in_window(clip: Clip) -> bool:
            moment = clip.mtime
            return (low is None or moment >= low) and (high is None or moment < high)

        selected = None if low is None and high is None else in_window

        part_after_key = self.classifier.part_after_key.get
        fast = classify is None
        clip: Optional[Clip] = None  # the clip most recently added to
        for page in self.storage.list_pages(prefix):
            for info in page:
                name = info[0]
                if fast and clip is not None and name.startswith(newest):
                    # Fast path: another part of the clip just seen, unless a longer suffix applies.
                    known = part_after_key(name[len(newest) :])
                    if known is not None and not (known[1] and name.endswith(known[1])):
                        clip[known[0]] = info
                        continue
                # Names sharing a prefix are contiguous in key order: once a name no longer
                # starts with a pending key, that clip has all its parts. Invariant: while
                # anything is pending, ``newest`` is a pending key and ``clip`` its clip.
                if pending and not name.startswith(newest):
                    if len(pending) == 1:
                        del pending[newest]
                        if selected is None or selected(clip):  # type: ignore[arg-type]
                            yield clip  # type: ignore[misc]
                    else:
                        for key in [key for key in pending if not name.startswith(key)]:
                            done = pending.pop(key)
                            if selected is None or selected(done):
                                yield done
                        if pending:
                            newest = next(reversed(pending))
                            clip = pending[newest]
                    if not pending:
                        clip = None
                elif len(pending) > 1:
                    for key in [key for key in pending if not name.startswith(key)]:
                        done = pending.pop(key)
                        if selected is None or selected(done):
                            yield done
                if fast:
                    for suffix, length, part in rules_by_tail(name[tail:], ()):  # noqa: B007 - used after break
                        if name.endswith(suffix):
                            key = name[:-length]
                            if key and key[-1] != "/":
                                break
                    else:
                        continue
                else:
                    match = classify(name)  # type: ignore[misc]
                    if match is None:
                        continue
                    key, part = match
                clip = pending.get(key)
                if clip is None:
                    clip = pending[key] = new_clip(Clip)
                    clip.key = key
                newest = key
                clip[part] = info
        for clip in pending.values():
            if selected is None or selected(clip):
                yield clip

    def list_clips(self) -> Dict[str, Clip]:
        """All clips, ``{clip key: {"original"|"annotated"|"json": ObjectInfo}}``, sorted by key.

        Listing never creates the bucket; a missing bucket raises ``BucketNotFoundError``.
        """
        clips: dict[str, Clip] = {}
        in_order = True
        previous = ""
        with gc_paused():
            for clip in self.iter_clips():
                key = clip.key
                if key < previous:
                    in_order = False
                clips[key] = clip
                previous = key
            return clips if in_order else dict(sorted(clips.items()))

    def get_clip(self, key: str) -> Clip:
        """The stored parts of one clip (a listing of its key prefix)."""
        key = validate_object_name(key)
        for clip in self.iter_clips(prefix=key):
            if clip.key == key:
                return clip
        raise ObjectNotFoundError(key, self.storage.location)

    # -- reading ----------------------------------------------------------------

    def download_file(self, filename: str) -> bytes:
        """The whole object in memory (``.mp4`` added when the name is not a clip part)."""
        name = self.object_name(filename)
        data = self.storage.get_bytes(name)
        self.plugins.hook.faceclips_clip_downloaded(manager=self, object_name=name, size=len(data))
        return data

    def download_to(self, filename: str, target: PathOrFile, progress: Optional[Progress] = None) -> int:
        """Stream an object to a path or binary file without holding it in memory; returns bytes written.

        A path target appears only when complete.
        """
        name = self.object_name(filename)
        size = self.storage.download(name, target, progress)
        self.plugins.hook.faceclips_clip_downloaded(manager=self, object_name=name, size=size)
        return size

    def stat(self, filename: str) -> ObjectInfo:
        """Size and modification time of one object."""
        return self.storage.stat(self.object_name(filename))

    def url(self, filename: str, expires: Union[int, float, timedelta, None] = None) -> str:
        """A share URL for an existing object, valid for ``expires`` (default ``url_expiration_s``)."""
        name = self.object_name(filename)
        self.storage.stat(name)  # a clear not-found error instead of a dead link
        return self.storage.url(name, self.url_expiration_s if expires is None else expires)

    # -- removing ---------------------------------------------------------------

    def vetoes(self, clip_key: str, names: list[str], clip: Optional[Clip] = None) -> list[str]:
        """Reasons plugins give for keeping these objects of a clip (empty: they may go)."""
        hook = self.plugins.hook.faceclips_before_remove
        if clip is not None and all(impl.plugin_name == KEEP_PLUGIN for impl in hook.get_hookimpls()):
            # Only the core's keep check is registered: ask it directly (bulk removals are hot).
            return [KEEP_REASON] if is_held(clip_key, names, clip, lambda: True) else []
        answers = hook(manager=self, clip_key=clip_key, object_names=names, clip=clip)
        return [answer.reason if isinstance(answer, Veto) else str(answer) for answer in answers if answer]

    def _clip_key(self, name: str) -> str:
        match = self.classifier.classify(name)
        return match.key if match is not None else name

    def remove_file(self, filename: str) -> None:
        """Remove one object (``.mp4`` added when the name is not a clip part).

        Plugins may veto (:class:`RemovalVetoedError`); a missing object raises
        ``ObjectNotFoundError`` on every backend.
        """
        name = self.object_name(filename)
        key = self._clip_key(name)
        reasons = self.vetoes(key, [name])
        if reasons:
            raise RemovalVetoedError(key, reasons)
        self.storage.delete(name)
        self.plugins.hook.faceclips_clip_removed(manager=self, clip_key=key, object_names=[name])

    def remove_clip(self, key: str) -> list[str]:
        """Remove every part of one clip; returns the object names removed."""
        clip = self.get_clip(key)
        reasons = self.vetoes(clip.key, clip.object_names, clip)
        if reasons:
            raise RemovalVetoedError(clip.key, reasons)
        report = RemovalReport()
        self._remove_batch([clip], report)
        if report.failed:
            raise PartialFailureError(f"could not remove every part of clip {key!r}", report)
        return report.removed.get(clip.key, [])

    def remove_all_clips(self, prefix: str = "", *, batch_size: int = 1000, dry_run: bool = False) -> RemovalReport:
        """Remove every clip part (and nothing else) in batches; returns what was removed.

        Objects that are not clip parts stay. A clip a plugin vetoes stays and is reported.
        With ``dry_run`` nothing is removed and the report lists what would go. Failures
        are collected, and raised at the end as :class:`PartialFailureError`.
        """
        report = RemovalReport()
        batch: list[Clip] = []
        count = 0
        for clip in self.iter_clips(prefix=prefix):
            reasons = self.vetoes(clip.key, clip.object_names, clip)
            if reasons:
                report.vetoed[clip.key] = reasons
                log.info("clip %s kept: %s", clip.key, "; ".join(reasons))
                continue
            if dry_run:
                report.removed[clip.key] = clip.object_names
                report.bytes_freed += clip.size
                continue
            batch.append(clip)
            count += len(clip)
            if count >= batch_size:
                self._remove_batch(batch, report)
                batch, count = [], 0
        if batch:
            self._remove_batch(batch, report)
        if report.failed:
            raise PartialFailureError(
                f"{len(report.failed)} object(s) could not be removed from {self.storage.location}", report
            )
        return report

    def _remove_batch(self, clips: list[Clip], report: RemovalReport) -> None:
        outcome = self.storage.delete_many([name for clip in clips for name in clip.object_names])
        failed = outcome.failed
        for clip in clips:
            gone = [name for name in clip.object_names if name not in failed]
            for name in clip.object_names:
                if name in failed:
                    report.failed[name] = failed[name]
            if gone:
                report.removed[clip.key] = gone
                report.bytes_freed += sum(info.size for info in clip.values() if info.object_name in gone)
                self.plugins.hook.faceclips_clip_removed(manager=self, clip_key=clip.key, object_names=gone)

    # -- legal hold ---------------------------------------------------------------

    def keep(self, key: str, reason: str, *, by: Optional[str] = None) -> ObjectInfo:
        """Mark a clip kept (legal hold): no removal, purge or retention rule touches it until released."""
        clip = self.get_clip(key)
        record = {"reason": reason, "by": by, "at": datetime.now(timezone.utc).isoformat()}
        data = json.dumps(record, ensure_ascii=False).encode("utf-8")
        return self.storage.put_bytes(self.classifier.object_name(clip.key, KEEP_PART), data, content_type="application/json")

    def release(self, key: str) -> None:
        """Lift a clip's legal hold (removes its keep marker)."""
        marker = self.classifier.object_name(validate_object_name(key), KEEP_PART)
        reasons = self.vetoes(key, [marker])
        if reasons:
            raise RemovalVetoedError(key, reasons)
        self.storage.delete(marker)

    def is_kept(self, key: str) -> bool:
        """Whether a clip carries a keep marker."""
        return self.storage.exists(self.classifier.object_name(validate_object_name(key), KEEP_PART))

    # -- writing ----------------------------------------------------------------

    @staticmethod
    def new_clip_key(camera_id: str = "camera", when: Optional[datetime] = None) -> str:
        """A collision-free clip key: ``<camera id>/<UTC date>/<UTC time>Z-<random>``.

        >>> FaceClipManager.new_clip_key("door", datetime(2026, 11, 21, 10, 15, tzinfo=timezone.utc))[:29]
        'door/2026-11-21/101500Z-'
        """
        camera = validate_segment(camera_id, "camera id")
        moment = as_aware(when or datetime.now(timezone.utc)).astimezone(timezone.utc)
        return f"{camera}/{moment:%Y-%m-%d}/{moment:%H%M%S}Z-{uuid.uuid4().hex[:12]}"

    def _put_video(self, name: str, video: VideoSource) -> ObjectInfo:
        if isinstance(video, (bytes, bytearray, memoryview)):
            return self.storage.put_bytes(name, bytes(video), content_type="video/mp4")
        if isinstance(video, (str, os.PathLike)):
            return self.storage.put_file(name, video, content_type="video/mp4")
        if hasattr(video, "read"):
            return self.storage.put_stream(name, video, content_type="video/mp4")
        raise TypeError(f"a clip video is bytes, a path or a binary file, not {type(video).__name__}")

    def _put_sidecar(self, name: str, sidecar: Sidecar) -> Optional[ObjectInfo]:
        if sidecar is None:
            return None
        if isinstance(sidecar, dict):
            data = json.dumps(sidecar, indent=2, ensure_ascii=False, default=str).encode("utf-8")
        elif isinstance(sidecar, str):
            data = sidecar.encode("utf-8")
        elif isinstance(sidecar, (bytes, bytearray)):
            data = bytes(sidecar)
        else:
            raise TypeError(f"a sidecar is a dict, JSON text or bytes, not {type(sidecar).__name__}")
        return self.storage.put_stream(name, io.BytesIO(data), length=len(data), content_type="application/json")

    def save_clip(
        self,
        video: VideoSource,
        *,
        camera_id: str = "camera",
        sidecar: Sidecar = None,
        started_at: Optional[datetime] = None,
        key: Optional[str] = None,
    ) -> Clip:
        """Store an original video (and its JSON sidecar) under a new collision-free key.

        The key is ``<camera id>/<UTC date>/<UTC time>Z-<random>`` unless ``key`` is given,
        in which case an existing clip of that key is an error. Fires ``faceclips_clip_saved``.
        """
        if key is None:
            key = self.new_clip_key(camera_id, started_at)
        else:
            validate_object_name(key)
            if self.storage.exists(self.classifier.object_name(key, ORIGINAL)):
                raise StorageError(f"clip {key!r} already exists in {self.storage.location}")
        clip = Clip(key)
        clip[ORIGINAL] = self._put_video(self.classifier.object_name(key, ORIGINAL), video)
        info = self._put_sidecar(self.classifier.object_name(key, JSON), sidecar)
        if info is not None:
            clip[JSON] = info
        self.plugins.hook.faceclips_clip_saved(manager=self, clip=clip)
        return clip

    def save_annotated(self, key: str, video: VideoSource, *, sidecar: Sidecar = None) -> Clip:
        """Store the annotated video (and an updated sidecar) of an existing clip.

        Fires ``faceclips_clip_annotated`` with the clip's parts after the upload.
        """
        clip = self.get_clip(key)
        clip[ANNOTATED] = self._put_video(self.classifier.object_name(clip.key, ANNOTATED), video)
        info = self._put_sidecar(self.classifier.object_name(clip.key, JSON), sidecar)
        if info is not None:
            clip[JSON] = info
        self.plugins.hook.faceclips_clip_annotated(manager=self, clip=clip)
        return clip

    # -- lifecycle --------------------------------------------------------------

    def close(self) -> None:
        """Release the storage backend's resources."""
        self.storage.close()

    def __enter__(self) -> "FaceClipManager":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<FaceClipManager {self.storage.location}>"
