"""Frozen records that plugin hooks return.

A registration hook returns (or yields) these records; the plugin manager collects them,
reports conflicts, and resolves a configured name or URL scheme to one of them.
Factories may be given as ``"package.module:attribute"`` strings so that a plugin's
heavy dependencies are imported only when its component is actually used.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, NamedTuple, Optional, Union

from .errors import MissingExtraError, PluginError

__all__ = [
    "ComponentSpec",
    "StorageBackendSpec",
    "InferenceEngineSpec",
    "NotifierSpec",
    "RetentionPolicySpec",
    "TrackerSpec",
    "FaceFilterSpec",
    "VideoSourceSpec",
    "ClipPartSpec",
    "ClipPartMatch",
    "Veto",
]

Factory = Union[Callable[..., Any], str]


@dataclass(frozen=True)
class ComponentSpec:
    """Fields shared by every registered component."""

    name: str
    """Unique name users put in configuration, e.g. ``"local"``."""
    factory: Factory
    """Callable building the component, or a lazy ``"module:attribute"`` reference."""
    description: str = ""
    install_hint: str = ""
    """Exact command that installs a missing optional dependency, e.g. ``pip install 'faceclips[minio]'``."""
    requires: tuple[str, ...] = ()
    """Top-level modules the factory imports; checked without importing them."""

    kind = "component"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or not self.name.replace("-", "_").isidentifier():
            raise PluginError(f"{self.kind} name {self.name!r} must be a non-empty identifier-like string")
        requires = (self.requires,) if isinstance(self.requires, str) else tuple(self.requires)
        object.__setattr__(self, "requires", requires)

    def missing_requirements(self) -> list[str]:
        """Modules in :attr:`requires` that cannot be found (nothing is imported)."""
        missing = []
        for module in self.requires:
            try:
                found = importlib.util.find_spec(module) is not None
            except (ImportError, ValueError):
                found = False
            if not found:
                missing.append(module)
        return missing

    @property
    def available(self) -> bool:
        """True when every required module is installed."""
        return not self.missing_requirements()

    def load_factory(self) -> Callable[..., Any]:
        """Resolve :attr:`factory`, raising :class:`MissingExtraError` with the install hint."""
        missing = self.missing_requirements()
        if missing:
            raise MissingExtraError(f"{self.kind} {self.name!r}", self._hint(), missing[0])
        if callable(self.factory):
            return self.factory
        module_name, _, attribute = str(self.factory).partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise MissingExtraError(f"{self.kind} {self.name!r}", self._hint(), exc.name or "") from exc
        try:
            target = module
            for part in attribute.split(".") if attribute else []:
                target = getattr(target, part)
        except AttributeError as exc:
            raise PluginError(f"{self.kind} {self.name!r}: factory {self.factory!r} does not exist") from exc
        if not callable(target):
            raise PluginError(f"{self.kind} {self.name!r}: factory {self.factory!r} is not callable")
        return target

    def _hint(self) -> str:
        return self.install_hint or "pip install faceclips (the plugin did not say which extra it needs)"


@dataclass(frozen=True)
class SchemedSpec(ComponentSpec):
    """A component chosen by URL scheme as well as by name."""

    schemes: tuple[str, ...] = ()
    """URL schemes it serves, e.g. ``("file",)``; lower case, without ``://``."""

    def __post_init__(self) -> None:
        super().__post_init__()
        schemes = (self.schemes,) if isinstance(self.schemes, str) else tuple(self.schemes)
        object.__setattr__(self, "schemes", tuple(s.lower() for s in schemes))


@dataclass(frozen=True)
class StorageBackendSpec(SchemedSpec):
    """A storage backend. ``factory(config: StorageConfig) -> StorageBackend``."""

    kind = "storage backend"


@dataclass(frozen=True)
class InferenceEngineSpec(ComponentSpec):
    """An inference engine serving some device types, e.g. ``("ONNX/CPU",)``.

    ``factory(choice, settings)`` builds the engine for a chosen device; ``probe(host)``
    (a callable or ``"module:attribute"``) returns the device types present on an inference
    host for this engine's runtime.
    """

    device_types: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()
    """Human-readable runtime prerequisites (drivers, runtimes) shown by ``faceclips plugins``."""
    probe: Optional[Factory] = None
    models: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Device type -> {"face_detection": model, "face_embedding": model, "zoo": zoo} in the vendor's zoos."""
    supports: Optional[Factory] = None
    """``supports(device_type, zoo) -> bool``: whether a zoo has face models for a device (``auto`` skips those without)."""

    kind = "inference engine"

    def __post_init__(self) -> None:
        super().__post_init__()
        devices = (self.device_types,) if isinstance(self.device_types, str) else tuple(self.device_types)
        object.__setattr__(self, "device_types", tuple(d.upper() for d in devices))
        object.__setattr__(self, "prerequisites", tuple(self.prerequisites))

    def load_probe(self) -> Callable[..., Any]:
        """Resolve :attr:`probe` like a factory (lazy import, install hint when missing)."""
        if self.probe is None:
            raise PluginError(f"inference engine {self.name!r} declares no probe")
        return replace(self, factory=self.probe).load_factory()

    def load_supports(self) -> Callable[..., bool]:
        """Resolve :attr:`supports`; without one, every served device is supported."""
        if self.supports is None:
            return lambda device_type, zoo: True
        return replace(self, factory=self.supports).load_factory()


@dataclass(frozen=True)
class NotifierSpec(ComponentSpec):
    """A notifier receiving structured clip events, e.g. a webhook."""

    kind = "notifier"


@dataclass(frozen=True)
class RetentionPolicySpec(ComponentSpec):
    """A retention policy. ``factory(**settings)`` returns an object with ``select(clips, now)``."""

    kind = "retention policy"


@dataclass(frozen=True)
class TrackerSpec(ComponentSpec):
    """A multi-object tracker. ``factory(fps=..., **settings)`` returns an object with
    ``update(faces) -> [track id or None per face]`` and ``reset()``."""

    kind = "tracker"


@dataclass(frozen=True)
class VideoSourceSpec(SchemedSpec):
    """A kind of video source, chosen by URL scheme (``file`` serves plain paths, ``camera``
    camera indexes). ``factory(url, fps=..., reconnect=..., reconnect_max_s=...)`` returns a
    :class:`~faceclips.video.VideoSource`."""

    kind = "video source"


@dataclass(frozen=True)
class FaceFilterSpec(ComponentSpec):
    """A pipeline filter. ``factory(**settings)`` returns an object with
    ``keep(face, width, height) -> bool``; faces it rejects are tracked but never recognised."""

    kind = "face filter"


@dataclass(frozen=True)
class ClipPartSpec:
    """A kind of object that belongs to a clip, recognised by the exact suffix of its name.

    ``ClipPartSpec("annotated", "_annotated.mp4")`` makes ``door.mp4``'s annotated video
    ``door_annotated.mp4``. The longest matching suffix wins.
    """

    part: str
    suffix: str
    description: str = ""

    def __post_init__(self) -> None:
        if not self.part or not isinstance(self.part, str):
            raise PluginError(f"clip part name {self.part!r} must be a non-empty string")
        if not self.suffix or "/" in self.suffix:
            raise PluginError(f"clip part {self.part!r}: suffix {self.suffix!r} must be non-empty and contain no '/'")


class ClipPartMatch(NamedTuple):
    """The clip an object belongs to (``key``) and its role in it (``part``)."""

    key: str
    part: str


@dataclass(frozen=True)
class Veto:
    """Returned from ``faceclips_before_remove`` to refuse a removal."""

    reason: str
    plugin: Optional[str] = field(default=None, compare=False)
