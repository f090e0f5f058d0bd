"""Alert decisions, message templates and notifiers (a real HTTP server for the webhook)."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest

import faceclips
from hookserver import HookServer
from faceclips.alerts import AlertEvent, AlertMode, AlertPolicy, MessageTemplate, Notifications, build_notifiers

EVENT = AlertEvent("unknown_face", "2026-11-21T10:00:00+00:00", "door", 7, clip_key="door/x", clip_url="https://s3/x?sig=1")


def test_modes_and_reference_names():
    assert AlertMode.parse("ON_UNKNOWNS") is AlertMode.UNKNOWNS and AlertMode.parse("all") is AlertMode.ALL
    with pytest.raises(faceclips.ConfigError, match="none, unknowns, knowns, all"):
        AlertMode.parse("sometimes")
    assert AlertMode.KNOWNS.wants(True) and not AlertMode.KNOWNS.wants(False)


def test_one_alert_per_identity_per_cooldown_whatever_the_track():
    policy = AlertPolicy(AlertMode.ALL, cooldown_s=60, same_person=0.6)
    assert policy.decide("alice", None, now=0) == "known_face"
    assert policy.decide("alice", None, now=30) is None  # another track of Alice
    assert policy.decide("bob", None, now=31) == "known_face"
    assert policy.decide("alice", None, now=61) == "known_face"  # after the cooldown


def test_unknowns_are_told_apart_by_embedding():
    policy = AlertPolicy(AlertMode.UNKNOWNS, cooldown_s=60, same_person=0.6)
    a, b = np.eye(4, dtype=np.float32)[0], np.eye(4, dtype=np.float32)[1]
    assert policy.decide(None, a, now=0) == "unknown_face"
    assert policy.decide(None, a * 0.99 + b * 0.05, now=5) is None  # the same stranger, new track
    assert policy.decide(None, b, now=6) == "unknown_face"  # another stranger
    assert policy.decide("alice", None, now=7) is None  # knowns are not wanted in this mode


def test_templates_substitute_fields_and_refuse_code():
    assert MessageTemplate("$kind at $camera_id: ${name}").render(EVENT) == "unknown_face at door: unknown"
    with pytest.raises(faceclips.ConfigError, match=r"\$time does not exist; choose from"):
        MessageTemplate("${time}: Unknown person detected")  # degirum-face's default has no such field here
    with pytest.raises(faceclips.ConfigError, match="must start a field name"):
        MessageTemplate("${__import__('os').system('id')}")


def test_webhook_posts_json_and_times_out_without_leaking_the_url(caplog):
    fast, slow = HookServer(0), HookServer(3)
    try:
        pm = faceclips.get_plugin_manager()
        notifiers = build_notifiers(
            [{"notifier": "webhook", "url": f"http://127.0.0.1:{slow.port}/h?token=SECRET", "timeout_s": 0.5},
             {"notifier": "webhook", "url": f"http://127.0.0.1:{fast.port}/h", "message": "$kind $clip_url"}],
            pm,
        )
        notifications = Notifications(notifiers)
        started = time.monotonic()
        notifications.send(EVENT)
        notifications.close(timeout=10)
        assert time.monotonic() - started < 3  # the slow hook was cut off at its timeout
        assert fast.received == [{"event": EVENT.to_dict(), "message": "unknown_face https://s3/x?sig=1"}]
        assert notifications.failed == 1 and notifications.sent == 1
        assert "timed out" in caplog.text and "SECRET" not in caplog.text
    finally:
        fast.close()
        slow.close()


def test_console_and_bad_notifier_configs():
    pm = faceclips.get_plugin_manager()
    out = io.StringIO()
    [(name, console)] = build_notifiers([{"notifier": "console", "message": "$kind on $camera_id", "stream": out}], pm)
    console.notify(EVENT)
    assert out.getvalue() == "unknown_face on door\n"
    with pytest.raises(faceclips.UnknownComponentError, match="choose one of: apprise, console, webhook"):
        build_notifiers([{"notifier": "pager"}], pm)
    with pytest.raises(faceclips.ConfigError, match="http:// or https://"):
        build_notifiers([{"notifier": "webhook", "url": "file:///etc/passwd"}], pm)
    with pytest.raises(faceclips.ConfigError, match="notifier webhook"):
        build_notifiers([{"notifier": "webhook", "url": "https://x", "retries": 3}], pm)


def test_apprise_delivers_through_a_real_apprise():
    hook = HookServer(0)
    try:
        pm = faceclips.get_plugin_manager()
        [(_, notifier)] = build_notifiers([{"notifier": "apprise", "urls": f"json://127.0.0.1:{hook.port}/", "message": "$kind on $camera_id"}], pm)
        notifier.notify(EVENT)
        [body] = hook.received
        assert (body["title"], body["message"]) == ("faceclips: unknown_face", "unknown_face on door")
        with pytest.raises(faceclips.ConfigError, match="not understood"):
            build_notifiers([{"notifier": "apprise", "urls": "nonsense"}], pm)
    finally:
        hook.close()
