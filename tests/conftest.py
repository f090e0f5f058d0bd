"""Shared fixtures: real local buckets, and real entry-point plugin distributions."""

from __future__ import annotations

import sys
import textwrap
import uuid
from pathlib import Path
from typing import Callable, Iterator

import pytest

import faceclips
from faceclips.plugins.memory.backend import drop_all_buckets


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts with a fresh plugin manager, no FACECLIPS_* settings, no memory buckets."""
    import os

    for key in list(os.environ):
        if key.startswith("FACECLIPS_") and key != "FACECLIPS_ZOO_DIR":  # where the built model zoo is stays
            monkeypatch.delenv(key)
    faceclips.reset_plugin_manager()
    drop_all_buckets()
    yield
    faceclips.reset_plugin_manager()
    drop_all_buckets()


@pytest.fixture
def bucket_url(tmp_path: Path) -> str:
    """A ``file:`` URL of a new, existing local bucket."""
    (tmp_path / "store" / "alerts").mkdir(parents=True)
    return (tmp_path / "store" / "alerts").as_uri()


@pytest.fixture
def manager(bucket_url: str) -> faceclips.FaceClipManager:
    """A manager on an empty local bucket."""
    return faceclips.FaceClipManager(bucket_url)


InstallPlugin = Callable[..., Path]


@pytest.fixture
def install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InstallPlugin]:
    """Install a plugin distribution for real: a module plus a ``.dist-info`` with entry points.

    ``install_plugin("acme", {"acme_plugin": "<source>"}, {"acme": "acme_plugin"})`` makes
    ``importlib.metadata`` see distribution ``acme`` registering entry point ``acme`` in the
    ``faceclips`` group, exactly as ``pip install`` would.
    """
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    modules: list[str] = []

    def install(distribution: str, sources: dict[str, str], entry_points: dict[str, str], version: str = "1.0") -> Path:
        for module, source in sources.items():
            (site / f"{module}.py").write_text(textwrap.dedent(source))
            modules.append(module)
        info = site / f"{distribution.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n")
        lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
        (info / "entry_points.txt").write_text(f"[faceclips]\n{lines}")
        return site

    yield install
    for module in modules:
        sys.modules.pop(module, None)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory):
    """A real SeaweedFS S3 server for the whole session; an error (never a skip) if it cannot start."""
    from faceclips.testing.seaweedfs import SeaweedFS

    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_server(tmp_path: Path):
    """A SeaweedFS server of the test's own, which the test may stop and restart."""
    from faceclips.testing.seaweedfs import SeaweedFS

    server = SeaweedFS(tmp_path / "seaweedfs")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server) -> str:
    """The name of a new, empty bucket on the session's S3 server."""
    from minio import Minio

    from faceclips.testing.seaweedfs import ACCESS_KEY, SECRET_KEY

    name = f"t-{uuid.uuid4().hex[:16]}"
    Minio(s3_server.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False).make_bucket(name)
    return name
