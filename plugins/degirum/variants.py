"""The BlazeFace models of the default zoo, as data (no NumPy needed to read this)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BlazeFaceVariant", "SHORT_RANGE", "FULL_RANGE"]


@dataclass(frozen=True)
class BlazeFaceVariant:
    """One BlazeFace model: its input size and anchor layout (MediaPipe's options)."""

    name: str
    filename: str
    size: int
    strides: tuple[int, ...]
    anchors_per_layer: int  # 1 aspect ratio, plus 1 interpolated scale when > 1
    min_score: float = 0.5
    nms_iou: float = 0.3


SHORT_RANGE = BlazeFaceVariant("blazeface-short-range", "face_detection_short_range.tflite", 128, (8, 16, 16, 16), 2)
FULL_RANGE = BlazeFaceVariant("blazeface-full-range", "face_detection_full_range.tflite", 192, (4,), 1)
