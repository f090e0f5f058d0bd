"""When a tracked face raises an alert, what the alert says, and who hears about it.

* :class:`AlertMode` — none, unknowns, knowns or all (the reference's ``ON_UNKNOWNS`` … names
  are accepted).
* :class:`AlertPolicy` — at most one alert per *identity* per cooldown window, whatever track
  ids the tracker hands out. An unknown person has no identity yet, so unknowns are told apart
  by embedding: a new unknown track that looks like one alerted within the cooldown is the
  same person and raises nothing.
* :class:`AlertEvent` — the structured record every notifier receives.
* :class:`MessageTemplate` — ``$field`` substitution over the event (``string.Template``);
  unknown fields are a configuration error. Nothing is ever evaluated.
* :class:`Notifications` — delivers events to the configured notifiers on a background
  thread, so a slow webhook never stalls the pipeline or the uploads; ``close`` drains it.
"""

from __future__ import annotations

import enum
import logging
import queue
import string
import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence

from .errors import ConfigError

__all__ = ["AlertMode", "AlertEvent", "AlertPolicy", "MessageTemplate", "Notifications", "build_notifiers"]

log = logging.getLogger("faceclips.alerts")


class AlertMode(enum.Enum):
    NONE = "none"
    UNKNOWNS = "unknowns"
    KNOWNS = "knowns"
    ALL = "all"

    @classmethod
    def parse(cls, value: Any) -> "AlertMode":
        if isinstance(value, cls):
            return value
        text = str(value).strip().lower()
        text = {"on_unknowns": "unknowns", "on_knowns": "knowns", "on_all": "all"}.get(text, text)
        try:
            return cls(text)
        except ValueError:
            raise ConfigError(f"alert mode {value!r} is not one of: none, unknowns, knowns, all") from None

    def wants(self, known: bool) -> bool:
        return self is AlertMode.ALL or (self is AlertMode.KNOWNS and known) or (self is AlertMode.UNKNOWNS and not known)


@dataclass(frozen=True)
class AlertEvent:
    """An alert, as notifiers receive it. ``clip_url`` is a share URL valid for ``url_expires_s``."""

    kind: str
    """``unknown_face`` or ``known_face``."""
    at: str
    """ISO 8601 UTC time of the frame that raised it."""
    camera_id: str
    track_id: int
    name: Optional[str] = None
    identity_id: Optional[str] = None
    similarity: Optional[float] = None
    clip_key: Optional[str] = None
    clip_url: Optional[str] = None
    url_expires_s: Optional[int] = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class MessageTemplate:
    """A ``$field`` template over :class:`AlertEvent` fields, checked when it is configured.

    >>> MessageTemplate("$kind on $camera_id").render(AlertEvent("unknown_face", "t", "door", 1))
    'unknown_face on door'
    """

    DEFAULT = "$at $kind on $camera_id: $name (track $track_id) clip $clip_url"
    FIELDS = frozenset(AlertEvent.__dataclass_fields__)

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise ConfigError("a message template must be a string")
        self.template = string.Template(text)
        for match in self.template.pattern.finditer(text):
            name = match.group("named") or match.group("braced")
            if match.group("invalid") is not None:
                raise ConfigError(f"message template {text!r}: a '$' must start a field name (write '$$' for a dollar sign)")
            if name and name not in self.FIELDS:
                raise ConfigError(f"message template field ${name} does not exist; choose from {', '.join(sorted(self.FIELDS))}")

    def render(self, event: AlertEvent) -> str:
        values = {key: ("unknown" if key == "name" and value is None else ("-" if value is None else value)) for key, value in event.to_dict().items()}
        return self.template.substitute(values)


class AlertPolicy:
    """Decides whether a newly confirmed track raises an alert (see the module docstring)."""

    def __init__(self, mode: AlertMode, cooldown_s: float, same_person: float) -> None:
        if cooldown_s < 0:
            raise ConfigError("alerts cooldown_s cannot be negative")
        self.mode, self.cooldown_s, self.same_person = mode, cooldown_s, same_person
        self._known: dict[str, float] = {}
        self._unknown: deque[tuple[float, Any]] = deque()

    def decide(self, identity_id: Optional[str], embedding: Any, now: float) -> Optional[str]:
        """The alert kind to raise for a track confirmed at ``now`` (seconds), or None."""
        known = identity_id is not None
        if not self.mode.wants(known):
            return None
        self._forget(now)
        if known:
            if identity_id in self._known:
                return None
            self._known[str(identity_id)] = now
            return "known_face"
        if embedding is not None:
            import numpy as np

            vector = np.asarray(embedding, dtype=np.float32)
            if any(float(np.dot(vector, other)) >= self.same_person for _, other in self._unknown):
                return None
            self._unknown.append((now, vector))
        return "unknown_face"

    def _forget(self, now: float) -> None:
        for identity_id in [key for key, at in self._known.items() if now - at >= self.cooldown_s]:
            del self._known[identity_id]
        while self._unknown and now - self._unknown[0][0] >= self.cooldown_s:
            self._unknown.popleft()


class Notifications:
    """Deliver events to notifiers on one background thread; failures are logged, never raised."""

    def __init__(self, notifiers: Sequence[tuple[str, Any]]) -> None:
        self.notifiers = list(notifiers)
        self.sent = 0
        self.failed = 0
        self._queue: "queue.Queue[Optional[AlertEvent]]" = queue.Queue(maxsize=1000)
        self._thread = threading.Thread(target=self._run, name="faceclips-notify", daemon=True)
        self._thread.start()

    def send(self, event: AlertEvent) -> None:
        if not self.notifiers:
            return
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.failed += 1
            log.error("notification queue full: %s event for track %s dropped", event.kind, event.track_id)

    def send_all(self, events: Iterable[AlertEvent]) -> None:
        for event in events:
            self.send(event)

    def _run(self) -> None:
        while True:
            event = self._queue.get()
            if event is None:
                return
            for name, notifier in self.notifiers:
                try:
                    notifier.notify(event)
                    self.sent += 1
                except Exception as exc:  # one failing notifier must not silence the others
                    self.failed += 1
                    log.error("notifier %s failed for %s event: %s", name, event.kind, exc)

    def close(self, timeout: Optional[float] = 30.0) -> None:
        """Deliver what is queued (up to ``timeout`` seconds), then stop."""
        self._queue.put(None)
        self._thread.join(timeout)


def build_notifiers(tables: Iterable[Mapping[str, Any]], plugin_manager: Any) -> list[tuple[str, Any]]:
    """Notifier objects from ``[[alerts.notifiers]]`` tables (``notifier = "webhook"``, settings…)."""
    built = []
    for table in tables:
        settings = dict(table)
        name = settings.pop("notifier", None)
        if not isinstance(name, str):
            raise ConfigError("each [[alerts.notifiers]] table needs notifier = \"<name>\"")
        factory = plugin_manager.get_notifier(name).load_factory()
        try:
            built.append((name, factory(**settings)))
        except TypeError as exc:
            raise ConfigError(f"notifier {name}: {exc}") from None
    return built
