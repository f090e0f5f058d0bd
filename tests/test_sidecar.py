"""The versioned clip sidecar: the documented schema is the code's, and validation says what is wrong."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from faceclips.sidecar import SCHEMA, SidecarError, new_sidecar, validate

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture
def sidecar() -> dict:
    document = new_sidecar(
        camera_id="door", started_at=datetime(2026, 11, 21, 10, 15, tzinfo=timezone.utc), fps=12.5,
        frame_count=50, width=640, height=480, key="door/2026-11-21/101500Z-0123456789ab",
    )
    document["trigger"] = {"at": "2026-11-21T10:15:05+00:00", "frame": 25, "reason": "unknown_face", "track_id": 3, "identity": None}
    document["frames"].append(
        {"index": 25, "t": 2.0, "faces": [{"track_id": 3, "bbox": [10, 20, 50, 70], "score": 0.93, "landmarks": [[20, 35], [40, 35]], "identity": None}]}
    )
    document["tracks"].append({"track_id": 3, "first_frame": 20, "last_frame": 49, "identity": {"id": "p-1", "name": "O'Brien", "similarity": 0.71}, "best_score": 0.95})
    return document


def test_the_documented_schema_is_the_code_schema():
    assert json.loads((DOCS / "clip-sidecar-1.schema.json").read_text()) == SCHEMA


def test_a_complete_sidecar_validates_and_survives_json(sidecar):
    validate(sidecar)
    validate(json.loads(json.dumps(sidecar)))
    assert sidecar["clip"]["duration_s"] == 4.0 and sidecar["generator"]["name"] == "faceclips"
    assert "embeddings" not in sidecar  # biometric data only when asked


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(schema_version=2), "schema_version 2 is not supported"),
        (lambda d: d["clip"].pop("fps"), "'fps' is a required property"),
        (lambda d: d["clip"].update(started_at="yesterday"), "clip/started_at"),
        (lambda d: d["frames"][0]["faces"][0].update(bbox=[1, 2, 3]), "frames/0/faces/0/bbox"),
        (lambda d: d["frames"][0]["faces"][0].update(score=1.5), "frames/0/faces/0/score"),
        (lambda d: d["trigger"].update(reason="because"), "trigger/reason"),
        (lambda d: d["frames"][0]["faces"][0].update(crop="base64…"), "Additional properties"),
    ],
)
def test_problems_are_named(sidecar, change, message):
    broken = copy.deepcopy(sidecar)
    change(broken)
    with pytest.raises(SidecarError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate(broken)
