"""What every DeGirum family shares: host addresses, the onnxruntime preload, device probing.

ONNX/CPU in degirum 1.5 needs exactly onnxruntime 1.20.1, loaded into the process before
degirum scans its runtime plugins (at the first ``connect``/``get_supported_devices``).
:func:`prepare` does that once, before any other degirum call faceclips makes.
"""

from __future__ import annotations

import ctypes
import glob
import importlib.metadata
import importlib.util
import logging
import os
import threading
from typing import Optional

from faceclips.errors import ConfigError
from faceclips.inference import InferenceError

__all__ = ["ONNXRUNTIME_VERSION", "host_address", "prepare", "onnx_problem", "present_device_types", "CLOUD_TOKEN_ENV"]

log = logging.getLogger("faceclips.degirum")

ONNXRUNTIME_VERSION = "1.20.1"
CLOUD_TOKEN_ENV = "DEGIRUM_CLOUD_TOKEN"
_lock = threading.Lock()
_prepared = False
_onnx_problem: Optional[str] = None


def host_address(host: str) -> str:
    """``"@local"``, ``"@cloud"`` or ``"host[:port]"`` of a DeGirum AI server, validated."""
    value = (host or "").strip()
    if value in ("@local", "@cloud"):
        return value
    if not value or "/" in value or " " in value:
        raise ConfigError(f"inference host {host!r} must be @local, @cloud or host[:port] of a DeGirum AI server")
    return value


def cloud_token() -> str:
    """The DeGirum cloud token from the environment (never logged)."""
    token = os.environ.get(CLOUD_TOKEN_ENV, "")
    if not token:
        raise ConfigError(f"@cloud inference needs a token in the {CLOUD_TOKEN_ENV} environment variable")
    return token


def onnx_problem() -> Optional[str]:
    """Why ONNX/CPU cannot be offered in this process, or None."""
    prepare()
    return _onnx_problem


def prepare() -> None:
    """Preload onnxruntime 1.20.1 when installed, before degirum loads its runtime plugins."""
    global _prepared, _onnx_problem
    with _lock:
        if _prepared:
            return
        _prepared = True
        try:
            found = importlib.util.find_spec("onnxruntime") is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            _onnx_problem = f"ONNX/CPU needs onnxruntime=={ONNXRUNTIME_VERSION}: pip install onnxruntime=={ONNXRUNTIME_VERSION}"
            return
        version = importlib.metadata.version("onnxruntime")
        if version != ONNXRUNTIME_VERSION:
            _onnx_problem = (
                f"ONNX/CPU needs onnxruntime=={ONNXRUNTIME_VERSION} exactly (DeGirum's plugin requires that ABI), "
                f"but {version} is installed: pip install onnxruntime=={ONNXRUNTIME_VERSION}"
            )
            return
        package = os.path.dirname(importlib.util.find_spec("onnxruntime").origin or "")  # type: ignore[union-attr]
        libraries = glob.glob(os.path.join(package, "capi", f"libonnxruntime.so.{ONNXRUNTIME_VERSION}"))
        if not libraries:
            _onnx_problem = f"onnxruntime {version} is installed but its shared library was not found in {package}/capi"
            return
        ctypes.CDLL(libraries[0], mode=ctypes.RTLD_GLOBAL)
        log.debug("preloaded %s for DeGirum's ONNX plugin", libraries[0])


def present_device_types(host: str) -> list[str]:
    """Device types the DeGirum runtime reports on ``host`` (the ``DUMMY`` test device excluded)."""
    prepare()
    import degirum

    address = host_address(host)
    try:
        if address == "@cloud":
            devices = degirum.get_supported_devices(degirum.CLOUD, token=cloud_token())
        else:
            devices = degirum.get_supported_devices(degirum.LOCAL if address == "@local" else address)
    except ConfigError:
        raise
    except Exception as exc:
        raise InferenceError(f"cannot ask {address} for its devices: {type(exc).__name__}: {exc}") from None
    return sorted(device for device in devices if not device.startswith("DUMMY/"))


def _why_absent(device_type: str) -> Optional[str]:
    """Why a device type DeGirum serves is missing here, when faceclips knows."""
    if device_type == "ONNX/CPU":
        return onnx_problem()
    return None


present_device_types.why_absent = _why_absent  # type: ignore[attr-defined]
