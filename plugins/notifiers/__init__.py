"""Built-in plugin: notifiers ``console``, ``webhook`` and ``apprise``."""

from __future__ import annotations

from typing import Iterator

from faceclips import NotifierSpec, hookimpl


@hookimpl
def faceclips_notifiers() -> Iterator[NotifierSpec]:
    yield NotifierSpec(name="console", factory="faceclips.plugins.notifiers.builtin:Console", description="one line per event on standard output")
    yield NotifierSpec(name="webhook", factory="faceclips.plugins.notifiers.builtin:Webhook", description="POST the event as JSON, with a timeout")
    yield NotifierSpec(
        name="apprise",
        factory="faceclips.plugins.notifiers.builtin:Apprise",
        description="any Apprise URL or config file (mail, Slack, Telegram, ntfy, …)",
        requires=("apprise",),
        install_hint="pip install 'faceclips[notify]'",
    )
