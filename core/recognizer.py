"""FaceRecognizer: find, enrol and recognise faces in still images (no tracking)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence

from .errors import ConfigError, FaceclipsError
from .faces import FaceDetection
from .identities import Identity, IdentityDB, Match

__all__ = ["FaceRecognizer", "RecognizedFace", "load_image", "open_identity_db"]

log = logging.getLogger("faceclips.recognizer")


@dataclass(frozen=True)
class RecognizedFace:
    """A face in an image: where, how sure the detector is, who it is (None: unknown)."""

    detection: FaceDetection
    identity: Optional[Match]
    embedding: Any
    crop: Any

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.detection.bbox

    @property
    def name(self) -> Optional[str]:
        return self.identity.name if self.identity else None


def load_image(image: Any) -> Any:
    """An RGB uint8 array from an array (RGB), a file path or a PIL image."""
    import numpy as np

    if isinstance(image, (str, os.PathLike)):
        import cv2

        data = cv2.imread(os.fspath(image), cv2.IMREAD_COLOR)
        if data is None:
            raise FaceclipsError(f"cannot read image {os.fspath(image)!r}")
        return cv2.cvtColor(data, cv2.COLOR_BGR2RGB)
    if hasattr(image, "convert") and hasattr(image, "size"):  # PIL
        return np.asarray(image.convert("RGB"))
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] < 3:
        raise FaceclipsError(f"an image must be H x W x 3 (RGB), not shape {array.shape}")
    if array.dtype != np.uint8:
        array = (np.clip(array, 0, 1) * 255).astype(np.uint8) if array.dtype.kind == "f" and array.max() <= 1 else array.astype(np.uint8)
    return np.ascontiguousarray(array[:, :, :3])


def open_identity_db(engine: Any, config: Any, *, read_only: bool = False) -> IdentityDB:
    """The identity database of ``config`` (a :class:`~faceclips.settings.RecognizerConfig`) for
    ``engine``'s embedding family; ``read_only`` (when the file exists) lets several trackers share it."""
    path = os.path.expanduser(config.db_path)
    return IdentityDB(
        path, family=engine.embedding_family, dimension=engine.embedding_dimension,
        threshold=config.threshold, k=config.k, votes=config.votes, keep_crops=config.keep_crops,
        read_only=read_only and os.path.exists(path),
    )


class FaceRecognizer:
    """Recognise faces in images against an identity database; enrol people from photos.

    >>> from faceclips.recognizer import FaceRecognizer  # doctest: +SKIP
    >>> recognizer = FaceRecognizer()                      # default zoo, ./faceclips-identities.duckdb
    >>> recognizer.enroll_image("alice.jpg", "Alice")
    >>> [face.name for face in recognizer.predict("door.jpg")]
    ['Alice']
    """

    def __init__(self, settings: Optional[Any] = None, *, engine: Optional[Any] = None, db: Optional[IdentityDB] = None) -> None:
        from .settings import Settings

        self.settings = settings or Settings()
        if engine is None:
            from .inference import open_engine

            engine = open_engine(self.settings.inference)
        self.engine = engine
        self.db = db if db is not None else open_identity_db(engine, self.settings.recognizer)

    def predict(self, image: Any) -> list[RecognizedFace]:
        """Every face in one image, largest first, with its identity."""
        return next(self.predict_batch([image]))

    def predict_batch(self, images: Iterable[Any]) -> Iterator[list[RecognizedFace]]:
        """:meth:`predict` for many images, detection batched through the engine."""
        for image, detections in self.engine.detect_stream((load_image(item) for item in images)):
            detections = sorted(detections, key=lambda face: -(face.width * face.height))
            crops = [self.engine.crop(image, face) for face in detections]
            vectors = self.engine.embed(crops) if crops else []
            yield [RecognizedFace(face, self.db.match(vector), vector, crop) for face, vector, crop in zip(detections, vectors, crops, strict=True)]

    def enroll_image(self, image: Any, name: str, attributes: Optional[Mapping[str, Any]] = None) -> Optional[Identity]:
        """Enrol the largest face of ``image`` as ``name``; None when the image has no face."""
        return self.enroll_batch([image], [name], attributes=attributes)[0]

    def enroll_batch(self, images: Sequence[Any], names: Sequence[str], attributes: Optional[Mapping[str, Any]] = None) -> list[Optional[Identity]]:
        """Enrol the largest face of each image under the matching name (None where no face)."""
        if len(images) != len(names):
            raise ConfigError(f"{len(images)} images for {len(names)} names")
        results: list[Optional[Identity]] = []
        for name, faces in zip(names, self.predict_batch(images), strict=True):
            if not faces:
                log.warning("no face found to enrol for %s", name)
                results.append(None)
                continue
            results.append(self.db.add(name, [faces[0].embedding], crops=[faces[0].crop], attributes=attributes))
        return results

    def close(self) -> None:
        self.db.close()
        self.engine.close()

    def __enter__(self) -> "FaceRecognizer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
