"""Clip annotation helpers: drawing faces, choosing representative embeddings, merging sidecars."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Optional, Sequence

from .faces import TrackedFace
from .sidecar import SCHEMA_VERSION, new_sidecar, validate

if TYPE_CHECKING:
    from .tracker import ClipAnalysis

__all__ = ["draw_faces", "representatives", "merged_sidecar"]

KNOWN, UNKNOWN, IGNORED = (40, 200, 60), (230, 50, 40), (200, 200, 200)  # RGB


def draw_faces(image: Any, faces: Sequence[TrackedFace]) -> Any:
    """A copy of an RGB frame with each face's box, track id and identity drawn on it."""
    import cv2
    import numpy as np

    canvas = np.ascontiguousarray(image[:, :, :3]).copy()
    scale = max(0.4, canvas.shape[0] / 1000)
    for face in faces:
        x1, y1, x2, y2 = (int(round(v)) for v in face.detection.bbox)
        if face.identity is not None:
            colour, label = KNOWN, f"{face.identity.name} {face.identity.similarity:.2f}"
        elif face.filtered_by is not None:
            colour, label = IGNORED, face.filtered_by
        else:
            colour, label = UNKNOWN, "unknown"
        if face.track_id is not None:
            label = f"#{face.track_id} {label}"
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, max(1, int(2 * scale)))
        (width, height), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        top = max(0, y1 - height - base - 2)
        cv2.rectangle(canvas, (x1, top), (x1 + width + 2, top + height + base + 2), colour, -1)
        cv2.putText(canvas, label, (x1 + 1, top + height + 1), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return canvas


def representatives(vectors: Sequence[Any], seed: int = 0) -> list[int]:
    """Indexes of a few embeddings that represent a track: the one nearest each k-means centre
    (k = 3, or one per 25 embeddings, at most 8). scipy's ``kmeans2`` does the clustering."""
    import numpy as np

    count = len(vectors)
    k = min(count, 8, max(3, count // 25))
    if count <= k:
        return list(range(count))
    from scipy.cluster.vq import kmeans2

    data = np.asarray(vectors, dtype=np.float64)
    centres, _ = kmeans2(data, k, minit="++", seed=seed)
    chosen = sorted({int(np.argmin(np.linalg.norm(data - centre, axis=1))) for centre in centres})
    return chosen


def merged_sidecar(existing: Optional[dict], analysis: "ClipAnalysis", *, key: str, family: str) -> dict:
    """The clip's sidecar with the faces found by annotation: clip properties and trigger of a
    version-1 sidecar are kept; frames and tracks become the annotation's (every frame, every
    track, final identities); an older or foreign document is kept whole under ``previous``."""
    from .sidecar import SidecarError

    document: dict[str, Any]
    previous = None
    try:
        if existing is None:
            raise SidecarError("no sidecar")
        validate(existing)
        document = dict(existing)
    except SidecarError:
        previous = existing
        camera = key.split("/", 1)[0] if "/" in key else "camera"
        document = new_sidecar(
            camera_id=camera, started_at=datetime.now(timezone.utc), fps=analysis.fps, frame_count=len(analysis.frames),
            width=analysis.width, height=analysis.height, key=key,
        )
        if previous is not None:
            document["previous"] = previous
    start = analysis.frames[0][0]
    document["frames"] = [
        {"index": index, "t": round(when - start, 4), "faces": [face.to_sidecar() for face in faces]}
        for index, (when, faces) in enumerate(analysis.frames)
    ]
    document["tracks"] = [summary.to_sidecar() for summary in analysis.summaries.values()]
    document["annotation"] = {
        "at": datetime.now(timezone.utc).isoformat(),
        "embedding_family": family,
        "frame_count": len(analysis.frames),
        "tracks": len(analysis.summaries),
    }
    document["schema_version"] = SCHEMA_VERSION
    validate(document)
    return document
