"""The face-model engine shared by every DeGirum family: models pinned to one device type."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from faceclips.inference import DeviceChoice, InferenceConfig, InferenceError

from . import runtime
from .blazeface import FaceDetection, decode, letterbox
from .zoo import DEFAULT_MODELS, detector_for, resolve_zoo

__all__ = ["DegirumEngine"]


class DegirumEngine:
    """Face detection (and, in a later step, embedding) on one DeGirum device type."""

    def __init__(self, choice: DeviceChoice, config: InferenceConfig) -> None:
        runtime.prepare()
        import degirum

        self.device_type = choice.device_type
        self.host = runtime.host_address(config.host)
        zoo_url, local = resolve_zoo(config.zoo)
        if config.zoo == "faceclips-default":
            name = detector_for(self.device_type)
            if name is None:
                raise InferenceError(f"the default zoo has no face detector for {self.device_type}; choose TFLITE/CPU or another zoo")
            self.variant = DEFAULT_MODELS[name]
        else:
            models = choice.engine.models.get(self.device_type)
            if not models:
                raise InferenceError(f"no face models are known for {self.device_type} in {config.zoo}")
            raise InferenceError(f"{models['face_detection']} (YOLOv8 keypoint decoding) is not supported yet; use zoo faceclips-default")
        address = degirum.LOCAL if self.host == "@local" else (degirum.CLOUD if self.host == "@cloud" else self.host)
        token = runtime.cloud_token() if self.host == "@cloud" else ""
        try:
            zoo = degirum.connect(address, zoo_url, token)
            # Pinned: exactly the chosen device type, never a list to fall back through.
            self.detector = zoo.load_model(name, device_type=self.device_type)
        except Exception as exc:
            raise InferenceError(f"cannot load {name} on {self.device_type} at {self.host}: {type(exc).__name__}: {exc}") from None

    def detect(self, frames: Iterable[np.ndarray]) -> list[list[FaceDetection]]:
        """Faces in each RGB frame (H x W x 3 uint8), batched through ``predict_batch``."""
        fits = []

        def tensors() -> Iterable[np.ndarray]:
            for frame in frames:
                tensor, fit = letterbox(np.asarray(frame), self.variant.size)
                fits.append(fit)
                yield tensor

        results = []
        for index, result in enumerate(self.detector.predict_batch(tensors())):
            results.append(decode(self.variant, result.results, fits[index]))
        return results

    def close(self) -> None:
        self.detector = None

    def describe(self) -> dict[str, Any]:
        return {"device_type": self.device_type, "host": self.host, "detector": self.variant.name}

    @staticmethod
    def model_names() -> Sequence[str]:
        return list(DEFAULT_MODELS)
