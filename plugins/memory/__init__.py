"""Built-in plugin: an in-process object store (``memory://<bucket>``, backend ``memory``)."""

from __future__ import annotations

from typing import Iterator

from faceclips import StorageBackendSpec, hookimpl


@hookimpl
def faceclips_storage_backends() -> Iterator[StorageBackendSpec]:
    yield StorageBackendSpec(
        name="memory",
        schemes=("memory",),
        factory="faceclips.plugins.memory.backend:MemoryBackend.from_config",
        description="objects kept in this process's memory (tests, embedding)",
    )
