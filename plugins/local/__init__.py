"""Built-in plugin: a local folder as object storage (``file://`` URLs, backend ``local``)."""

from __future__ import annotations

from typing import Iterator

from faceclips import StorageBackendSpec, hookimpl


@hookimpl
def faceclips_storage_backends() -> Iterator[StorageBackendSpec]:
    yield StorageBackendSpec(
        name="local",
        schemes=("file",),
        factory="faceclips.plugins.local.backend:LocalBackend.from_config",
        description="a folder: <endpoint>/<bucket>/<object name>, the degirum_tools layout",
    )
