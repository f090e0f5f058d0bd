"""What remote backends share: one error translation point, retries, restartable transfers.

A remote backend subclasses :class:`RemoteBackend`, implements :meth:`_translate` (its SDK's
exceptions to faceclips errors) and wraps SDK calls in :meth:`_run`. Downloads restart from
the top when a retry follows a partial transfer (the target is rewound), and uploads are
retried only from streams that can be rewound.
"""

from __future__ import annotations

from abc import abstractmethod
from contextlib import AbstractContextManager
from typing import BinaryIO, Callable, Iterable, Optional, TypeVar

from .errors import StorageError
from .retry import RetryPolicy
from .storage import Progress, StorageBackend

__all__ = ["RemoteBackend"]

T = TypeVar("T")


def _always() -> bool:
    return True


class RemoteBackend(StorageBackend):
    """A :class:`StorageBackend` reached over a network, with :class:`RetryPolicy` retries."""

    retry: RetryPolicy = RetryPolicy()

    @abstractmethod
    def _translate(self, exc: BaseException, name: Optional[str] = None) -> StorageError:
        """The faceclips error for an SDK or transport exception (never mentioning a secret)."""

    def _run(self, description: str, operation: Callable[[], T], name: Optional[str] = None, retry_if: Callable[[], bool] = _always) -> T:
        """Call ``operation`` with errors translated and transient faults retried."""

        def attempt() -> T:
            try:
                return operation()
            except Exception as exc:
                error = self._translate(exc, name)
                if error is exc:
                    raise
                raise error from exc

        return self.retry.call(attempt, description=f"{description} {name or ''} at {self.location}", retry_if=retry_if)

    def _download_chunks(
        self, name: str, target: BinaryIO, progress: Optional[Progress], chunks: Callable[[], AbstractContextManager[Iterable[bytes]]]
    ) -> int:
        """Write ``chunks()`` to ``target``; a retry after a partial transfer rewinds the target first."""
        start = target.tell() if target.seekable() else None
        written = 0

        def attempt() -> int:
            nonlocal written
            if written:
                target.seek(start)  # type: ignore[arg-type]
                target.truncate()
                written = 0
            with chunks() as source:
                for chunk in source:
                    target.write(chunk)
                    written += len(chunk)
                    if progress is not None:
                        progress(len(chunk))
            return written

        return self._run("download", attempt, name, retry_if=lambda: written == 0 or start is not None)

    def _upload_rewindable(self, name: str, stream: BinaryIO, upload: Callable[[], object]) -> None:
        """Run ``upload`` (which reads ``stream``), retrying only if the stream can be rewound."""
        try:
            start: Optional[int] = stream.tell() if stream.seekable() else None
        except (OSError, ValueError):
            start = None
        tried = False

        def attempt() -> object:
            nonlocal tried
            if tried and start is not None:
                stream.seek(start)
            tried = True
            return upload()

        self._run("upload", attempt, name, retry_if=lambda: start is not None)
