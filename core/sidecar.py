"""The clip sidecar: a versioned JSON document beside each clip (``<key>.json``).

Schema version 1 (``SCHEMA``, JSON Schema 2020-12; documented in docs/sidecar.md) records the
clip's properties, what triggered it, the faces seen frame by frame with their track and
identity, one summary per track and — only when asked, since they are biometric data — the
embeddings. Readers check ``schema_version`` and refuse versions they do not know.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping, Optional

from .errors import FaceclipsError, MissingExtraError

__all__ = ["SCHEMA_VERSION", "SCHEMA", "SidecarError", "validate", "new_sidecar"]

SCHEMA_VERSION = 1

_POINT = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
_IDENTITY = {
    "type": ["object", "null"],
    "required": ["id", "name", "similarity"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "similarity": {"type": "number", "minimum": -1, "maximum": 1}},
    "additionalProperties": False,
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://faceclips.invalid/schemas/clip-sidecar-1.json",
    "title": "faceclips clip sidecar, version 1",
    "type": "object",
    "required": ["schema_version", "generator", "clip", "frames", "tracks"],
    "properties": {
        "schema_version": {"const": 1},
        "generator": {
            "type": "object",
            "required": ["name", "version"],
            "properties": {"name": {"type": "string"}, "version": {"type": "string"}},
        },
        "clip": {
            "type": "object",
            "required": ["camera_id", "started_at", "fps", "frame_count", "duration_s", "width", "height", "codec"],
            "properties": {
                "key": {"type": "string"},
                "camera_id": {"type": "string", "minLength": 1},
                "started_at": {"type": "string", "format": "date-time"},
                "fps": {"type": "number", "exclusiveMinimum": 0},
                "frame_count": {"type": "integer", "minimum": 1},
                "duration_s": {"type": "number", "minimum": 0},
                "width": {"type": "integer", "minimum": 2},
                "height": {"type": "integer", "minimum": 2},
                "codec": {"type": "string"},
                "pre_trigger_s": {"type": "number", "minimum": 0},
                "post_trigger_s": {"type": "number", "minimum": 0},
            },
        },
        "trigger": {
            "type": "object",
            "required": ["at", "frame", "reason"],
            "properties": {
                "at": {"type": "string", "format": "date-time"},
                "frame": {"type": "integer", "minimum": 0},
                "reason": {"enum": ["unknown_face", "known_face", "face", "manual"]},
                "track_id": {"type": "integer"},
                "identity": _IDENTITY,
            },
        },
        "frames": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "t", "faces"],
                "properties": {
                    "index": {"type": "integer", "minimum": 0},
                    "t": {"type": "number", "minimum": 0},
                    "faces": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["bbox", "score"],
                            "properties": {
                                "track_id": {"type": ["integer", "null"]},
                                "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
                                "score": {"type": "number", "minimum": 0, "maximum": 1},
                                "landmarks": {"type": "array", "items": _POINT},
                                "identity": _IDENTITY,
                            },
                            "additionalProperties": False,
                        },
                    },
                },
                "additionalProperties": False,
            },
        },
        "tracks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["track_id", "first_frame", "last_frame"],
                "properties": {
                    "track_id": {"type": "integer"},
                    "first_frame": {"type": "integer", "minimum": 0},
                    "last_frame": {"type": "integer", "minimum": 0},
                    "identity": _IDENTITY,
                    "best_score": {"type": "number"},
                },
                "additionalProperties": False,
            },
        },
        "annotation": {
            "type": "object",
            "required": ["at", "frame_count"],
            "properties": {
                "at": {"type": "string", "format": "date-time"},
                "embedding_family": {"type": "string"},
                "frame_count": {"type": "integer", "minimum": 1},
                "tracks": {"type": "integer", "minimum": 0},
            },
        },
        "previous": {"description": "a sidecar in another format that annotation replaced, kept whole"},
        "embeddings": {
            "type": "object",
            "required": ["family", "by_track"],
            "properties": {
                "family": {"type": "string"},
                "by_track": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}}},
            },
        },
    },
}


class SidecarError(FaceclipsError):
    """A sidecar does not follow its schema, or has a version this faceclips does not read."""


def validate(document: Mapping[str, Any]) -> None:
    """Raise :class:`SidecarError` naming the first problem, if ``document`` is not a valid sidecar."""
    try:
        import jsonschema
    except ImportError as exc:
        raise MissingExtraError("sidecar validation", "pip install 'faceclips[record]'", "jsonschema") from exc
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise SidecarError(f"sidecar schema_version {version!r} is not supported (this faceclips reads {SCHEMA_VERSION})")
    checker = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    error = jsonschema.exceptions.best_match(checker.iter_errors(dict(document)))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top)"
        raise SidecarError(f"invalid sidecar at {where}: {error.message}")


def new_sidecar(
    *, camera_id: str, started_at: datetime, fps: float, frame_count: int, width: int, height: int,
    key: Optional[str] = None, codec: str = "h264",
) -> dict[str, Any]:
    """A version-1 sidecar with the clip's properties and empty frames and tracks."""
    from . import __version__

    clip: dict[str, Any] = {
        "camera_id": camera_id,
        "started_at": started_at.astimezone(timezone.utc).isoformat(),
        "fps": fps,
        "frame_count": frame_count,
        "duration_s": frame_count / fps,
        "width": width,
        "height": height,
        "codec": codec,
    }
    if key:
        clip["key"] = key
    return {"schema_version": SCHEMA_VERSION, "generator": {"name": "faceclips", "version": __version__}, "clip": clip, "frames": [], "tracks": []}
