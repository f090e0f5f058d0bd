"""Turning a storage configuration into a backend, through the registered plugins."""

from __future__ import annotations

from typing import Any, Optional

from .config import StorageConfig
from .errors import ConfigError, PluginError, UnknownComponentError
from .pluginmanager import PluginManager, get_plugin_manager
from .storage import StorageBackend

__all__ = ["open_storage"]


def open_storage(config: Any, plugin_manager: Optional[PluginManager] = None) -> StorageBackend:
    """Build the backend a configuration selects (by name, URL scheme or endpoint form).

    >>> open_storage("memory://scratch").location
    'memory://scratch'
    """
    config = StorageConfig.coerce(config)
    pm = plugin_manager or get_plugin_manager()
    if config.backend:
        spec = pm.get_storage_backend(config.backend)
    else:
        scheme = config.scheme
        if scheme is None:
            raise ConfigError("storage configuration is empty: set url, backend, or endpoint and bucket")
        if config.endpoint and not config.bucket:
            raise ConfigError(f"storage endpoint {config.endpoint!r} is set but bucket is empty")
        try:
            spec = pm.storage_backend_for_scheme(scheme)
        except UnknownComponentError as exc:
            if config.endpoint and scheme in ("http", "https"):
                raise UnknownComponentError(
                    f"storage URL scheme (endpoint {config.endpoint!r} is an S3 host; "
                    f"for a folder write './{config.endpoint}')",
                    scheme,
                    exc.choices,
                ) from None
            raise
    backend = spec.load_factory()(config)
    if not isinstance(backend, StorageBackend):
        raise PluginError(f"storage backend {spec.name!r} built a {type(backend).__name__}, not a StorageBackend")
    return backend
