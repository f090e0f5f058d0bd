"""Validation of object and bucket names, applied before any I/O.

Object names are ``/``-separated keys, the same on every OS. A name is refused when it
could escape the bucket on a filesystem-backed store or is ambiguous on an object store.
"""

from __future__ import annotations

import re

from .errors import InvalidNameError

__all__ = ["validate_object_name", "validate_prefix", "validate_bucket_name", "validate_segment", "TEMP_MARKER"]

TEMP_MARKER = ".faceclips-tmp-"
"""Basename prefix of in-flight uploads; such names are never listed nor accepted."""

MAX_NAME_BYTES = 1024
_BUCKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


def _check_text(name: object, what: str) -> str:
    if not isinstance(name, str):
        raise InvalidNameError(name, f"{what} must be a string, not {type(name).__name__}")
    if "\x00" in name:
        raise InvalidNameError(name, "contains a NUL character")
    if "\\" in name:
        raise InvalidNameError(name, "contains a backslash; use '/' to separate folders")
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in name):
        raise InvalidNameError(name, "contains a control character")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise InvalidNameError(name, f"longer than {MAX_NAME_BYTES} bytes")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidNameError(name, "is not valid Unicode text (lone surrogate)") from None
    return name


def _check_segments(name: str, segments: list[str]) -> None:
    for segment in segments:
        if segment == "":
            raise InvalidNameError(name, "has an empty path segment ('//', or a leading or trailing '/')")
        if segment in (".", ".."):
            raise InvalidNameError(name, f"has a {segment!r} segment")
        if segment.startswith(TEMP_MARKER):
            raise InvalidNameError(name, f"segments starting with {TEMP_MARKER!r} are reserved")


def validate_object_name(name: object) -> str:
    """Return ``name`` if it is a safe object name, else raise :class:`InvalidNameError`.

    >>> validate_object_name("cam1/2026-11-21/clip.mp4")
    'cam1/2026-11-21/clip.mp4'
    """
    text = _check_text(name, "an object name")
    if not text:
        raise InvalidNameError(name, "is empty")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        raise InvalidNameError(name, "is an absolute path")
    _check_segments(text, text.split("/"))
    return text


def validate_prefix(prefix: object) -> str:
    """Validate a listing prefix: a key prefix, possibly empty or ending in ``/``."""
    text = _check_text(prefix, "a prefix")
    if not text:
        return text
    if text.startswith("/"):
        raise InvalidNameError(prefix, "is an absolute path")
    segments = text.split("/")
    # The last segment is a partial name ("cam1/20" matches "cam1/2026-…"); it may be empty.
    _check_segments(text, segments[:-1])
    if segments[-1] in (".", ".."):
        raise InvalidNameError(prefix, f"has a {segments[-1]!r} segment")
    return text


def validate_segment(value: object, what: str) -> str:
    """Validate one name segment (a camera id, say): no '/', no dots-only names."""
    text = _check_text(value, what)
    if not text or "/" in text or text in (".", "..") or text.startswith(TEMP_MARKER):
        raise InvalidNameError(value, f"{what} must be one non-empty name segment without '/'")
    return text


def validate_bucket_name(bucket: object) -> str:
    """Validate a bucket name: 1-63 letters, digits, '.', '_' or '-', starting alphanumeric."""
    text = _check_text(bucket, "a bucket name")
    if not _BUCKET.match(text) or ".." in text:
        raise InvalidNameError(
            bucket, "a bucket name is 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return text
