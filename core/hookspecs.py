"""The hooks faceclips plugins implement (pluggy project name ``faceclips``).

Implement any subset in a module or class, decorate each function with
:data:`faceclips.hookimpl`, and register the module through the ``faceclips``
entry-point group::

    [project.entry-points.faceclips]
    thumbnails = "my_package.faceclips_plugin"

Registration hooks return (or yield) frozen records from :mod:`faceclips.types`;
lifecycle hooks receive keyword arguments and may accept any subset of them.
Every hook is documented in ``docs/plugins.md``; a test fails when one is not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Optional

import pluggy

if TYPE_CHECKING:
    from .clips import Clip
    from .clipmanager import FaceClipManager
    from .types import (
        ClipPartMatch,
        ClipPartSpec,
        FaceFilterSpec,
        InferenceEngineSpec,
        NotifierSpec,
        RetentionPolicySpec,
        StorageBackendSpec,
        TrackerSpec,
        Veto,
        VideoSourceSpec,
    )

PROJECT_NAME = "faceclips"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

__all__ = ["FaceclipsSpecs", "hookspec", "hookimpl", "PROJECT_NAME"]


class FaceclipsSpecs:
    """Every hook a faceclips plugin can implement."""

    # -- component registration -------------------------------------------------

    @hookspec
    def faceclips_storage_backends(self) -> Iterable["StorageBackendSpec"]:
        """Register storage backends.

        Return or yield :class:`~faceclips.types.StorageBackendSpec` records. A backend
        is chosen by its ``name`` (``backend = "local"``) or by a URL scheme it lists
        (``url = "file:///srv/clips/alerts"``). Two plugins claiming one name or scheme
        is an error that names both.

        Example::

            @faceclips.hookimpl
            def faceclips_storage_backends():
                yield StorageBackendSpec(
                    name="webdav",
                    schemes=("webdav", "webdavs"),
                    factory="my_plugin.backend:WebDavBackend",
                    requires=("webdav4",),
                    install_hint="pip install 'my-plugin[webdav]'",
                )
        """

    @hookspec
    def faceclips_inference_engines(self) -> Iterable["InferenceEngineSpec"]:
        """Register inference engines and the device types they serve.

        Example::

            @faceclips.hookimpl
            def faceclips_inference_engines():
                yield InferenceEngineSpec(
                    name="degirum-onnx",
                    device_types=("ONNX/CPU",),
                    factory="faceclips.plugins.degirum_onnx:Engine",
                    requires=("degirum",),
                    install_hint="pip install 'faceclips[degirum]'",
                )
        """

    @hookspec
    def faceclips_notifiers(self) -> Iterable["NotifierSpec"]:
        """Register notifiers that receive structured clip events.

        Example::

            @faceclips.hookimpl
            def faceclips_notifiers():
                yield NotifierSpec(name="console", factory="my_plugin.notify:Console")
        """

    @hookspec
    def faceclips_video_sources(self) -> Iterable["VideoSourceSpec"]:
        """Register video sources, chosen by the URL scheme of the tracker's ``source``.

        ``factory(url, fps=None, reconnect=True, reconnect_max_s=30.0)`` returns a
        :class:`~faceclips.video.VideoSource` (a name, an iterator of
        :class:`~faceclips.recording.TimedFrame`, the nominal fps, whether it is live).
        Built in: ``file`` (plain paths), ``camera`` (indexes), ``rtsp``/``http``/… streams.

        Example (frames from a vendor camera SDK)::

            def open_acme(url, fps=None, reconnect=True, reconnect_max_s=30.0):
                camera = acme_sdk.connect(url.removeprefix("acme://"))
                frames = (TimedFrame(f.rgb, f.seconds) for f in camera.frames())
                return VideoSource(url, frames, fps or camera.fps, live=True)

            @faceclips.hookimpl
            def faceclips_video_sources():
                yield VideoSourceSpec(name="acme", schemes=("acme",), factory=open_acme)
        """

    @hookspec
    def faceclips_trackers(self) -> Iterable["TrackerSpec"]:
        """Register multi-object trackers that give faces stable track ids across frames.

        ``factory(fps=..., **settings)`` returns an object with ``update(faces)`` (a list of
        :class:`~faceclips.faces.FaceDetection`, returning one track id or None per face) and
        ``reset()``. The tracker configuration names one (``tracker = "bytetrack"``).

        Example::

            class Centroid:
                def __init__(self, fps, max_jump=50):
                    ...
                def update(self, faces):
                    return [self._nearest_track(face) for face in faces]
                def reset(self):
                    self._tracks.clear()

            @faceclips.hookimpl
            def faceclips_trackers():
                yield TrackerSpec(name="centroid", factory=Centroid)
        """

    @hookspec
    def faceclips_face_filters(self) -> Iterable["FaceFilterSpec"]:
        """Register face filters: pipeline stages deciding which tracked faces are recognised.

        ``factory(**settings)`` returns an object with ``keep(face, width, height) -> bool``.
        Filters run in the order the configuration lists them (``[[tracker.filters]]``).

        Example (only faces in the left half of the frame)::

            class LeftHalf:
                def keep(self, face, width, height):
                    return (face.bbox[0] + face.bbox[2]) / 2 < width / 2

            @faceclips.hookimpl
            def faceclips_face_filters():
                yield FaceFilterSpec(name="left_half", factory=LeftHalf)
        """

    @hookspec
    def faceclips_retention_policies(self) -> Iterable["RetentionPolicySpec"]:
        """Register retention policies: rules that pick clips to remove.

        ``factory(**settings)`` builds the policy from its configuration table (minus the
        generic ``policy``, ``prefix`` and ``per`` keys); the policy's
        ``select(clips, now)`` gets the clips in scope, oldest first, and yields
        ``(clip, reason)`` for each clip that should go. Kept clips are never removed,
        whatever a policy selects.

        Example (remove clips that have no sidecar after a day)::

            class OrphanVideos:
                def __init__(self, grace="1d"):
                    self.grace = faceclips.units.parse_duration(grace).total_seconds()

                def select(self, clips, now):
                    for clip in clips:
                        if "json" not in clip and clip.mtime < now - self.grace:
                            yield clip, "no sidecar"

            @faceclips.hookimpl
            def faceclips_retention_policies():
                yield faceclips.RetentionPolicySpec(name="orphans", factory=OrphanVideos)
        """

    @hookspec
    def faceclips_register_commands(self, cli: Any) -> None:
        """Add commands to the ``faceclips`` command line (a :class:`click.Group`).

        Example::

            @faceclips.hookimpl
            def faceclips_register_commands(cli):
                @cli.command()
                def hello():
                    "Say hello."
                    click.echo("hello")
        """

    # -- clip grouping ----------------------------------------------------------

    @hookspec
    def faceclips_clip_parts(self) -> Iterable["ClipPartSpec"]:
        """Declare kinds of objects that belong to a clip, by the exact suffix of their name.

        The core declares ``original`` (``.mp4``), ``annotated`` (``_annotated.mp4``) and
        ``json`` (``.json``). The longest matching suffix of an object's own file name wins,
        and the clip key is the object name without that suffix.

        Example (a thumbnail beside each clip)::

            @faceclips.hookimpl
            def faceclips_clip_parts():
                yield ClipPartSpec(part="thumbnail", suffix=".jpg")
        """

    @hookspec(firstresult=True)
    def faceclips_classify_object(self, object_name: str) -> Optional["ClipPartMatch"]:
        """Classify one object name into ``(clip key, part)``, or return ``None`` to pass.

        For rules a suffix cannot express. The first non-``None`` answer wins; the core's
        suffix rules (see :meth:`faceclips_clip_parts`) answer last. Return
        ``ClipPartMatch(key, part)`` to claim the object, or ``None`` to let others decide.
        To hide an object from clip listings entirely, return ``ClipPartMatch("", "")``.

        Example (clips recorded by a camera that writes ``.MP4``)::

            @faceclips.hookimpl
            def faceclips_classify_object(object_name):
                if object_name.endswith(".MP4"):
                    return ClipPartMatch(object_name[:-4], "original")
                return None
        """

    # -- lifecycle events -------------------------------------------------------

    @hookspec
    def faceclips_clip_saved(self, manager: "FaceClipManager", clip: "Clip") -> None:
        """Called after a clip's original (and sidecar, if any) was stored by ``save_clip``.

        Example::

            @faceclips.hookimpl
            def faceclips_clip_saved(manager, clip):
                print("new clip", clip.key, manager.url(clip.key))
        """

    @hookspec
    def faceclips_clip_annotated(self, manager: "FaceClipManager", clip: "Clip") -> None:
        """Called after an annotated video (and merged sidecar) was stored for a clip.

        Example::

            @faceclips.hookimpl
            def faceclips_clip_annotated(manager, clip):
                log.info("annotated %s (%d bytes)", clip.key, clip["annotated"].size)
        """

    @hookspec
    def faceclips_clip_downloaded(self, manager: "FaceClipManager", object_name: str, size: int) -> None:
        """Called after an object was downloaded in full (``download_file``, ``download_to``).

        Example (an audit trail)::

            @faceclips.hookimpl
            def faceclips_clip_downloaded(manager, object_name, size):
                audit.write(f"{getpass.getuser()} downloaded {object_name}\\n")
        """

    @hookspec
    def faceclips_before_remove(
        self, manager: "FaceClipManager", clip_key: str, object_names: list[str], clip: Optional["Clip"]
    ) -> Optional["Veto"]:
        """Asked before objects of a clip are removed; return a :class:`~faceclips.types.Veto` to refuse.

        Every plugin is asked; any veto stops the removal of that clip. ``clip`` holds every
        stored part of the clip when the caller listed it (bulk removals, retention), or
        ``None`` when only ``object_names`` are known (``remove_file``). ``remove_file`` and
        ``remove_clip`` raise :class:`~faceclips.errors.RemovalVetoedError`;
        ``remove_all_clips`` and retention keep the clip and report the reasons.

        Example (a legal hold)::

            @faceclips.hookimpl
            def faceclips_before_remove(manager, clip_key, object_names):
                if clip_key in HELD:
                    return Veto("legal hold: case 2026-117")
                return None
        """

    @hookspec
    def faceclips_clip_removed(self, manager: "FaceClipManager", clip_key: str, object_names: list[str]) -> None:
        """Called after objects of a clip were removed.

        Example::

            @faceclips.hookimpl
            def faceclips_clip_removed(manager, clip_key, object_names):
                index.forget(clip_key)
        """
