"""A local folder used as an object store.

Layout ``<endpoint>/<bucket>/<object name>``, the one degirum_tools uses, so existing clip
folders open unchanged. Writes go to a temporary file in the target folder that is then
renamed over the target (atomic on POSIX and Windows). Names are validated before any
I/O, and every resolved path is checked to stay inside the bucket, symbolic links included.
"""

from __future__ import annotations

import os
import stat as stat_module
import uuid
from contextlib import contextmanager
from datetime import timedelta
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO, Iterator, Optional, Union
from urllib.parse import unquote, urlsplit

from faceclips.config import StorageConfig
from faceclips.errors import (
    AuthError,
    BucketNotFoundError,
    ConfigError,
    InvalidNameError,
    ObjectNotFoundError,
    StorageError,
)
from faceclips.names import TEMP_MARKER, validate_bucket_name
from faceclips.objects import ObjectInfo
from faceclips.storage import StorageBackend, copy_stream

__all__ = ["LocalBackend", "parse_file_url"]

_key = itemgetter(0)


def parse_file_url(url: str) -> tuple[str, str]:
    """Split a ``file:`` URL into ``(folder, bucket)``; the bucket is the last path segment.

    ``file:///srv/clips/alerts`` -> ``("/srv/clips", "alerts")``;
    ``file:./clips/alerts`` and ``file://./clips/alerts`` are relative to the working folder.
    """
    if len(url) > 2 and url[1] == ":" and url[2] in "\\/":  # a Windows path given as URL
        path = url
    else:
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            raise ConfigError(f"file URL {url!r} must not have a query or fragment")
        host = parts.netloc
        path = unquote(parts.path)
        if host in (".", "..", "~"):
            path = host + path
        elif host not in ("", "localhost"):
            raise ConfigError(f"file URL {url!r} names host {host!r}; only local folders are supported")
    path = path.rstrip("/\\")
    folder, _, bucket = path.replace("\\", "/").rpartition("/")
    if not bucket or not folder and not path.startswith("/"):
        raise ConfigError(f"file URL {url!r} must end with <folder>/<bucket>, e.g. file:///srv/clips/alerts")
    return (folder or "/"), bucket


class LocalBackend(StorageBackend):
    """Objects are files under ``<root>/<bucket>``."""

    name = "local"

    def __init__(self, root: Union[str, "os.PathLike[str]"], bucket: str) -> None:
        self.bucket = validate_bucket_name(bucket)
        self.root = os.path.abspath(os.path.expanduser(os.fspath(root)))
        self._bucket_dir = os.path.join(self.root, bucket)

    @classmethod
    def from_config(cls, config: StorageConfig) -> "LocalBackend":
        """Build from a ``file:`` URL or the seed's ``endpoint`` (folder) + ``bucket``."""
        if config.url is not None:
            root, bucket = parse_file_url(config.url)
        else:
            root, bucket = config.endpoint, config.bucket
            if not root or not bucket:
                raise ConfigError("local storage needs both endpoint (a folder) and bucket")
        return cls(root, bucket)

    @property
    def location(self) -> str:
        return Path(self._bucket_dir).as_uri()

    # -- paths ----------------------------------------------------------------------

    def _path(self, name: str) -> str:
        """The file path of a validated name, refusing anything that resolves outside the bucket."""
        path = os.path.join(self._bucket_dir, *name.split("/"))
        real_bucket = os.path.realpath(self._bucket_dir)
        real = os.path.realpath(path)
        if not real.startswith(real_bucket + os.sep):
            raise InvalidNameError(name, "resolves outside the bucket (through a symbolic link)")
        return path

    def _missing(self, name: str, exc: OSError) -> StorageError:
        if not os.path.isdir(self._bucket_dir):
            return BucketNotFoundError(self.location)
        return ObjectNotFoundError(name, self.location)

    def _os_error(self, action: str, name: str, exc: OSError) -> StorageError:
        if isinstance(exc, PermissionError):
            return AuthError(f"permission denied to {action} {name!r} in {self.location}")
        return StorageError(f"cannot {action} {name!r} in {self.location}: {exc.strerror or exc}")

    # -- listing --------------------------------------------------------------------

    def _entries(self, folder: str, key_prefix: str) -> list[tuple[str, "os.DirEntry[str]", bool]]:
        items = []
        try:
            with os.scandir(folder) as scan:
                for entry in scan:
                    name = entry.name
                    if name.startswith(TEMP_MARKER) or "\\" in name or not (name.isascii() or _is_utf8(name)):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        items.append((key_prefix + name + "/", entry, True))
                    elif entry.is_file(follow_symlinks=False):
                        items.append((key_prefix + name, entry, False))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise self._os_error("list", key_prefix or "/", exc) from exc
        items.sort(key=_key)
        return items

    def _list(self, prefix: str) -> Iterator[ObjectInfo]:
        if not os.path.isdir(self._bucket_dir):
            raise BucketNotFoundError(self.location)
        folder_key = prefix.rpartition("/")[0]
        start = os.path.join(self._bucket_dir, *folder_key.split("/")) if folder_key else self._bucket_dir
        if folder_key and not os.path.realpath(start).startswith(os.path.realpath(self._bucket_dir) + os.sep):
            return iter(())
        return self._walk(start, folder_key + "/" if folder_key else "", prefix)

    def _walk(self, start: str, key_prefix: str, prefix: str) -> Iterator[ObjectInfo]:
        stack = [iter(self._entries(start, key_prefix))]
        while stack:
            for key, entry, is_dir in stack[-1]:
                if is_dir:
                    if key.startswith(prefix) or prefix.startswith(key):
                        stack.append(iter(self._entries(entry.path, key)))
                        break
                elif key.startswith(prefix):
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue  # deleted while listing
                    yield ObjectInfo(key, st.st_size, st.st_mtime, f"{st.st_mtime_ns:x}-{st.st_size:x}")
            else:
                stack.pop()

    # -- objects --------------------------------------------------------------------

    def _stat(self, name: str) -> ObjectInfo:
        path = self._path(name)
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise self._missing(name, exc) from exc
        except OSError as exc:
            raise self._os_error("stat", name, exc) from exc
        if not stat_module.S_ISREG(st.st_mode):
            raise ObjectNotFoundError(name, self.location)
        return ObjectInfo(name, st.st_size, st.st_mtime, f"{st.st_mtime_ns:x}-{st.st_size:x}")

    @contextmanager
    def _open_read(self, name: str) -> Iterator[BinaryIO]:
        path = self._path(name)
        try:
            handle = open(path, "rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise self._missing(name, exc) from exc
        except OSError as exc:
            raise self._os_error("read", name, exc) from exc
        with handle:
            yield handle

    def _put_stream(self, name: str, stream: BinaryIO, length: Optional[int], content_type: str) -> ObjectInfo:
        if not os.path.isdir(self._bucket_dir):
            raise BucketNotFoundError(self.location)
        path = self._path(name)
        folder = os.path.dirname(path)
        temp = os.path.join(folder, f"{TEMP_MARKER}{uuid.uuid4().hex}")
        for attempt in (1, 2):
            try:
                os.makedirs(folder, exist_ok=True)
                handle = open(temp, "xb")
                break
            except FileNotFoundError:
                if attempt == 2:  # the folder was pruned by a concurrent delete twice
                    raise StorageError(f"cannot store {name!r} in {self.location}: folder keeps disappearing")
            except (FileExistsError, NotADirectoryError) as exc:
                raise InvalidNameError(name, "a parent folder of it is an existing object") from exc
            except OSError as exc:
                raise self._os_error("store", name, exc) from exc
        try:
            with handle:
                copy_stream(stream, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except IsADirectoryError as exc:
            _unlink_quietly(temp)
            raise InvalidNameError(name, "a folder of that name holds other objects") from exc
        except OSError as exc:
            _unlink_quietly(temp)
            raise self._os_error("store", name, exc) from exc
        except BaseException:
            _unlink_quietly(temp)
            raise
        return self._stat(name)

    def _delete(self, name: str) -> None:
        path = self._path(name)
        try:
            os.unlink(path)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise self._missing(name, exc) from exc
        except OSError as exc:
            raise self._os_error("delete", name, exc) from exc
        self._prune(os.path.dirname(path))

    def _prune(self, folder: str) -> None:
        """Remove folders left empty, up to the bucket (object stores have no empty folders)."""
        while len(folder) > len(self._bucket_dir) and folder.startswith(self._bucket_dir + os.sep):
            try:
                os.rmdir(folder)
            except OSError:
                return
            folder = os.path.dirname(folder)

    def _url(self, name: str, expires: timedelta) -> str:
        return Path(self._path(name)).as_uri()

    def _bucket_exists(self) -> bool:
        return os.path.isdir(self._bucket_dir)

    def _create_bucket(self) -> None:
        try:
            os.makedirs(self._bucket_dir, exist_ok=True)
        except OSError as exc:
            raise self._os_error("create bucket", self.bucket, exc) from exc


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
