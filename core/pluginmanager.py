"""Loading plugins and resolving the components they register.

Built-in plugins and third-party ones load the same way: through the ``faceclips``
entry-point group. A plugin that fails to import is logged and skipped; two plugins that
claim one component name or URL scheme is an error naming both.

Environment variables:

``FACECLIPS_PLUGINS``
    Comma-separated entry-point (or distribution) names: only these load. Empty: none.
``FACECLIPS_DISABLE_PLUGIN_AUTOLOAD``
    ``1``/``true``: load only the plugins the ``faceclips`` distribution itself ships;
    third-party plugins must then be registered in code with :meth:`PluginManager.register`.
"""

from __future__ import annotations

import importlib.metadata as metadata
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional, TypeVar

import pluggy

from . import hookspecs
from .clipparts import CorePartsPlugin, KeepPlugin
from .errors import PluginConflictError, PluginError, UnknownComponentError
from .types import (
    ClipPartSpec,
    ComponentSpec,
    FaceFilterSpec,
    InferenceEngineSpec,
    NotifierSpec,
    RetentionPolicySpec,
    SchemedSpec,
    StorageBackendSpec,
    TrackerSpec,
    VideoSourceSpec,
)

__all__ = [
    "PluginManager",
    "PluginInfo",
    "get_plugin_manager",
    "reset_plugin_manager",
    "ENTRY_POINT_GROUP",
    "ENV_PLUGINS",
    "ENV_DISABLE_AUTOLOAD",
]

log = logging.getLogger("faceclips.plugins")

ENTRY_POINT_GROUP = "faceclips"
ENV_PLUGINS = "FACECLIPS_PLUGINS"
ENV_DISABLE_AUTOLOAD = "FACECLIPS_DISABLE_PLUGIN_AUTOLOAD"
DISTRIBUTION = "faceclips"
CORE_PLUGIN = "faceclips.core"
KEEP_PLUGIN = "faceclips.keep"

SpecT = TypeVar("SpecT", bound=ComponentSpec)
SchemedT = TypeVar("SchemedT", bound=SchemedSpec)


@dataclass(frozen=True)
class PluginInfo:
    """What ``faceclips plugins`` shows about one loaded plugin."""

    name: str
    distribution: Optional[str]
    version: Optional[str]
    builtin: bool
    hooks: tuple[str, ...]


def _truthy(value: Optional[str]) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


class PluginManager(pluggy.PluginManager):
    """A pluggy manager with faceclips' hook specs, entry-point loading and component lookup."""

    def __init__(self, *, autoload: bool = True, environ: Optional[Mapping[str, str]] = None) -> None:
        super().__init__(hookspecs.PROJECT_NAME)
        self.add_hookspecs(hookspecs.FaceclipsSpecs)
        self.failed: dict[str, str] = {}
        """Plugins that could not be loaded: name -> one-line reason."""
        self._distributions: dict[str, tuple[str, str]] = {}
        self._cache: dict[str, Any] = {}
        self._lock = threading.RLock()
        self.register(CorePartsPlugin(), name=CORE_PLUGIN)
        self.register(KeepPlugin(), name=KEEP_PLUGIN)
        if autoload:
            self.load_entrypoint_plugins(os.environ if environ is None else environ)

    # -- loading ----------------------------------------------------------------

    def load_entrypoint_plugins(self, environ: Mapping[str, str]) -> list[str]:
        """Load plugins from the ``faceclips`` entry-point group, honouring the env vars."""
        only = environ.get(ENV_PLUGINS)
        allowed = None if only is None else {n.strip() for n in only.split(",") if n.strip()}
        builtins_only = _truthy(environ.get(ENV_DISABLE_AUTOLOAD))
        loaded = []
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist_name = ep.dist.name if ep.dist is not None else None
            dist_version = ep.dist.version if ep.dist is not None else None
            if builtins_only and dist_name != DISTRIBUTION:
                log.debug("plugin %s not loaded: %s is set", ep.name, ENV_DISABLE_AUTOLOAD)
                continue
            if allowed is not None and ep.name not in allowed and dist_name not in allowed:
                log.debug("plugin %s not loaded: not in %s", ep.name, ENV_PLUGINS)
                continue
            if self.has_plugin(ep.name):
                previous = self._distributions.get(ep.name, (None, None))[0]
                if previous == dist_name:
                    continue  # the same distribution seen twice on sys.path
                raise PluginConflictError(
                    f"plugin name {ep.name!r} is registered by both {previous or 'code'!r} and {dist_name!r}"
                )
            try:
                plugin = ep.load()
                self.register(plugin, name=ep.name)
            except Exception as exc:  # a broken third-party plugin must not break faceclips
                reason = f"{type(exc).__name__}: {exc}"
                self.failed[ep.name] = reason
                log.warning("plugin %s (from %s) failed to load and is skipped: %s", ep.name, dist_name, reason)
                continue
            self._distributions[ep.name] = (dist_name or "", dist_version or "")
            loaded.append(ep.name)
        return loaded

    def register(self, plugin: object, name: Optional[str] = None) -> Optional[str]:
        """Register a plugin object (a module or instance with hook implementations)."""
        with self._lock:
            self._cache.clear()
            return super().register(plugin, name)

    def unregister(self, plugin: Optional[object] = None, name: Optional[str] = None) -> Any:
        """Unregister a plugin by object or name."""
        with self._lock:
            self._cache.clear()
            return super().unregister(plugin, name)

    # -- introspection ----------------------------------------------------------

    def plugin_infos(self) -> list[PluginInfo]:
        """Loaded plugins with their distribution, version and implemented hooks."""
        infos = []
        for name, plugin in sorted(self.list_name_plugin(), key=lambda item: str(item[0])):
            if plugin is None:
                continue
            hooks = tuple(sorted(caller.name for caller in self.get_hookcallers(plugin) or ()))
            dist, version = self._distributions.get(name, (None, None))
            if name in (CORE_PLUGIN, KEEP_PLUGIN):
                dist, version = DISTRIBUTION, _own_version()
            infos.append(
                PluginInfo(name=name, distribution=dist, version=version, builtin=dist == DISTRIBUTION, hooks=hooks)
            )
        return infos

    # -- components -------------------------------------------------------------

    def _collect(self, hook_name: str, record_type: type, key: Callable[[Any], Iterable[tuple[str, str]]]) -> list[Any]:
        """Call a registration hook impl by impl, so conflicts can name both plugins."""
        with self._lock:
            if hook_name in self._cache:
                return self._cache[hook_name]
            claimed: dict[tuple[str, str], str] = {}
            records: list[Any] = []
            for impl in getattr(self.hook, hook_name).get_hookimpls():
                try:
                    result = impl.function() or ()
                    batch = [result] if isinstance(result, record_type) else list(result)
                except Exception as exc:
                    reason = f"{hook_name} raised {type(exc).__name__}: {exc}"
                    self.failed[impl.plugin_name] = reason
                    log.warning("plugin %s skipped: %s", impl.plugin_name, reason)
                    continue
                for record in batch:
                    if not isinstance(record, record_type):
                        raise PluginError(
                            f"plugin {impl.plugin_name!r}: {hook_name} returned {type(record).__name__}, "
                            f"expected {record_type.__name__}"
                        )
                    for what, value in key(record):
                        owner = claimed.get((what, value))
                        if owner is not None:
                            raise PluginConflictError(
                                f"{what} {value!r} is claimed by both plugin {owner!r} and plugin {impl.plugin_name!r}"
                            )
                        claimed[(what, value)] = impl.plugin_name
                    records.append(record)
            self._cache[hook_name] = records
            return records

    def _named(self, hook_name: str, record_type: type, extra: Callable[[Any], Iterable[tuple[str, str]]]) -> dict[str, Any]:
        def keys(record: Any) -> Iterable[tuple[str, str]]:
            yield (f"{record.kind} name", record.name)
            yield from extra(record)

        return {record.name: record for record in self._collect(hook_name, record_type, keys)}

    def storage_backends(self) -> dict[str, StorageBackendSpec]:
        """Registered storage backends by name (conflicting names or schemes raise)."""
        return self._named(
            "faceclips_storage_backends",
            StorageBackendSpec,
            lambda spec: (("URL scheme", scheme) for scheme in spec.schemes),
        )

    def inference_engines(self) -> dict[str, InferenceEngineSpec]:
        """Registered inference engines by name."""
        return self._named("faceclips_inference_engines", InferenceEngineSpec, lambda spec: ())

    def notifiers(self) -> dict[str, NotifierSpec]:
        """Registered notifiers by name."""
        return self._named("faceclips_notifiers", NotifierSpec, lambda spec: ())

    def retention_policies(self) -> dict[str, RetentionPolicySpec]:
        """Registered retention policies by name."""
        return self._named("faceclips_retention_policies", RetentionPolicySpec, lambda spec: ())

    def trackers(self) -> dict[str, TrackerSpec]:
        """Registered trackers by name."""
        return self._named("faceclips_trackers", TrackerSpec, lambda spec: ())

    def face_filters(self) -> dict[str, FaceFilterSpec]:
        """Registered face filters by name."""
        return self._named("faceclips_face_filters", FaceFilterSpec, lambda spec: ())

    def video_sources(self) -> dict[str, VideoSourceSpec]:
        """Registered video sources by name (conflicting names or schemes raise)."""
        return self._named(
            "faceclips_video_sources", VideoSourceSpec, lambda spec: (("video source scheme", scheme) for scheme in spec.schemes)
        )

    def video_source_for_scheme(self, scheme: str) -> VideoSourceSpec:
        """The video source serving ``scheme``; the error lists the schemes that are served."""
        return _for_scheme(self.video_sources(), scheme, "video source scheme")

    def get_tracker(self, name: str) -> TrackerSpec:
        """The tracker registered under ``name``."""
        return _lookup(self.trackers(), name, "tracker")

    def get_face_filter(self, name: str) -> FaceFilterSpec:
        """The face filter registered under ``name``."""
        return _lookup(self.face_filters(), name, "face filter")

    def get_retention_policy(self, name: str) -> RetentionPolicySpec:
        """The retention policy registered under ``name``."""
        return _lookup(self.retention_policies(), name, "retention policy")

    def clip_parts(self) -> list[ClipPartSpec]:
        """Declared clip parts; a suffix claimed twice raises."""
        return list(self._collect("faceclips_clip_parts", ClipPartSpec, lambda spec: (("clip part suffix", spec.suffix),)))

    def get_storage_backend(self, name: str) -> StorageBackendSpec:
        """The backend registered under ``name``; the error lists the valid choices."""
        return _lookup(self.storage_backends(), name, "storage backend")

    def storage_backend_for_scheme(self, scheme: str) -> StorageBackendSpec:
        """The backend serving URL ``scheme``; the error lists the schemes that are served."""
        return _for_scheme(self.storage_backends(), scheme, "storage URL scheme")

    def get_inference_engine(self, name: str) -> InferenceEngineSpec:
        """The inference engine registered under ``name``."""
        return _lookup(self.inference_engines(), name, "inference engine")

    def get_notifier(self, name: str) -> NotifierSpec:
        """The notifier registered under ``name``."""
        return _lookup(self.notifiers(), name, "notifier")


def _for_scheme(registry: dict[str, SchemedT], scheme: str, kind: str) -> SchemedT:
    """The component of ``registry`` serving URL ``scheme`` (any case)."""
    scheme = scheme.lower()
    by_scheme = {s: spec for spec in registry.values() for s in spec.schemes}
    if scheme not in by_scheme:
        raise UnknownComponentError(kind, scheme, [f"{s}://" for s in by_scheme])
    return by_scheme[scheme]


def _lookup(registry: dict[str, SpecT], name: str, kind: str) -> SpecT:
    try:
        return registry[name]
    except KeyError:
        raise UnknownComponentError(kind, name, list(registry)) from None


def _own_version() -> Optional[str]:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


_default: Optional[PluginManager] = None
_default_lock = threading.Lock()


def get_plugin_manager() -> PluginManager:
    """The process-wide plugin manager, created (and plugins loaded) on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = PluginManager()
        return _default


def reset_plugin_manager() -> None:
    """Forget the process-wide manager; the next :func:`get_plugin_manager` reloads plugins."""
    global _default
    with _default_lock:
        _default = None
