"""Choosing an inference device by configuration: an exact ``RUNTIME/DEVICE`` or ``"auto"``.

Engines are plugins (``faceclips_inference_engines``). Each declares the device types it
serves and a ``probe`` that reports which device types are present on an inference host.
Selection never guesses: an explicit device type must be served by a plugin and present on
the host (else the error lists what is present); ``"auto"`` takes the first present, served
device in :data:`AUTO_PREFERENCE`. The chosen device type is then the only one a model may
run on (it is pinned, never a list to fall back through).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional

from .errors import ConfigError, FaceclipsError
from .types import InferenceEngineSpec

__all__ = [
    "InferenceConfig",
    "open_engine",
    "AUTO",
    "AUTO_PREFERENCE",
    "DeviceChoice",
    "InferenceError",
    "DeviceNotPresentError",
    "parse_device_type",
    "select_device",
]

AUTO = "auto"

AUTO_PREFERENCE: tuple[str, ...] = (
    # dedicated accelerators first, fastest families first
    "HAILORT/HAILO8",
    "HAILORT/HAILO8L",
    "DEEPX/M1A",
    "AXELERA/METIS",
    "MEMRYX/MX3",
    "N2X/ORCA1",
    "RKNN/RK3588",
    "TENSORRT/GPU",
    "OPENVINO/NPU",
    "OPENVINO/GPU",
    "TFLITE/EDGETPU",
    # then the CPU runtimes, fastest first (FaceNet: 10 ms ONNX vs 29 ms TFLite on 2 cores)
    "ONNX/CPU",
    "OPENVINO/CPU",
    "TFLITE/CPU",
    "N2X/CPU",
)
"""The order ``device_type = "auto"`` tries. Device types not listed are never picked automatically."""

_DEVICE = re.compile(r"^[A-Z0-9_]+/[A-Z0-9_]+$")


class InferenceError(FaceclipsError):
    """An inference engine could not be set up or failed to run."""


class DeviceNotPresentError(InferenceError):
    """The configured device type is not present on the inference host."""

    def __init__(self, requested: str, host: str, present: Iterable[str]) -> None:
        self.requested = requested
        self.present = sorted(present)
        listed = ", ".join(self.present) if self.present else "none"
        super().__init__(f"device {requested} is not present on {host}; present: {listed}")


def parse_device_type(text: str) -> str:
    """Normalise ``"hailort/hailo8"`` to ``"HAILORT/HAILO8"``; ``"auto"`` stays ``"auto"``."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigError("device_type must be 'auto' or RUNTIME/DEVICE, e.g. HAILORT/HAILO8")
    value = text.strip()
    if value.lower() == AUTO:
        return AUTO
    value = value.upper()
    if not _DEVICE.match(value):
        raise ConfigError(f"device_type {text!r} must be 'auto' or RUNTIME/DEVICE, e.g. HAILORT/HAILO8 or TFLITE/CPU")
    return value


@dataclass(frozen=True)
class DeviceChoice:
    """The device a model will be pinned to, and the plugin that serves it."""

    device_type: str
    engine: InferenceEngineSpec
    host: str


def select_device(
    requested: str,
    engines: Mapping[str, InferenceEngineSpec],
    host: str,
    probe: Callable[[InferenceEngineSpec, str], Iterable[str]],
    preference: Iterable[str] = AUTO_PREFERENCE,
    usable: Optional[Callable[[InferenceEngineSpec, str], bool]] = None,
) -> DeviceChoice:
    """Pick the engine and device type for ``requested`` (a device type or ``"auto"``).

    ``probe(spec, host)`` returns the device types present on ``host`` for that engine's
    runtime; ``usable(spec, device_type)`` may further rule out devices the configured
    model zoo has no models for.
    """
    wanted = parse_device_type(requested)
    served: dict[str, InferenceEngineSpec] = {}
    for spec in engines.values():
        for device in spec.device_types:
            served.setdefault(device, spec)
    present: set[str] = set()
    probed: set[object] = set()
    for spec in engines.values():
        key = spec.probe if isinstance(spec.probe, str) else id(spec.probe)
        if key in probed:
            continue  # engines sharing one runtime share one probe
        probed.add(key)
        present.update(probe(spec, host))
    if wanted != AUTO:
        if wanted not in served:
            raise ConfigError(
                f"no installed plugin serves device type {wanted}; served: {', '.join(sorted(served)) or 'none'}"
            )
        if wanted not in present:
            raise DeviceNotPresentError(wanted, host, present)
        spec = served[wanted]
        if usable is not None and not usable(spec, wanted):
            raise InferenceError(f"the configured model zoo has no face models for {wanted}")
        return DeviceChoice(wanted, spec, host)
    for device in preference:
        candidate = served.get(device)
        if candidate is not None and device in present and (usable is None or usable(candidate, device)):
            return DeviceChoice(device, candidate, host)
    raise DeviceNotPresentError(
        "auto (" + ", ".join(device for device in preference if device in served) + ")", host, present
    )


@dataclass(frozen=True)
class InferenceConfig:
    """Which device runs the face models, where, and from which model zoo."""

    device_type: str = AUTO
    """``"auto"`` or an exact ``RUNTIME/DEVICE`` such as ``"HAILORT/HAILO8"``."""
    host: str = "@local"
    """``"@local"``, ``"@cloud"`` (token from the environment) or a DeGirum AI server ``host[:port]``."""
    zoo: str = "faceclips-default"
    """``faceclips-default`` (built offline by ``faceclips models build``), a local zoo folder, or a cloud zoo ``org/zoo``."""
    tile_size: int = 384
    """Side of the overlapping tiles a large frame is also searched in, for distant faces; 0: whole frames only."""
    tile_overlap: int = 96
    """Overlap of neighbouring tiles: faces up to about this size are whole in some tile."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "device_type", parse_device_type(self.device_type))
        if self.tile_size < 0 or (self.tile_size and not 0 <= self.tile_overlap < self.tile_size):
            raise ConfigError("tile_size must be 0 (off) or larger than tile_overlap >= 0")


def open_engine(config: InferenceConfig, plugin_manager: Optional[Any] = None) -> Any:
    """Select the device for ``config`` among the registered engines and build that engine."""
    from .pluginmanager import get_plugin_manager

    pm = plugin_manager or get_plugin_manager()
    engines = pm.inference_engines()

    def probe(spec: InferenceEngineSpec, host: str) -> Iterable[str]:
        return spec.load_probe()(host)

    try:
        choice = select_device(
            config.device_type, engines, config.host, probe, usable=lambda spec, device: spec.load_supports()(device, config.zoo)
        )
    except DeviceNotPresentError as exc:
        hints = []
        for spec in engines.values():
            if exc.requested in spec.device_types:
                explain = getattr(spec.load_probe(), "why_absent", None)
                hint = explain(exc.requested) if explain else None
                if hint:
                    hints.append(hint)
        if hints:
            raise DeviceNotPresentError(exc.requested + " (" + "; ".join(hints) + ")", config.host, exc.present) from None
        raise
    return choice.engine.load_factory()(choice, config)
