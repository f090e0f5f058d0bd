"""Vendor-zoo models (cloud-only, so tested on DeGirum's documented result format): YOLOv8
keypoint detections and ArcFace alignment."""

from __future__ import annotations

import numpy as np
import pytest

from faceclips.faces import FaceDetection
from faceclips.plugins.degirum.keypoints import ARCFACE_TEMPLATE, align_arcface, decode_keypoint_detections, family_of
from faceclips.plugins.filters.filters import Frontal


def result(bbox, score, points):
    return {"bbox": bbox, "score": score, "category_id": 0, "label": "face",
            "landmarks": [{"landmark": list(p), "score": 0.9, "category_id": i, "label": str(i)} for i, p in enumerate(points)]}


def test_decodes_degirum_keypoint_results():
    points = [(40, 40), (60, 40), (50, 52), (43, 65), (57, 65)]
    faces = decode_keypoint_detections([
        result([30, 30, 70, 75], 0.91, points),
        result([0, 0, 5, 5], 0.2, points),  # below the score threshold
        {"bbox": [1, 1, 9, 9], "score": 0.99},  # no landmarks: not a face the pipeline can align
        result([1, 1, 9, 9], 0.99, points[:3]),  # too few landmarks
    ])
    assert len(faces) == 1
    face = faces[0]
    assert face.bbox == (30, 30, 70, 75) and face.score == pytest.approx(0.91)
    assert face.landmarks == ((40, 40), (60, 40), (50, 52), (50, 65), (43, 65), (57, 65))  # mouth centre added
    assert Frontal().keep(face, 640, 480)  # the common four points serve the filters


def test_arcface_alignment_puts_the_five_points_on_the_template():
    ys, xs = np.mgrid[0:256, 0:256]
    frame = np.stack([xs, ys, np.zeros_like(xs)], axis=2).astype(np.uint8)  # a pixel's colour is its position
    angle = np.radians(12)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) * 1.7
    source = ARCFACE_TEMPLATE @ rotation.T + np.array([60.0, 40.0])
    five = [tuple(p) for p in source]
    mouth = tuple((source[3] + source[4]) / 2)
    face = FaceDetection((50, 30, 220, 230), 0.9, (five[0], five[1], five[2], mouth, five[3], five[4]))
    crop = align_arcface(frame, face)
    assert crop.shape == (112, 112, 3)
    for (tx, ty), (sx, sy) in zip(ARCFACE_TEMPLATE, source, strict=True):
        r, g, _ = crop[int(round(ty)), int(round(tx))]
        assert abs(int(r) - sx) <= 1.5 and abs(int(g) - sy) <= 1.5


def test_degenerate_points_fall_back_to_the_box():
    frame = np.full((100, 100, 3), 7, np.uint8)
    face = FaceDetection((10, 10, 50, 60), 0.9, ((20, 20),) * 6)
    assert align_arcface(frame, face).shape == (112, 112, 3)


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("arcface_gender_age--112x112_float_tflite_multidevice_1", "arcface_gender_age/112x112/arcface-aligned"),
        ("arcface_gender_age--112x112_quant_hailort_hailo8_1", "arcface_gender_age/112x112/arcface-aligned"),
        ("arcface_mobilefacenet--112x112_quant_deepx_m1a_1", "arcface_mobilefacenet/112x112/arcface-aligned"),
    ],
)
def test_one_family_across_runtimes_and_quantisation(model, family):
    assert family_of(model) == family
