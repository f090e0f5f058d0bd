"""The built-in notifiers. Each has ``notify(event)`` and raises on failure (the dispatcher
logs it and goes on). Messages are ``$name`` templates over the event's fields — never code."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Any, Mapping, Optional, TextIO
from urllib.parse import urlsplit

from faceclips.alerts import AlertEvent, MessageTemplate
from faceclips.errors import ConfigError, FaceclipsError

__all__ = ["Console", "Webhook", "Apprise"]


class Console:
    """Print ``message`` (a template) for each event."""

    def __init__(self, message: str = MessageTemplate.DEFAULT, stream: Optional[TextIO] = None) -> None:
        self.template = MessageTemplate(message)
        self.stream = stream

    def notify(self, event: AlertEvent) -> None:
        print(self.template.render(event), file=self.stream or sys.stdout, flush=True)


class Webhook:
    """POST ``{"event": …, "message": …}`` as JSON to ``url``; a reply must come within ``timeout_s``."""

    def __init__(self, url: str, timeout_s: float = 5.0, message: str = MessageTemplate.DEFAULT, headers: Optional[Mapping[str, str]] = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError("webhook: url must be an http:// or https:// URL")
        if not 0 < timeout_s <= 300:
            raise ConfigError("webhook: timeout_s must be in (0, 300]")
        self.url, self.timeout_s = url, float(timeout_s)
        self.where = f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}"  # no path, query or secret
        self.template = MessageTemplate(message)
        self.headers = {"Content-Type": "application/json", "User-Agent": "faceclips", **dict(headers or {})}

    def notify(self, event: AlertEvent) -> None:
        body = json.dumps({"event": event.to_dict(), "message": self.template.render(event)}).encode()
        request = urllib.request.Request(self.url, data=body, headers=self.headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310 - scheme checked above
                response.read(65536)
        except urllib.error.HTTPError as exc:
            raise FaceclipsError(f"webhook {self.where} answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FaceclipsError(f"webhook {self.where} failed: {reason}") from None

    def __repr__(self) -> str:
        return f"Webhook({self.where})"


class Apprise:
    """Send through Apprise: ``urls`` (one or a list) or ``config`` (an Apprise config file)."""

    def __init__(self, urls: Any = (), config: str = "", title: str = "faceclips: $kind", message: str = MessageTemplate.DEFAULT) -> None:
        import apprise

        self._apprise = apprise.Apprise()
        urls = [urls] if isinstance(urls, str) else list(urls)
        for url in urls:
            if not self._apprise.add(url):
                raise ConfigError("apprise: a URL is not understood by Apprise (check its scheme)")
        if config:
            loaded = apprise.AppriseConfig()
            if not loaded.add(config):
                raise ConfigError(f"apprise: cannot read config {config!r}")
            self._apprise.add(loaded)
        if not urls and not config:
            raise ConfigError("apprise: give urls or config")
        self.title, self.template = MessageTemplate(title), MessageTemplate(message)

    def notify(self, event: AlertEvent) -> None:
        if not self._apprise.notify(body=self.template.render(event), title=self.title.render(event)):
            raise FaceclipsError("apprise: at least one service did not accept the notification")
