"""Built-in plugin: S3-compatible object stores through the MinIO SDK (``pip install 'faceclips[minio]'``).

Serves ``minio://host:port/bucket?secure=false``, ``http://host:port/bucket``,
``https://host:port/bucket`` and the seed's ``endpoint="host:port"`` form. The SDK is
imported only when the backend is used.
"""

from __future__ import annotations

from typing import Iterator

from faceclips import StorageBackendSpec, hookimpl


@hookimpl
def faceclips_storage_backends() -> Iterator[StorageBackendSpec]:
    yield StorageBackendSpec(
        name="minio",
        schemes=("minio", "http", "https"),
        factory="faceclips.plugins.minio.backend:MinioBackend.from_config",
        requires=("minio",),
        install_hint="pip install 'faceclips[minio]'",
        description="any S3-compatible server (MinIO, AWS S3, SeaweedFS, …) through the MinIO SDK",
    )
