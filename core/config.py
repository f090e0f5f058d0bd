"""Storage configuration: what to connect to, chosen explicitly, never guessed.

A :class:`StorageConfig` names its backend in one of three ways, checked in this order:

1. ``backend="local"`` — a registered backend name;
2. ``url="file:///srv/clips/alerts"`` — the URL scheme picks the backend that registered it;
3. the seed's ``endpoint`` + ``bucket`` fields — an endpoint written as a path (it contains
   ``/`` or starts with ``.`` or ``~``) is a local folder (scheme ``file``); ``host[:port]``
   is an S3 endpoint (scheme ``https``, or the endpoint's own ``http://``/``https://``).

The choice depends only on how the configuration is written, never on what exists on disk.
Secrets (``secret_key``, URL passwords, option values named like secrets) never appear in
``repr``, logs or error messages.
"""

from __future__ import annotations

import os
import re
import sys
if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping, Optional, Union
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigError

__all__ = ["StorageConfig", "ObjectStorageConfig", "load_config", "redact_url", "DEFAULT_URL", "ENV_PREFIX"]

DEFAULT_URL = "file:./clips/alerts"
"""The embedded default: folder ``./clips``, bucket ``alerts`` (the seed's own example)."""
ENV_PREFIX = "FACECLIPS_STORAGE_"
ENV_CONFIG_FILE = "FACECLIPS_CONFIG"
_SECRET_OPTION = re.compile(r"secret|token|password|passwd|credential|private", re.IGNORECASE)
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))


def _is_path_like(endpoint: str) -> bool:
    return (
        "/" in endpoint
        or "\\" in endpoint
        or endpoint.startswith((".", "~"))
        or bool(_WINDOWS_DRIVE.match(endpoint))
    )


@dataclass(frozen=True)
class ObjectStorageConfig:
    """Drop-in for ``degirum_tools.ObjectStorageConfig`` (same fields; keys default to empty).

    >>> ObjectStorageConfig(endpoint="./clips", bucket="alerts")
    ObjectStorageConfig(endpoint='./clips', bucket='alerts', access_key='', secret_key='***', url_expiration_s=3600)
    """

    endpoint: str
    access_key: str = ""
    secret_key: str = field(default="", repr=False)
    bucket: str = ""
    url_expiration_s: int = 3600

    def __repr__(self) -> str:
        return (
            f"ObjectStorageConfig(endpoint={self.endpoint!r}, bucket={self.bucket!r}, "
            f"access_key={self.access_key!r}, secret_key='***', url_expiration_s={self.url_expiration_s})"
        )


@dataclass(frozen=True)
class StorageConfig:
    """Which storage to use and how to reach it. See the module docs for how a backend is chosen."""

    url: Optional[str] = None
    backend: Optional[str] = None
    endpoint: str = ""
    bucket: str = ""
    access_key: str = ""
    secret_key: str = field(default="", repr=False)
    url_expiration_s: int = 3600
    options: Mapping[str, Any] = field(default_factory=dict)
    """Backend-specific settings, e.g. ``{"secure": False, "region": "eu-west-1"}``."""

    def __post_init__(self) -> None:
        for name in ("endpoint", "bucket", "access_key", "secret_key"):
            if not isinstance(getattr(self, name), str):
                raise ConfigError(f"storage {name} must be a string")
        for name in ("url", "backend"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise ConfigError(f"storage {name} must be a non-empty string")
        if isinstance(self.url_expiration_s, bool) or not isinstance(self.url_expiration_s, (int, float)):
            raise ConfigError("storage url_expiration_s must be a number of seconds")
        if self.url_expiration_s <= 0:
            raise ConfigError("storage url_expiration_s must be positive")
        if not isinstance(self.options, Mapping):
            raise ConfigError("storage options must be a table of settings")
        if self.url and self.endpoint:
            raise ConfigError("storage: give either url or endpoint, not both")
        if self.url is not None:
            try:
                urlsplit(self.url)
            except ValueError as exc:
                raise ConfigError(f"storage url {redact_url(self.url)} is not a valid URL: {exc}") from None

    # -- construction -------------------------------------------------------------------

    @classmethod
    def coerce(cls, value: Any) -> "StorageConfig":
        """Accept a StorageConfig, a URL string, a mapping, or any object with the seed's fields.

        A ``degirum_tools.ObjectStorageConfig`` works unchanged (duck-typed).
        """
        if isinstance(value, StorageConfig):
            return value
        if isinstance(value, (str, os.PathLike)):
            return cls(url=os.fspath(value))
        if isinstance(value, Mapping):
            return cls.from_mapping(value, source="mapping")
        if hasattr(value, "endpoint") and hasattr(value, "bucket"):
            return cls(
                endpoint=str(value.endpoint or ""),
                bucket=str(value.bucket or ""),
                access_key=str(getattr(value, "access_key", "") or ""),
                secret_key=str(getattr(value, "secret_key", "") or ""),
                url_expiration_s=getattr(value, "url_expiration_s", 3600) or 3600,
            )
        raise ConfigError(
            f"cannot use a {type(value).__name__} as storage configuration; "
            "pass a StorageConfig, a URL, a mapping or an ObjectStorageConfig"
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "configuration") -> "StorageConfig":
        """Build from a mapping of field names; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{source}: unknown storage setting(s) {', '.join(unknown)}; valid: {', '.join(sorted(known))}")
        return cls(**dict(data))

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None, base: Optional["StorageConfig"] = None) -> "StorageConfig":
        """Apply ``FACECLIPS_STORAGE_*`` variables on top of ``base`` (or the defaults).

        ``FACECLIPS_STORAGE_OPTION_<NAME>`` sets ``options[<name>]`` (lower-cased).
        """
        env = os.environ if environ is None else environ
        updates: dict[str, Any] = {}
        options = dict(base.options) if base else {}
        for key, value in env.items():
            if not key.startswith(ENV_PREFIX):
                continue
            name = key[len(ENV_PREFIX) :].lower()
            if name.startswith("option_") and len(name) > 7:
                options[name[7:]] = value
            elif name == "url_expiration_s":
                try:
                    updates[name] = int(value)
                except ValueError:
                    raise ConfigError(f"{key} must be a whole number of seconds") from None
            elif name in ("url", "backend", "endpoint", "bucket", "access_key", "secret_key"):
                updates[name] = value
            else:
                raise ConfigError(f"unknown environment variable {key}")
        if "url" in updates:
            updates.setdefault("endpoint", "")
        elif "endpoint" in updates:
            updates.setdefault("url", None)
        return replace(base or cls(), options=options, **updates)

    @property
    def scheme(self) -> Optional[str]:
        """The URL scheme that selects the backend, derived from ``url`` or ``endpoint``."""
        if self.url is not None:
            text = self.url
            if _WINDOWS_DRIVE.match(text):
                return "file"
            scheme = urlsplit(text).scheme.lower()
            if not scheme:
                raise ConfigError(
                    f"storage url {redact_url(text)!r} has no scheme; write file:///absolute/path/bucket "
                    "or file:./relative/path/bucket for a folder"
                )
            return scheme
        if self.endpoint:
            if "://" in self.endpoint:
                return urlsplit(self.endpoint).scheme.lower()
            return "file" if _is_path_like(self.endpoint) else "https"
        return None

    def describe(self) -> str:
        """A one-line, secret-free description for messages."""
        if self.url is not None:
            return redact_url(self.url)
        if self.endpoint:
            return f"endpoint {self.endpoint!r}, bucket {self.bucket!r}"
        if self.backend:
            return f"backend {self.backend!r}"
        return "no storage"

    def __repr__(self) -> str:
        shown = []
        for name in ("url", "backend", "endpoint", "bucket", "access_key"):
            value = getattr(self, name)
            if value:
                shown.append(f"{name}={redact_url(value) if name == 'url' else value!r}")
        if self.secret_key:
            shown.append("secret_key='***'")
        if self.url_expiration_s != 3600:
            shown.append(f"url_expiration_s={self.url_expiration_s}")
        if self.options:
            opts = {k: ("***" if _SECRET_OPTION.search(k) else v) for k, v in self.options.items()}
            shown.append(f"options={opts!r}")
        return f"StorageConfig({', '.join(shown)})"

    __str__ = __repr__


SECTIONS = ("storage", "retention", "inference", "recognizer", "tracker", "alerts")
"""Top-level tables of a faceclips TOML file (see :mod:`faceclips.settings`)."""


def read_config_file(path: Union[str, os.PathLike[str]]) -> dict[str, Any]:
    """The tables of a faceclips TOML file; unknown sections are an error."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"configuration file {os.fspath(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {os.fspath(path)!r} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"{os.fspath(path)}: unknown section(s) {', '.join(unknown)}; valid: {', '.join(SECTIONS)}")
    return data


def load_config(
    config_file: Optional[Union[str, os.PathLike[str]]] = None,
    *,
    url: Optional[str] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> StorageConfig:
    """Storage configuration from (lowest to highest precedence) the default, a TOML file,
    ``FACECLIPS_STORAGE_*`` variables, and an explicit ``url``.

    The file is ``config_file``, else ``$FACECLIPS_CONFIG``, else none.
    """
    env = os.environ if environ is None else environ
    path = config_file or env.get(ENV_CONFIG_FILE)
    config = StorageConfig(url=DEFAULT_URL)
    if path:
        table = read_config_file(Path(path)).get("storage", {})
        if not isinstance(table, Mapping):
            raise ConfigError(f"{os.fspath(path)}: [storage] must be a table")
        if table:
            config = StorageConfig.from_mapping(table, source=os.fspath(path))
    config = StorageConfig.from_env(env, base=config)
    if url:
        config = replace(config, url=url, endpoint="", backend=None)
    return config
