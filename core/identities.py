"""The identity database: enrolled people and their face embeddings, on disk, in DuckDB.

Why DuckDB: it is an embedded, ACID, single-file database with real parameterised queries
(a name like ``O'Brien`` is data, never SQL) and native fixed-size ``FLOAT[n]`` arrays with
``array_cosine_similarity``, so the nearest-neighbour search runs vectorised inside the
database — no second store to keep consistent with the metadata. (sqlite-vec would need
``sqlite3`` extension loading, which this Python build lacks; LanceDB filters are SQL strings
without parameters.) Exhaustive search is exact and takes a few milliseconds for tens of
thousands of embeddings, which is the size of a face gallery.

A database records its embedding *family* — the embedder's weights and preprocessing, e.g.
``facenet-vggface2/160/standardised`` — and its dimension. It opens with any engine that
produces that family (TFLite, ONNX, a server, …) and refuses any other with a clear error.

Matching is top-k with per-identity aggregation: the ``k`` nearest embeddings are grouped by
identity, each identity scores the mean of its best ``votes`` similarities (fewer if it has
fewer embeddings; its embeddings outside the ``k`` nearest count as 0), and the best identity
wins if it reaches the threshold. A stray embedding (a wrong photo enrolled under a name)
therefore cannot carry a match on its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Union

from .errors import ConfigError, FaceclipsError, MissingExtraError

__all__ = ["IdentityDB", "Identity", "Match", "IdentityError", "FamilyMismatchError", "DEFAULT_THRESHOLD"]

DEFAULT_THRESHOLD = 0.55
"""Cosine similarity a match needs. FaceNet VGGFace2: same person 0.6-0.95, different people
below 0.45 on the LFW pairs used in the tests."""
SCHEMA_VERSION = "1"


class IdentityError(FaceclipsError):
    """An identity database operation failed (unknown name, duplicate name, locked file…)."""


class FamilyMismatchError(IdentityError):
    """The database holds embeddings of another family than the engine produces."""


@dataclass(frozen=True)
class Identity:
    """An enrolled person."""

    id: str
    name: str
    embeddings: int
    attributes: Mapping[str, Any] = field(default_factory=dict)
    created_at: Optional[datetime] = None


@dataclass(frozen=True)
class Match:
    """The identity an embedding matched: aggregated similarity and how many neighbours agreed."""

    id: str
    name: str
    similarity: float
    votes: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "similarity": round(float(self.similarity), 4)}


def _require_duckdb() -> Any:
    try:
        import duckdb
    except ImportError as exc:
        raise MissingExtraError("the identity database", "pip install 'faceclips[faces]'", "duckdb") from exc
    return duckdb


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise IdentityError(f"an identity name must be a non-empty string, not {name!r}")
    if len(name) > 200 or any(ord(ch) < 32 for ch in name):
        raise IdentityError("an identity name must be at most 200 characters without control characters")
    return name.strip()


class IdentityDB:
    """People and their embeddings in a DuckDB file (``":memory:"`` for a throwaway one).

    >>> db = IdentityDB(":memory:", family="example/4", dimension=4)
    >>> db.add("O'Brien", [[1, 0, 0, 0]]).name
    "O'Brien"
    >>> db.match([0.9, 0.1, 0, 0]).name
    "O'Brien"
    """

    def __init__(
        self,
        path: Union[str, "os.PathLike[str]"],
        *,
        family: str,
        dimension: int,
        threshold: float = DEFAULT_THRESHOLD,
        k: int = 20,
        votes: int = 3,
        keep_crops: bool = True,
        read_only: bool = False,
    ) -> None:
        if not 0 < threshold <= 1:
            raise ConfigError("the similarity threshold must be in (0, 1]")
        if dimension < 1 or k < 1 or votes < 1:
            raise ConfigError("dimension, k and votes must be positive")
        duckdb = _require_duckdb()
        self.path = os.fspath(path)
        self.family, self.dimension = family, int(dimension)
        self.threshold, self.k, self.votes, self.keep_crops = threshold, k, votes, keep_crops
        self.read_only = read_only and self.path != ":memory:"
        if self.path != ":memory:" and not self.read_only:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = duckdb.connect(self.path, read_only=self.read_only)
        except duckdb.Error as exc:
            hint = (
                " It is open for writing in another process (one writer at a time; trackers open it read-only, "
                "so enrol, rename and remove while no tracker runs)." if "lock" in str(exc).lower() else ""
            )
            raise IdentityError(f"cannot open the identity database {self.path}: {exc}.{hint}") from None
        if self.read_only:
            self._check_family()
        else:
            self._setup()

    # -- schema -------------------------------------------------------------------

    def _setup(self) -> None:
        db = self._db
        db.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
        stored = dict(db.execute("SELECT key, value FROM meta").fetchall())
        if not stored:
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("schema_version", SCHEMA_VERSION), ("family", self.family), ("dimension", str(self.dimension))],
            )
        else:
            self._check_family(stored)
        db.execute(
            "CREATE TABLE IF NOT EXISTS identities (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, "
            "attributes VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)"
        )
        db.execute(
            f"CREATE TABLE IF NOT EXISTS embeddings (identity_id VARCHAR NOT NULL, vector FLOAT[{self.dimension}] NOT NULL, "
            "hash VARCHAR NOT NULL, crop BLOB, added_at TIMESTAMP NOT NULL, UNIQUE (identity_id, hash))"
        )

    def _check_family(self, stored: Optional[dict[str, str]] = None) -> None:
        if stored is None:
            try:
                stored = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            except Exception as exc:  # duckdb.CatalogException: a file that is not an identity database
                raise IdentityError(f"{self.path} is not a faceclips identity database: {exc}") from None
        if stored.get("schema_version") != SCHEMA_VERSION:
            raise IdentityError(f"{self.path}: identity database version {stored.get('schema_version')!r} is not supported")
        if stored.get("family") != self.family or int(stored.get("dimension", -1)) != self.dimension:
            raise FamilyMismatchError(
                f"{self.path} holds {stored.get('family')} embeddings ({stored.get('dimension')}-d); the engine produces "
                f"{self.family} ({self.dimension}-d). Use an engine serving {stored.get('family')}, or another database file."
            )

    @staticmethod
    def stored_family(path: Union[str, "os.PathLike[str]"]) -> Optional[tuple[str, int]]:
        """The (family, dimension) a database file was created for, or None if it has none yet."""
        if not Path(os.fspath(path)).exists():
            return None
        duckdb = _require_duckdb()
        try:
            with duckdb.connect(os.fspath(path), read_only=True) as db:
                rows = dict(db.execute("SELECT key, value FROM meta").fetchall())
        except duckdb.Error as exc:
            raise IdentityError(f"cannot read the identity database {os.fspath(path)}: {exc}") from None
        return (rows["family"], int(rows["dimension"])) if "family" in rows else None

    def _writable(self) -> None:
        if self.read_only:
            raise IdentityError(f"the identity database {self.path} is open read-only")

    # -- vectors --------------------------------------------------------------------

    def _vector(self, values: Any) -> list[float]:
        import numpy as np

        vector = np.asarray(values, dtype=np.float32).reshape(-1)
        if vector.shape[0] != self.dimension:
            raise IdentityError(f"an embedding must have {self.dimension} values, not {vector.shape[0]}")
        norm = float(np.linalg.norm(vector))
        if not np.isfinite(norm) or norm == 0:
            raise IdentityError("an embedding must be finite and non-zero")
        return (vector / norm).tolist()

    # -- identities -----------------------------------------------------------------

    def _find(self, name_or_id: str) -> Optional[tuple[str, str]]:
        row = self._db.execute("SELECT id, name FROM identities WHERE name = ? OR id = ? LIMIT 1", [name_or_id, name_or_id]).fetchone()
        return (row[0], row[1]) if row else None

    def get(self, name_or_id: str) -> Identity:
        """The identity with this name (or id); :class:`IdentityError` if there is none."""
        found = self._find(name_or_id)
        if found is None:
            raise IdentityError(f"no identity named {name_or_id!r}")
        return next(identity for identity in self.list() if identity.id == found[0])

    def list(self) -> List[Identity]:
        """Every identity with its embedding count, by name."""
        rows = self._db.execute(
            "SELECT i.id, i.name, count(e.hash), i.attributes, i.created_at FROM identities i "
            "LEFT JOIN embeddings e ON e.identity_id = i.id GROUP BY ALL ORDER BY i.name"
        ).fetchall()
        return [Identity(row[0], row[1], int(row[2]), json.loads(row[3]), row[4].replace(tzinfo=timezone.utc)) for row in rows]

    def add(
        self,
        name: str,
        embeddings: Iterable[Any],
        *,
        crops: Optional[Sequence[Any]] = None,
        attributes: Optional[Mapping[str, Any]] = None,
    ) -> Identity:
        """Enrol embeddings for ``name`` (created if new); identical embeddings are stored once."""
        self._writable()
        name = _check_name(name)
        vectors = [self._vector(values) for values in embeddings]
        if not vectors:
            raise IdentityError(f"no embeddings to enrol for {name!r}")
        if crops is not None and len(crops) != len(vectors):
            raise IdentityError(f"{len(crops)} crops for {len(vectors)} embeddings")
        try:
            extra = json.dumps(dict(attributes or {}), sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise IdentityError(f"identity attributes must be JSON values: {exc}") from None
        now = datetime.now(timezone.utc).replace(tzinfo=None)  # stored as UTC
        db = self._db
        db.execute("BEGIN TRANSACTION")
        try:
            found = self._find(name)
            if found is None:
                identity_id = uuid.uuid4().hex
                db.execute("INSERT INTO identities VALUES (?, ?, ?, ?)", [identity_id, name, extra, now])
            else:
                identity_id = found[0]
                if attributes:
                    db.execute("UPDATE identities SET attributes = ? WHERE id = ?", [extra, identity_id])
            rows = []
            for index, vector in enumerate(vectors):
                digest = hashlib.sha256(json.dumps(vector).encode()).hexdigest()
                crop = _png(crops[index]) if crops is not None and self.keep_crops else None
                rows.append([identity_id, vector, digest, crop, now])
            db.executemany("INSERT INTO embeddings VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return self.get(identity_id)

    def rename(self, name_or_id: str, new_name: str) -> Identity:
        """Give an identity another name; the new name must be free."""
        self._writable()
        new_name = _check_name(new_name)
        found = self._find(name_or_id)
        if found is None:
            raise IdentityError(f"no identity named {name_or_id!r}")
        other = self._find(new_name)
        if other is not None and other[0] != found[0]:
            raise IdentityError(f"an identity named {new_name!r} already exists")
        self._db.execute("UPDATE identities SET name = ? WHERE id = ?", [new_name, found[0]])
        return self.get(found[0])

    def remove(self, name_or_id: str) -> Identity:
        """Delete an identity and every embedding and crop enrolled for it."""
        self._writable()
        identity = self.get(name_or_id)
        self._db.execute("BEGIN TRANSACTION")
        try:
            self._db.execute("DELETE FROM embeddings WHERE identity_id = ?", [identity.id])
            self._db.execute("DELETE FROM identities WHERE id = ?", [identity.id])
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return identity

    def crops(self, name_or_id: str) -> List[bytes]:
        """The PNG face crops kept with an identity's embeddings."""
        identity = self.get(name_or_id)
        rows = self._db.execute("SELECT crop FROM embeddings WHERE identity_id = ? AND crop IS NOT NULL ORDER BY added_at", [identity.id])
        return [bytes(row[0]) for row in rows.fetchall()]

    # -- search ---------------------------------------------------------------------

    def neighbours(self, embedding: Any, k: Optional[int] = None) -> List[tuple[str, str, float]]:
        """The ``k`` most similar stored embeddings: ``(identity id, name, cosine similarity)``."""
        return [(row[0], row[1], row[2]) for row in self._nearest(embedding, k)]

    def _nearest(self, embedding: Any, k: Optional[int] = None) -> List[tuple[str, str, float, int]]:
        vector = self._vector(embedding)
        rows = self._db.execute(
            f"WITH counts AS (SELECT identity_id, count(*) AS n FROM embeddings GROUP BY identity_id) "
            f"SELECT e.identity_id, i.name, array_cosine_similarity(e.vector, ?::FLOAT[{self.dimension}]) AS s, c.n "
            "FROM embeddings e JOIN identities i ON i.id = e.identity_id JOIN counts c ON c.identity_id = e.identity_id "
            "ORDER BY s DESC LIMIT ?",
            [vector, int(k or self.k)],
        ).fetchall()
        return [(row[0], row[1], float(row[2]), int(row[3])) for row in rows]

    def match(self, embedding: Any, threshold: Optional[float] = None) -> Optional[Match]:
        """The best identity for ``embedding`` if it reaches the threshold, else None (unknown).

        An identity scores the sum of its best ``min(votes, its embedding count)`` similarities
        among the ``k`` nearest, divided by that number: its embeddings outside the nearest count
        as 0, so one stray embedding of a well-enrolled identity cannot carry a match alone.
        """
        found: dict[str, List[float]] = {}
        names: dict[str, str] = {}
        needed: dict[str, int] = {}
        for identity_id, name, similarity, count in self._nearest(embedding):
            found.setdefault(identity_id, []).append(similarity)
            names[identity_id], needed[identity_id] = name, min(self.votes, count)
        if not found:
            return None
        ranked = sorted(
            (Match(key, names[key], sum(values[: needed[key]]) / needed[key], len(values)) for key, values in found.items()),
            key=lambda match: match.similarity,
            reverse=True,
        )
        best = ranked[0]
        return best if best.similarity >= (self.threshold if threshold is None else threshold) else None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "IdentityDB":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        row = self._db.execute("SELECT count(*) FROM identities").fetchone()
        return int(row[0]) if row else 0


def _png(image: Any) -> Optional[bytes]:
    if image is None:
        return None
    if isinstance(image, (bytes, bytearray)):
        return bytes(image)
    import cv2
    import numpy as np

    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] >= 3:
        array = cv2.cvtColor(np.ascontiguousarray(array[:, :, :3]), cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".png", array)
    if not ok:
        raise IdentityError("a face crop could not be encoded as PNG")
    return encoded.tobytes()
