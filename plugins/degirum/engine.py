"""The face-model engine shared by every DeGirum family: models pinned to one device type."""

from __future__ import annotations

from collections import deque
from typing import Any, Callable, Iterable, Iterator, TypeVar

import numpy as np

from faceclips.inference import DeviceChoice, InferenceConfig, InferenceError

from . import runtime
from .blazeface import FaceDetection, Letterbox, crop_face, decode, letterbox, merge, tiles
from .keypoints import align_arcface, decode_keypoint_detections, family_of
from .zoo import DEFAULT_MODELS, EMBEDDING_FAMILY, detector_for, embedder_for, resolve_zoo

__all__ = ["DegirumEngine", "QUEUE_DEPTH"]

T = TypeVar("T")


def _same(item: Any) -> Any:
    return item

QUEUE_DEPTH = {"TFLITE/CPU": 1}
"""``predict_batch`` queue depth per device type where DeGirum's default (8) is slow: measured with
degirum 1.5 on 2 cores, the local TFLite agent takes 44-94 ms per BlazeFace frame with a queue
deeper than 1, and 4.4 ms with 1 (benchmarks/inference.py)."""


class DegirumEngine:
    """Face detection and embedding on one DeGirum device type."""

    def __init__(self, choice: DeviceChoice, config: InferenceConfig) -> None:
        runtime.prepare()
        import degirum

        self.device_type = choice.device_type
        self.tile_size = config.tile_size
        self.tile_overlap = config.tile_overlap
        self.host = runtime.host_address(config.host)
        server = self.host not in ("@local", "@cloud")
        if server and config.zoo == "faceclips-default":
            zoo_url = ""  # an AI server serves its own zoo: start it with --zoo <the default zoo folder>
        else:
            zoo_url, local = resolve_zoo(config.zoo)
            if server and local:
                zoo_url = ""  # a server cannot read this machine's folder; it serves the one it was given
        self.vendor = config.zoo != "faceclips-default"
        if not self.vendor:
            name = detector_for(self.device_type)
            if name is None:
                raise InferenceError(f"the default zoo has no face detector for {self.device_type}; choose TFLITE/CPU or another zoo")
            self.variant = DEFAULT_MODELS[name]
            embedder = embedder_for(self.device_type)
        else:  # a DeGirum zoo: YOLOv8 keypoint detector with built-in post-processing, ArcFace embedder
            models = choice.engine.models.get(self.device_type)
            if not models:
                raise InferenceError(f"no face models are known for {self.device_type}; use zoo faceclips-default")
            name, embedder = models["face_detection"], models["face_embedding"]
            self.embedding_family = family_of(embedder)
            self.tile_size = 0  # 640 x 640 detectors see distant faces without tiles
        self.detector_name = name
        address = degirum.LOCAL if self.host == "@local" else (degirum.CLOUD if self.host == "@cloud" else self.host)
        token = runtime.cloud_token() if self.host == "@cloud" else ""
        try:
            zoo = degirum.connect(address, zoo_url, token)
            # Pinned: exactly the chosen device type, never a list to fall back through.
            self.detector = zoo.load_model(name, device_type=self.device_type)
            known = set(zoo.list_models())
            self.embedder_name = embedder if embedder in known else None
            self.embedder = zoo.load_model(embedder, device_type=self.device_type) if self.embedder_name else None
            depth = QUEUE_DEPTH.get(self.device_type)
            for model in (self.detector, self.embedder):
                if depth is not None and model is not None:
                    model.frame_queue_depth = depth
                if self.vendor and model is not None:
                    model.input_numpy_colorspace = "RGB"  # faceclips frames are RGB
        except Exception as exc:
            raise InferenceError(f"cannot load {name} on {self.device_type} at {self.host}: {type(exc).__name__}: {exc}") from None

    def detect(self, frames: Iterable[np.ndarray]) -> list[list[FaceDetection]]:
        """Faces in each RGB frame (H x W x 3 uint8), batched through ``predict_batch``.

        Each frame is seen whole (large faces) and, when tiling is on and the frame is larger
        than a tile, as overlapping tiles (small, distant faces); the views are merged.
        """
        return [faces for _, faces in self.detect_stream(frames)]

    def detect_stream(self, items: Iterable[T], image: Callable[[T], np.ndarray] = _same) -> Iterator[tuple[T, list[FaceDetection]]]:
        """Like :meth:`detect` for an endless stream: yields ``(item, faces)`` as soon as every
        view of an item's frame (``image(item)``) is decoded, in order, through one ``predict_batch``."""
        views: deque[tuple[T, Letterbox, bool]] = deque()  # (item, mapping back to its frame, last view of it)

        def tensors() -> Iterator[np.ndarray]:
            for item in items:
                frame = np.asarray(image(item))
                boxes = tiles(frame.shape[1], frame.shape[0], self.tile_size, self.tile_overlap) if self.tile_size else []
                tensor, fit = letterbox(frame, self.variant.size)
                views.append((item, fit, not boxes))
                yield tensor
                for number, (x, y, w, h) in enumerate(boxes, 1):
                    tensor, fit = letterbox(frame[y : y + h, x : x + w], self.variant.size)
                    views.append((item, Letterbox(fit.side, fit.pad_x - x, fit.pad_y - y), number == len(boxes)))
                    yield tensor

        if self.vendor:  # the model letterboxes and decodes itself: whole frames in, faces out
            pending: deque[T] = deque()

            def frames() -> Iterator[np.ndarray]:
                for item in items:
                    pending.append(item)
                    yield np.asarray(image(item))

            for result in self.detector.predict_batch(frames()):
                yield pending.popleft(), decode_keypoint_detections(result.results)
            return
        found: list[FaceDetection] = []
        for result in self.detector.predict_batch(tensors()):
            item, fit, last = views.popleft()
            found.extend(decode(self.variant, result.results, fit))
            if last:
                yield item, merge(found)
                found = []

    embedding_family = EMBEDDING_FAMILY
    """What the embeddings are comparable with: same weights and preprocessing."""
    embedding_dimension = 512

    def embed(self, crops: Iterable[np.ndarray]) -> list[np.ndarray]:
        """A unit-length 512-d embedding per RGB face crop (any size; see :func:`crop`), batched."""
        if self.embedder is None:
            raise InferenceError("this zoo has no face embedder: run 'faceclips models build' (without --detector-only)")
        import cv2

        def tensors() -> Iterable[np.ndarray]:
            for crop in crops:
                if self.vendor:  # ArcFace: aligned 112 x 112 uint8, the model normalises
                    yield np.ascontiguousarray(np.asarray(crop)[:, :, :3])
                    continue
                image = np.asarray(crop)[:, :, :3]
                if image.shape[:2] != (160, 160):
                    image = cv2.resize(image, (160, 160), interpolation=cv2.INTER_AREA if image.shape[0] > 160 else cv2.INTER_LINEAR)
                yield ((image.astype(np.float32) - 127.5) / 128.0)[None, ...]

        vectors = []
        for result in self.embedder.predict_batch(tensors()):
            vector = np.asarray(result.results[0]["data"], dtype=np.float32).reshape(-1)
            norm = float(np.linalg.norm(vector))
            vectors.append(vector / norm if norm > 0 else vector)
        return vectors

    def crop(self, frame: np.ndarray, face: FaceDetection) -> np.ndarray:
        """The crop :meth:`embed` expects: upright 160 x 160 (FaceNet), or ArcFace-aligned 112 x 112."""
        if self.vendor:
            return align_arcface(np.asarray(frame), face)
        return crop_face(np.asarray(frame), face)

    def close(self) -> None:
        self.detector = None
        self.embedder = None

    def describe(self) -> dict[str, Any]:
        return {
            "device_type": self.device_type,
            "host": self.host,
            "detector": self.detector_name,
            "embedder": self.embedder_name,
            "embedding_family": self.embedding_family,
        }

