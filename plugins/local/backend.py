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
from bisect import bisect_left
from contextlib import contextmanager
from itertools import chain
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
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


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

    def _missing(self, name: str) -> StorageError:
        if not os.path.isdir(self._bucket_dir):
            return BucketNotFoundError(self.location)
        return ObjectNotFoundError(name, self.location)

    def _os_error(self, action: str, name: str, exc: OSError) -> StorageError:
        if isinstance(exc, PermissionError):
            return AuthError(f"permission denied to {action} {name!r} in {self.location}")
        return StorageError(f"cannot {action} {name!r} in {self.location}: {exc.strerror or exc}")

    # -- listing --------------------------------------------------------------------

    def _entries(self, folder_fd: int, key_prefix: str, prefix: str) -> list[Union[list[ObjectInfo], tuple[str, str]]]:
        """One folder in key order, as runs of :class:`ObjectInfo` and ``(key + "/", name)`` folder marks.

        A folder's key ends in ``/`` so it sorts exactly where its contents' keys do. The
        folder is read through its descriptor, so each ``stat`` is an ``fstatat`` relative
        to it: the kernel resolves one name instead of the whole path.
        """
        files: list[ObjectInfo] = []
        folders: list[tuple[str, str]] = []
        append = files.append
        make = tuple.__new__  # ObjectInfo without its Python-level __new__: listings are hot
        try:
            with os.scandir(folder_fd) as scan:
                for entry in scan:
                    name = entry.name
                    if (name[0] == "." and name.startswith(TEMP_MARKER)) or "\\" in name:
                        continue
                    if not name.isascii() and not _is_utf8(name):
                        continue  # undecodable bytes on disk: not addressable as an object name
                    key = key_prefix + name
                    if entry.is_file(follow_symlinks=False):
                        if prefix and not key.startswith(prefix):
                            continue
                        try:
                            st = entry.stat(follow_symlinks=False)
                        except FileNotFoundError:
                            continue  # deleted while listing
                        append(make(ObjectInfo, (key, st.st_size, st.st_mtime, None, None)))
                    elif entry.is_dir(follow_symlinks=False):
                        key += "/"
                        if key.startswith(prefix) or prefix.startswith(key):
                            folders.append((key, name))
        except OSError as exc:
            raise self._os_error("list", key_prefix or "/", exc) from exc
        files.sort(key=_key)
        if not folders:
            return [files]
        folders.sort()
        keys = [info[0] for info in files]
        runs: list[Union[list[ObjectInfo], tuple[str, str]]] = []
        start = 0
        for folder in folders:
            cut = bisect_left(keys, folder[0], start)
            runs.append(files[start:cut])
            runs.append(folder)
            start = cut
        runs.append(files[start:])
        return runs

    def _list(self, prefix: str) -> Iterator[ObjectInfo]:
        return chain.from_iterable(self._list_pages(prefix))

    def _list_pages(self, prefix: str) -> Iterator[list[ObjectInfo]]:
        if not os.path.isdir(self._bucket_dir):
            raise BucketNotFoundError(self.location)
        folder_key = prefix.rpartition("/")[0]
        start = os.path.join(self._bucket_dir, *folder_key.split("/")) if folder_key else self._bucket_dir
        if folder_key and not os.path.realpath(start).startswith(os.path.realpath(self._bucket_dir) + os.sep):
            return iter(())
        try:
            start_fd = os.open(start, _DIR_FLAGS)
        except (FileNotFoundError, NotADirectoryError):
            return iter(())
        except OSError as exc:
            raise self._os_error("list", prefix or "/", exc) from exc
        return self._walk(start_fd, folder_key + "/" if folder_key else "", prefix)

    def _walk(self, start_fd: int, key_prefix: str, prefix: str) -> Iterator[list[ObjectInfo]]:
        """Depth-first, in key order; every opened folder descriptor is closed, even on early exit."""
        stack = [(iter(self._entries(start_fd, key_prefix, prefix)), start_fd)]
        try:
            while stack:
                runs, folder_fd = stack[-1]
                for run in runs:
                    if isinstance(run, list):
                        if run:
                            yield run
                        continue
                    try:  # a folder: descend, then resume this one
                        child = os.open(run[1], _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=folder_fd)
                    except (FileNotFoundError, NotADirectoryError):
                        continue  # removed, or replaced by a link, while listing
                    except OSError as exc:
                        raise self._os_error("list", run[0], exc) from exc
                    stack.append((iter(()), child))  # on the stack first: closed even if reading fails
                    stack[-1] = (iter(self._entries(child, run[0], prefix)), child)
                    break
                else:
                    stack.pop()
                    os.close(folder_fd)
        finally:
            for _, folder_fd in stack:
                os.close(folder_fd)

    # -- objects --------------------------------------------------------------------

    def _stat(self, name: str) -> ObjectInfo:
        path = self._path(name)
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise self._missing(name) from exc
        except OSError as exc:
            raise self._os_error("stat", name, exc) from exc
        if not stat_module.S_ISREG(st.st_mode):
            raise ObjectNotFoundError(name, self.location)
        return ObjectInfo(name, st.st_size, st.st_mtime)

    @contextmanager
    def _open_read(self, name: str) -> Iterator[BinaryIO]:
        path = self._path(name)
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed by the with-block below
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise self._missing(name) from exc
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
                handle = open(temp, "xb")  # noqa: SIM115 - closed by the with-block below
                break
            except FileNotFoundError:
                if attempt == 2:  # the folder was pruned by a concurrent delete twice
                    raise StorageError(f"cannot store {name!r} in {self.location}: folder keeps disappearing") from None
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
            raise self._missing(name) from exc
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
