"""faceclips plugin: a storage backend keeping objects in one SQLite file (``sqlite:///path/clips.db?bucket=alerts``)."""

from __future__ import annotations

from typing import Iterator

import faceclips


@faceclips.hookimpl
def faceclips_storage_backends() -> Iterator[faceclips.StorageBackendSpec]:
    yield faceclips.StorageBackendSpec(
        name="sqlite",
        schemes=("sqlite",),
        factory="faceclips_sqlite.backend:SqliteBackend.from_config",  # imported only when used
        requires=("sqlite3",),
        install_hint="pip install faceclips-sqlite",
        description="objects as rows of one SQLite file",
    )
