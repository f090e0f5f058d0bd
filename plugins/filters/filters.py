"""The built-in face filters. Each keeps a face (True) or excludes it from recognition."""

from __future__ import annotations

from typing import Sequence

from faceclips.errors import ConfigError
from faceclips.faces import FaceDetection

__all__ = ["MinSize", "Zone", "Frontal"]


class MinSize:
    """Faces whose box is at least ``pixels`` wide and tall (small faces embed poorly)."""

    def __init__(self, pixels: float = 40) -> None:
        if not isinstance(pixels, (int, float)) or pixels < 0:
            raise ConfigError("min_size: pixels must be a non-negative number")
        self.pixels = float(pixels)

    def keep(self, face: FaceDetection, width: int, height: int) -> bool:
        return min(face.width, face.height) >= self.pixels


def _inside(x: float, y: float, polygon: Sequence[tuple[float, float]]) -> bool:
    """Even-odd rule point-in-polygon test."""
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


class Zone:
    """Faces whose box centre lies inside ``polygon`` (``[[x, y], …]``, at least 3 points).

    Coordinates are pixels, or fractions of the frame size when ``normalized = true``.
    """

    def __init__(self, polygon: Sequence[Sequence[float]] = (), normalized: bool = False) -> None:
        try:
            points = [(float(x), float(y)) for x, y in polygon]
        except (TypeError, ValueError):
            raise ConfigError("zone: polygon must be a list of [x, y] points") from None
        if len(points) < 3:
            raise ConfigError("zone: polygon needs at least 3 points")
        self.polygon, self.normalized = points, bool(normalized)

    def keep(self, face: FaceDetection, width: int, height: int) -> bool:
        x, y = (face.bbox[0] + face.bbox[2]) / 2, (face.bbox[1] + face.bbox[3]) / 2
        if self.normalized:
            x, y = x / width, y / height
        return _inside(x, y, self.polygon)


class Frontal:
    """Faces turned towards the camera: the nose tip lies inside the eyes-mouth triangle,
    shrunk towards its centre by ``margin`` (0 = the whole triangle)."""

    def __init__(self, margin: float = 0.0) -> None:
        if not 0 <= margin < 1:
            raise ConfigError("frontal: margin must be in [0, 1)")
        self.margin = margin

    def keep(self, face: FaceDetection, width: int, height: int) -> bool:
        if len(face.landmarks) < 4:
            return False
        right_eye, left_eye, nose, mouth = face.landmarks[:4]
        cx = (right_eye[0] + left_eye[0] + mouth[0]) / 3
        cy = (right_eye[1] + left_eye[1] + mouth[1]) / 3
        shrink = 1 - self.margin
        triangle = [(cx + (x - cx) * shrink, cy + (y - cy) * shrink) for x, y in (right_eye, left_eye, mouth)]
        return _inside(nose[0], nose[1], triangle)
