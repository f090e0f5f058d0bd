"""Test videos built from real photos: the astronaut and an LFW face moving and scaling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import skimage.data

from faceclips.recording import TimedFrame, encode_h264

FPS = 12.5
FRAMES = 100
VISITOR_PRESENT = [*range(20, 46), *range(50, 61), *range(81, 100)]
"""Frames where the LFW visitor is in view: a short occlusion (46-49) and a long absence (61-80)."""


def astronaut_face(side: int) -> np.ndarray:
    import cv2

    return cv2.resize(skimage.data.astronaut()[30:260, 120:330], (side * 210 // 230, side), interpolation=cv2.INTER_AREA)


def visitor_face(side: int = 150, index: int = 10) -> np.ndarray:
    import cv2

    face = cv2.resize((skimage.data.lfw_subset()[index] * 255).astype(np.uint8), (side, side), interpolation=cv2.INTER_CUBIC)
    return np.repeat(face[:, :, None], 3, axis=2)


def scene(index: int, visitor: bool) -> np.ndarray:
    """Frame ``index`` of a 640x480 scene: the astronaut drifting and growing, maybe the visitor."""
    frame = np.full((480, 640, 3), 90, np.uint8)
    side = 150 + (index % 40)
    face = astronaut_face(side)
    x = 20 + (2 * index) % 120
    frame[40 : 40 + face.shape[0], x : x + face.shape[1]] = face
    if visitor:
        person = visitor_face(150)
        left = 440 - 2 * (index % 60)
        frame[300:450, left : left + 150] = person
    return frame


def frames(count: int = FRAMES, fps: float = FPS, present: list[int] = VISITOR_PRESENT) -> list[TimedFrame]:
    shown = set(present)
    return [TimedFrame(scene(index, index in shown), index / fps) for index in range(count)]


def write_video(path: Path, count: int = FRAMES, fps: float = FPS, present: list[int] = VISITOR_PRESENT) -> Path:
    encode_h264(frames(count, fps, present), path)
    return path
