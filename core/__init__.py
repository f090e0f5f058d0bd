"""faceclips: keep, list, share and manage the video clips a face-tracking pipeline records.

>>> import faceclips
>>> manager = faceclips.FaceClipManager("memory://doctest", create_bucket=True)
>>> clip = manager.save_clip(b"...", camera_id="door")
>>> list(manager.list_clips()) == [clip.key]
True
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .clipmanager import FaceClipManager, RemovalReport
from .clips import Clip
from .config import ObjectStorageConfig, StorageConfig, load_config
from .connect import open_storage
from .errors import (
    AuthError,
    BucketNotFoundError,
    ConfigError,
    FaceclipsError,
    InvalidNameError,
    MissingExtraError,
    NotFoundError,
    ObjectNotFoundError,
    PartialFailureError,
    PluginConflictError,
    PluginError,
    RemovalVetoedError,
    StorageError,
    UnavailableError,
    UnknownComponentError,
)
from .hookspecs import hookimpl, hookspec
from .objects import DeleteReport, ObjectInfo
from .pluginmanager import PluginManager, get_plugin_manager, reset_plugin_manager
from .storage import StorageBackend
from .timestamps import Timestamp
from .identities import IdentityDB
from .recognizer import FaceRecognizer
from .settings import Settings, load_settings
from .tracker import FaceTracker
from .types import (
    ClipPartMatch,
    ClipPartSpec,
    InferenceEngineSpec,
    NotifierSpec,
    RetentionPolicySpec,
    StorageBackendSpec,
    TrackerSpec,
    FaceFilterSpec,
    VideoSourceSpec,
    Veto,
)

try:
    __version__ = version("faceclips")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "FaceClipManager",
    "RemovalReport",
    "Clip",
    "ObjectStorageConfig",
    "StorageConfig",
    "load_config",
    "open_storage",
    "StorageBackend",
    "ObjectInfo",
    "DeleteReport",
    "Timestamp",
    "PluginManager",
    "get_plugin_manager",
    "reset_plugin_manager",
    "hookimpl",
    "hookspec",
    "StorageBackendSpec",
    "InferenceEngineSpec",
    "NotifierSpec",
    "RetentionPolicySpec",
    "TrackerSpec",
    "FaceFilterSpec",
    "VideoSourceSpec",
    "FaceTracker",
    "FaceRecognizer",
    "IdentityDB",
    "Settings",
    "load_settings",
    "ClipPartSpec",
    "ClipPartMatch",
    "Veto",
    "FaceclipsError",
    "ConfigError",
    "UnknownComponentError",
    "PluginError",
    "PluginConflictError",
    "MissingExtraError",
    "StorageError",
    "NotFoundError",
    "ObjectNotFoundError",
    "BucketNotFoundError",
    "InvalidNameError",
    "AuthError",
    "UnavailableError",
    "RemovalVetoedError",
    "PartialFailureError",
    "__version__",
]
