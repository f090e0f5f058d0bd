"""One error hierarchy for faceclips.

Every error a user can meet derives from :class:`FaceclipsError`. Storage backends
translate their own exceptions into the storage branch and chain the original
(``raise NotFound(...) from exc``), so callers handle one set of types whatever
backend is configured. Messages never contain secrets.
"""

from __future__ import annotations

from typing import Any


class FaceclipsError(Exception):
    """Base class of every error faceclips raises on purpose."""


class ConfigError(FaceclipsError, ValueError):
    """A configuration is invalid, incomplete, or names something unknown."""


class UnknownComponentError(ConfigError):
    """A backend, engine or notifier name (or URL scheme) that no plugin registers."""

    def __init__(self, kind: str, name: str, choices: list[str]) -> None:
        self.kind = kind
        self.name = name
        self.choices = sorted(choices)
        listed = ", ".join(self.choices) if self.choices else "(none registered)"
        super().__init__(f"unknown {kind} {name!r}; choose one of: {listed}")


class PluginError(FaceclipsError):
    """A plugin could not be loaded or contradicts another plugin."""


class PluginConflictError(PluginError):
    """Two plugins claim the same component name or URL scheme."""


class MissingExtraError(PluginError, ImportError):
    """A plugin is registered but the optional dependency it needs is not installed."""

    def __init__(self, component: str, install_hint: str, missing: str = "") -> None:
        self.component = component
        self.install_hint = install_hint
        what = f" (missing module {missing!r})" if missing else ""
        super().__init__(f"{component} needs an optional dependency{what}; install it with: {install_hint}")


class StorageError(FaceclipsError):
    """A storage operation failed. The backend's own exception is chained as ``__cause__``."""


class NotFoundError(StorageError, LookupError):
    """An object or bucket does not exist."""


class ObjectNotFoundError(NotFoundError):
    """The named object does not exist in the bucket."""

    def __init__(self, object_name: str, where: str = "") -> None:
        self.object_name = object_name
        suffix = f" in {where}" if where else ""
        super().__init__(f"object {object_name!r} not found{suffix}")


class BucketNotFoundError(NotFoundError):
    """The configured bucket does not exist (it is created only when asked)."""

    def __init__(self, where: str) -> None:
        self.where = where
        super().__init__(f"bucket {where} does not exist (create it with ensure_bucket() or 'faceclips clips init')")


class InvalidNameError(StorageError, ValueError):
    """An object or bucket name is unsafe or malformed; rejected before any I/O."""

    def __init__(self, name: Any, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"invalid object name {name!r}: {reason}")


class AuthError(StorageError, PermissionError):
    """The storage refused the credentials or the operation."""


class UnavailableError(StorageError, ConnectionError):
    """The storage could not be reached or answered with a transient fault."""


class RemovalVetoedError(FaceclipsError):
    """A plugin vetoed the removal of a clip (for example a legal hold)."""

    def __init__(self, clip_key: str, reasons: list[str]) -> None:
        self.clip_key = clip_key
        self.reasons = list(reasons)
        super().__init__(f"removal of clip {clip_key!r} vetoed: " + "; ".join(self.reasons))


class PartialFailureError(StorageError):
    """A batch operation finished, but some items failed; ``report`` holds the details."""

    def __init__(self, message: str, report: Any) -> None:
        self.report = report
        super().__init__(message)
