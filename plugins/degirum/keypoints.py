"""Vendor-zoo face models: YOLOv8 keypoint detections from DeGirum's built-in post-processing,
and ArcFace alignment for their embedders.

DeGirum's zoo detectors (``yolov8n_relu6_widerface_kpts--640x640_…``) carry their own
post-processing: each result is ``{"bbox": [x1, y1, x2, y2], "score": s, "landmarks":
[{"landmark": [x, y], …} × 5]}`` in frame pixels, landmarks ordered image-left eye, image-right
eye, nose, image-left mouth corner, image-right mouth corner. Their ArcFace embedders take
112 x 112 crops aligned on those five points to the ArcFace template (a similarity transform).
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

import numpy as np

from faceclips.faces import FaceDetection

__all__ = ["decode_keypoint_detections", "ARCFACE_TEMPLATE", "align_arcface", "family_of"]

ARCFACE_TEMPLATE = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float32
)
"""Where ArcFace training crops (112 x 112) put the eyes, nose tip and mouth corners."""


def decode_keypoint_detections(results: Iterable[dict[str, Any]], min_score: float = 0.5) -> list[FaceDetection]:
    """Faces from DeGirum keypoint-detection results, as :class:`FaceDetection` with six points:
    eyes, nose, mouth centre (the common four), then the two mouth corners."""
    faces = []
    for result in results:
        points = result.get("landmarks") or []
        score = float(result.get("score", 0.0))
        if score < min_score or len(points) < 5 or "bbox" not in result:
            continue
        try:
            eye_a, eye_b, nose, mouth_a, mouth_b = ((float(point["landmark"][0]), float(point["landmark"][1])) for point in points[:5])
            x1, y1, x2, y2 = (float(v) for v in result["bbox"][:4])
        except (KeyError, TypeError, ValueError):
            continue
        mouth = ((mouth_a[0] + mouth_b[0]) / 2, (mouth_a[1] + mouth_b[1]) / 2)
        faces.append(FaceDetection((x1, y1, x2, y2), score, (eye_a, eye_b, nose, mouth, mouth_a, mouth_b)))
    return faces


def align_arcface(frame: np.ndarray, face: FaceDetection, size: int = 112) -> np.ndarray:
    """The ``size`` x ``size`` ArcFace-aligned crop of a face with six keypoints (see above).

    When the five points are degenerate (no transform exists), the box is cropped and resized
    instead of failing (degirum-face crashes there).
    """
    import cv2

    target = ARCFACE_TEMPLATE * (size / 112.0)
    if len(face.landmarks) >= 6:
        source = np.array([face.landmarks[i] for i in (0, 1, 2, 4, 5)], dtype=np.float32)
        matrix, _ = cv2.estimateAffinePartial2D(source, target, method=cv2.LMEDS)
        if matrix is not None:
            return cv2.warpAffine(frame, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    x1, y1, x2, y2 = (int(round(v)) for v in face.bbox)
    height, width = frame.shape[:2]
    box = frame[max(0, y1) : min(height, y2), max(0, x1) : min(width, x2)]
    if box.size == 0:
        return np.zeros((size, size, 3), np.uint8)
    return cv2.resize(box, (size, size), interpolation=cv2.INTER_AREA)


def family_of(model_name: str) -> str:
    """The embedding family of a DeGirum zoo embedder: its architecture and input, without the
    runtime, quantisation and device (``arcface_gender_age--112x112_float_tflite_…`` ->
    ``arcface_gender_age/112x112/arcface-aligned``)."""
    base, _, rest = model_name.partition("--")
    size: Optional[str] = rest.split("_", 1)[0] if rest else None
    return f"{base}/{size or 'unknown'}/arcface-aligned"
