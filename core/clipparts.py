"""How object names map to clips: the core's part declarations and the classifier.

An object belongs to clip ``key`` as ``part`` when its name is ``key + suffix`` for a
declared part suffix and ``key``'s own file name is not empty. Only the object's own
file name matters: a folder called ``lobby_annotated/`` does not make its contents
annotated clips, and ``door_annotated_2.mp4`` is the original of ``door_annotated_2``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from .hookspecs import hookimpl
from .types import ClipPartMatch, ClipPartSpec, Veto

if TYPE_CHECKING:
    from .clips import Clip

__all__ = ["CorePartsPlugin", "KeepPlugin", "ClipClassifier", "ORIGINAL", "ANNOTATED", "JSON", "KEEP_PART", "ANNOTATED_SUFFIX", "KEEP_SUFFIX"]

ORIGINAL = "original"
ANNOTATED = "annotated"
JSON = "json"
KEEP_PART = "keep"
ANNOTATED_SUFFIX = "_annotated"
KEEP_SUFFIX = ".keep"
KEEP_REASON = "kept (legal hold)"


class CorePartsPlugin:
    """The core's own clip parts, registered like any plugin's."""

    @hookimpl
    def faceclips_clip_parts(self) -> Iterable[ClipPartSpec]:
        yield ClipPartSpec(ORIGINAL, ".mp4", "the recorded video")
        yield ClipPartSpec(ANNOTATED, ANNOTATED_SUFFIX + ".mp4", "the video with faces drawn on it")
        yield ClipPartSpec(JSON, ".json", "the sidecar with clip properties and faces")


class KeepPlugin:
    """Core plugin: the ``keep`` part (a legal-hold marker object) and the veto protecting kept clips.

    The marker is a clip part, so listings carry it and protecting 100,000 clips costs no
    request per clip; only a removal that does not know the clip's parts checks for it.
    """

    @hookimpl
    def faceclips_clip_parts(self) -> Iterable[ClipPartSpec]:
        yield ClipPartSpec(KEEP_PART, KEEP_SUFFIX, "legal-hold marker: the clip is never removed")

    @hookimpl
    def faceclips_before_remove(self, manager: Any, clip_key: str, object_names: list[str], clip: Optional["Clip"]) -> Optional[Veto]:
        kept = is_held(clip_key, object_names, clip, lambda: manager.storage.exists(clip_key + KEEP_SUFFIX))
        return Veto(KEEP_REASON, plugin="faceclips.keep") if kept else None


def is_held(clip_key: str, object_names: list[str], clip: Optional["Clip"], marker_exists: Callable[[], bool]) -> bool:
    """Whether removing ``object_names`` of a clip breaks its legal hold. Removing the marker alone
    releases the hold; a listed ``clip`` answers without I/O, else ``marker_exists`` is asked."""
    if object_names == [clip_key + KEEP_SUFFIX]:
        return False
    return (KEEP_PART in clip) if clip is not None else marker_exists()


class ClipClassifier:
    """Classify object names into ``(clip key, part)`` and build names back from them."""

    def __init__(self, parts: Iterable[ClipPartSpec], hook: Any = None) -> None:
        ordered = sorted(parts, key=lambda spec: -len(spec.suffix))
        self.rules = [(spec.suffix, len(spec.suffix), spec.part) for spec in ordered]
        """``(suffix, length, part)`` triples, longest suffix first."""
        self.tail_length = min((len(spec.suffix) for spec in ordered), default=1)
        self.rules_by_tail: dict[str, list[tuple[str, int, str]]] = {}
        """The rules that can match a name, keyed by the name's last ``tail_length`` characters."""
        for rule in self.rules:
            self.rules_by_tail.setdefault(rule[0][-self.tail_length :], []).append(rule)
        self.part_after_key: dict[str, tuple[str, tuple[str, ...]]] = {
            suffix: (part, tuple(longer for longer, _, _ in self.rules if len(longer) > len(suffix) and longer.endswith(suffix)))
            for suffix, _, part in self.rules
        }
        """Suffix -> (part, longer suffixes ending with it, which take precedence), for names ``key + suffix``."""
        self._suffix_of: dict[str, str] = {}
        for spec in ordered:
            self._suffix_of.setdefault(spec.part, spec.suffix)
        # Plugin classifiers run first; with none registered, the suffix rules run directly.
        self._hook = hook if hook is not None and hook.get_hookimpls() else None

    @property
    def has_plugin_classifier(self) -> bool:
        """True when a plugin implements ``faceclips_classify_object``."""
        return self._hook is not None

    def classify(self, object_name: str) -> Optional[ClipPartMatch]:
        """Return the clip and part ``object_name`` belongs to, or ``None`` for other objects."""
        if self._hook is not None:
            answer = self._hook(object_name=object_name)
            if answer is not None:
                return answer if answer.key else None
        for suffix, length, part in self.rules_by_tail.get(object_name[-self.tail_length :], ()):
            if object_name.endswith(suffix):
                key = object_name[:-length]
                if key and key[-1] != "/":
                    return ClipPartMatch(key, part)
        return None

    def object_name(self, key: str, part: str = ORIGINAL) -> str:
        """The object name of ``part`` of clip ``key``."""
        try:
            return key + self._suffix_of[part]
        except KeyError:
            raise KeyError(f"unknown clip part {part!r}; choose one of: {', '.join(self._suffix_of)}") from None

    def is_part_name(self, name: str) -> bool:
        """True when ``name`` is the name of a clip part (so it needs no ``.mp4`` added)."""
        return self.classify(name) is not None
