"""The identity database on real DuckDB files: parameterised, aggregated, family-bound."""

from __future__ import annotations

import numpy as np
import pytest

from faceclips.identities import FamilyMismatchError, IdentityDB, IdentityError


def unit(*values: float) -> np.ndarray:
    vector = np.zeros(8, np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


@pytest.fixture
def db(tmp_path):
    with IdentityDB(tmp_path / "ids.duckdb", family="test/8", dimension=8, threshold=0.8) as database:
        yield database


@pytest.mark.parametrize("name", ["O'Brien", "x'); DROP TABLE identities; --", 'Ann "Q" Lee', "Zoë 李"])
def test_names_are_data_never_sql(db, name):
    db.add(name, [unit(1)])
    db.add("other", [unit(0, 1)])
    assert db.match(unit(1)).name == name
    assert db.get(name).name == name and {i.name for i in db.list()} == {name, "other"}
    db.remove(name)
    assert [i.name for i in db.list()] == ["other"]


def test_persistent_with_family_and_dimension_checked(tmp_path):
    path = tmp_path / "ids.duckdb"
    with IdentityDB(path, family="facenet/160", dimension=8) as db:
        db.add("Alice", [unit(1), unit(1, 0.1)], attributes={"team": "night"})
    assert IdentityDB.stored_family(path) == ("facenet/160", 8)
    with IdentityDB(path, family="facenet/160", dimension=8) as db:  # another engine of the same family
        [alice] = db.list()
        assert (alice.name, alice.embeddings, dict(alice.attributes)) == ("Alice", 2, {"team": "night"})
    with pytest.raises(FamilyMismatchError, match="holds facenet/160 embeddings .* produces arcface/112"):
        IdentityDB(path, family="arcface/112", dimension=8)


def test_top_k_aggregation_outvotes_one_stray_embedding(tmp_path):
    with IdentityDB(tmp_path / "a.duckdb", family="t", dimension=8, threshold=0.5, votes=3) as db:
        db.add("Alice", [unit(1, 0.3), unit(1, 0.35), unit(1, 0.4)])
        # Mallory's enrolment holds a stray photo that looks like the query, and two of Mallory
        db.add("Mallory", [unit(1, 0.22, 0.3), unit(0, 0, 1), unit(0, 0, 1, 0.1)])
        query = unit(1, 0.2, 0.3)
        assert db.neighbours(query, k=1)[0][1] == "Mallory"  # top-1 alone would say Mallory
        match = db.match(query)
        assert match.name == "Alice" and match.votes == 3
        with IdentityDB(tmp_path / "b.duckdb", family="t", dimension=8, threshold=0.5, votes=3) as single:
            single.add("Bob", [unit(1)])  # enrolled from one photo: one vote is all it needs
            assert single.match(unit(1, 0.1)).name == "Bob"


def test_threshold_unknowns_duplicates_and_bad_vectors(db):
    db.add("Alice", [unit(1)])
    assert db.match(unit(0, 1)) is None  # below the threshold: unknown
    assert db.add("Alice", [unit(1)]).embeddings == 1  # the same embedding is stored once
    with pytest.raises(IdentityError, match="8 values"):
        db.add("Alice", [np.ones(4)])
    with pytest.raises(IdentityError, match="non-zero"):
        db.add("Alice", [np.zeros(8)])
    with pytest.raises(IdentityError, match="non-empty"):
        db.add("  ", [unit(1)])
    assert db.get("Alice").embeddings == 1


def test_rename_keeps_embeddings_and_refuses_a_taken_name(db):
    db.add("Alice", [unit(1)], crops=[np.zeros((16, 16, 3), np.uint8)])
    db.add("Bob", [unit(0, 1)])
    with pytest.raises(IdentityError, match="already exists"):
        db.rename("Alice", "Bob")
    renamed = db.rename("Alice", "Alice Smith")
    assert renamed.embeddings == 1 and db.match(unit(1)).name == "Alice Smith"
    assert db.crops("Alice Smith")[0].startswith(b"\x89PNG")
    with pytest.raises(IdentityError, match="no identity named 'Alice'"):
        db.remove("Alice")


def test_trackers_share_a_database_read_only_and_a_writer_is_told_why_it_waits(tmp_path):
    import subprocess
    import sys
    import textwrap

    path = tmp_path / "shared.duckdb"
    with IdentityDB(path, family="t", dimension=8) as db:
        db.add("Alice", [unit(1)])
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from faceclips.identities import IdentityDB
            db = IdentityDB({str(path)!r}, family="t", dimension=8, read_only=True)
            assert db.match([1, 0, 0, 0, 0, 0, 0, 0]).name == "Alice"
            print("ready", flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"  # another process (a tracker) reads it
        with IdentityDB(path, family="t", dimension=8, read_only=True) as reader:
            assert reader.match(unit(1)).name == "Alice"  # a second tracker can too
            with pytest.raises(IdentityError, match="open read-only"):
                reader.add("Bob", [unit(0, 1)])
        with pytest.raises(IdentityError, match="enrol, rename and remove while no tracker runs"):
            IdentityDB(path, family="t", dimension=8)
    finally:
        holder.communicate("", timeout=30)
    with IdentityDB(path, family="t", dimension=8) as writer:  # free again once the readers are gone
        assert writer.add("Bob", [unit(0, 1)]).name == "Bob"
