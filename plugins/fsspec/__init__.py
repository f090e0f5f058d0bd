"""Built-in plugin: any fsspec filesystem as storage (``pip install 'faceclips[s3]'`` for S3).

Serves ``s3://bucket[/prefix]`` (s3fs), ``gs://``/``gcs://``, ``az://``/``abfs://`` and every
other installed fsspec protocol through ``backend = "fsspec"`` with any fsspec URL
(``memory://…``, ``file://…``, ``sftp://…``) — no code change per protocol.
"""

from __future__ import annotations

from typing import Iterator

from faceclips import StorageBackendSpec, hookimpl


@hookimpl
def faceclips_storage_backends() -> Iterator[StorageBackendSpec]:
    yield StorageBackendSpec(
        name="fsspec",
        schemes=("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss"),
        factory="faceclips.plugins.fsspec.backend:FsspecBackend.from_config",
        requires=("fsspec",),
        install_hint="pip install 'faceclips[s3]'",
        description="any fsspec filesystem: s3:// through s3fs, gs://, az://, and others by backend = \"fsspec\"",
    )
