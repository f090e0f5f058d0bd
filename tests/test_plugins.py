"""Plugins registered through real entry points: lifecycle events, vetoes, conflicts, limits."""

from __future__ import annotations

import json
import logging

import pytest

import faceclips
from faceclips.cli import main

RECORDER = """
    import faceclips

    EVENTS = []
    HELD = {"held"}

    @faceclips.hookimpl
    def faceclips_clip_saved(manager, clip):
        EVENTS.append(("saved", clip.key, sorted(clip)))

    @faceclips.hookimpl
    def faceclips_clip_annotated(manager, clip):
        EVENTS.append(("annotated", clip.key, sorted(clip)))

    @faceclips.hookimpl
    def faceclips_clip_downloaded(manager, object_name, size):
        EVENTS.append(("downloaded", object_name, size))

    @faceclips.hookimpl
    def faceclips_before_remove(manager, clip_key, object_names):
        EVENTS.append(("before_remove", clip_key, sorted(object_names)))
        if clip_key in HELD:
            return faceclips.Veto("legal hold: case 117")
        return None

    @faceclips.hookimpl
    def faceclips_clip_removed(manager, clip_key, object_names):
        EVENTS.append(("removed", clip_key, sorted(object_names)))
"""


@pytest.fixture
def recorder(install_plugin):
    install_plugin("faceclips-recorder", {"recorder_plugin": RECORDER}, {"recorder": "recorder_plugin"}, version="2.3")
    import recorder_plugin

    return recorder_plugin


def test_entry_point_plugin_sees_every_lifecycle_event(recorder, manager, tmp_path):
    clip = manager.save_clip(b"video", camera_id="door", sidecar={"faces": []})
    manager.save_annotated(clip.key, b"annotated video")
    manager.download_file(clip.key)
    manager.download_to(clip.key + ".json", tmp_path / "side.json")
    manager.remove_file(clip.key + "_annotated.mp4")
    manager.remove_clip(clip.key)
    events = recorder.EVENTS
    assert events == [
        ("saved", clip.key, ["json", "original"]),
        ("annotated", clip.key, ["annotated", "json", "original"]),
        ("downloaded", clip.key + ".mp4", 5),
        ("downloaded", clip.key + ".json", (tmp_path / "side.json").stat().st_size),
        ("before_remove", clip.key, [clip.key + "_annotated.mp4"]),
        ("removed", clip.key, [clip.key + "_annotated.mp4"]),
        ("before_remove", clip.key, [clip.key + ".json", clip.key + ".mp4"]),
        ("removed", clip.key, [clip.key + ".json", clip.key + ".mp4"]),
    ]


def test_a_plugin_vetoes_removal(recorder, manager):
    manager.save_clip(b"evidence", key="held", sidecar={})
    manager.save_clip(b"routine", key="routine")
    with pytest.raises(faceclips.RemovalVetoedError, match="legal hold: case 117"):
        manager.remove_file("held")
    report = manager.remove_all_clips()
    assert report.vetoed == {"held": ["legal hold: case 117"]}
    assert report.removed == {"routine": ["routine.mp4"]}
    assert set(manager.list_clips()) == {"held"}
    assert ("removed", "routine", ["routine.mp4"]) in recorder.EVENTS
    assert not [e for e in recorder.EVENTS if e[0] == "removed" and e[1] == "held"]


def test_plugin_listing_shows_versions_and_hooks(recorder, capsys):
    assert main(["plugins", "--json"]) == 0
    listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)["plugins"]}
    assert listed["recorder"]["distribution"] == "faceclips-recorder"
    assert listed["recorder"]["version"] == "2.3"
    assert listed["recorder"]["builtin"] is False
    assert "faceclips_before_remove" in listed["recorder"]["hooks"]
    assert listed["local"]["builtin"] is True and listed["memory"]["builtin"] is True


def test_a_broken_plugin_is_logged_and_skipped(install_plugin, caplog, manager):
    install_plugin("faceclips-broken", {"broken_plugin": "import module_that_does_not_exist\n"}, {"broken": "broken_plugin"})
    with caplog.at_level(logging.WARNING, logger="faceclips.plugins"):
        pm = faceclips.PluginManager()
    assert "broken" in pm.failed and "module_that_does_not_exist" in pm.failed["broken"]
    assert any("broken" in record.getMessage() and "skipped" in record.getMessage() for record in caplog.records)
    assert set(pm.storage_backends()) >= {"local", "memory"}
    manager.save_clip(b"still works", key="ok")


BACKEND_PLUGIN = """
    import faceclips

    @faceclips.hookimpl
    def faceclips_storage_backends():
        yield faceclips.StorageBackendSpec(name={name!r}, schemes={schemes!r}, factory="faceclips.plugins.memory.backend:MemoryBackend.from_config")
"""


def test_two_plugins_claiming_one_backend_name_is_an_error_naming_both(install_plugin):
    install_plugin("faceclips-impostor", {"impostor": BACKEND_PLUGIN.format(name="local", schemes=("impostor",))}, {"impostor": "impostor"})
    with pytest.raises(faceclips.PluginConflictError) as error:
        faceclips.get_plugin_manager().storage_backends()
    assert "'local'" in str(error.value) and "'impostor'" in str(error.value)


def test_two_plugins_claiming_one_scheme_is_an_error_naming_both(install_plugin):
    install_plugin("faceclips-files", {"files2": BACKEND_PLUGIN.format(name="files2", schemes=("file",))}, {"files2": "files2"})
    with pytest.raises(faceclips.PluginConflictError, match=r"URL scheme 'file' is claimed by both plugin") as error:
        faceclips.open_storage("file:///tmp/x/y")
    assert "'local'" in str(error.value) and "'files2'" in str(error.value)


def test_one_plugin_name_from_two_distributions_is_an_error(install_plugin):
    install_plugin("faceclips-other-local", {"other_local": "x = 1\n"}, {"local": "other_local"})
    with pytest.raises(faceclips.PluginConflictError, match="faceclips-other-local"):
        faceclips.get_plugin_manager()


def test_environment_limits_which_plugins_load(recorder, monkeypatch):
    monkeypatch.setenv("FACECLIPS_PLUGINS", "memory,recorder")
    pm = faceclips.PluginManager()
    assert set(pm.storage_backends()) == {"memory"}
    assert pm.has_plugin("recorder")
    with pytest.raises(faceclips.UnknownComponentError, match=r"choose one of: memory://"):
        faceclips.open_storage("file:///tmp/a/b", pm)
    monkeypatch.setenv("FACECLIPS_PLUGINS", "")
    assert faceclips.PluginManager().storage_backends() == {}


def test_disabling_autoload_keeps_builtins_only(recorder, monkeypatch):
    monkeypatch.setenv("FACECLIPS_DISABLE_PLUGIN_AUTOLOAD", "1")
    pm = faceclips.PluginManager()
    assert not pm.has_plugin("recorder")
    assert set(pm.storage_backends()) == {"local", "memory", "minio", "fsspec"}
    pm.register(recorder, name="recorder")  # explicit registration still works
    assert pm.has_plugin("recorder")


MISSING_EXTRA = """
    import faceclips

    @faceclips.hookimpl
    def faceclips_storage_backends():
        yield faceclips.StorageBackendSpec(
            name="acme",
            schemes=("acme",),
            factory="acme_backend_impl:AcmeBackend",
            requires=("acme_sdk_not_installed",),
            install_hint="pip install 'faceclips-acme[sdk]'",
        )

    @faceclips.hookimpl
    def faceclips_inference_engines():
        yield faceclips.InferenceEngineSpec(
            name="acme-npu", device_types=("ACME/NPU",), factory="acme_sdk_not_installed:Engine",
            requires=("acme_sdk_not_installed",), install_hint="pip install 'faceclips-acme[npu]'",
        )
"""


def test_a_backend_whose_extra_is_missing_is_listed_and_fails_with_the_pip_command(install_plugin, capsys):
    install_plugin("faceclips-acme", {"acme_plugin": MISSING_EXTRA}, {"acme": "acme_plugin"})
    with pytest.raises(faceclips.MissingExtraError) as error:
        faceclips.open_storage("acme://bucket")
    assert "pip install 'faceclips-acme[sdk]'" in str(error.value)
    with pytest.raises(faceclips.MissingExtraError, match=r"pip install 'faceclips-acme\[npu\]'"):
        faceclips.get_plugin_manager().get_inference_engine("acme-npu").load_factory()
    assert main(["--url", "acme://bucket", "clips", "list"]) == 1
    assert "pip install 'faceclips-acme[sdk]'" in capsys.readouterr().err
    assert main(["plugins"]) == 0
    table = capsys.readouterr().out
    assert "faceclips-acme[sdk]" in table.replace("\n", "").replace(" ", "").replace("│", "")  # not eaten as markup
    assert main(["plugins", "--json"]) == 0
    components = {c["name"]: c for c in json.loads(capsys.readouterr().out)["components"]}
    assert components["acme"]["available"] is False
    assert components["acme"]["install"] == "pip install 'faceclips-acme[sdk]'"
    assert components["acme-npu"]["device_types"] == ["ACME/NPU"]


def test_a_factory_that_does_not_build_a_backend_is_a_plugin_error(install_plugin):
    install_plugin(
        "faceclips-wrong",
        {"wrong_plugin": """
            import faceclips
            @faceclips.hookimpl
            def faceclips_storage_backends():
                yield faceclips.StorageBackendSpec(name="wrong", schemes=("wrong",), factory=lambda config: object())
        """},
        {"wrong": "wrong_plugin"},
    )
    with pytest.raises(faceclips.PluginError, match="not a StorageBackend"):
        faceclips.open_storage("wrong://x")


def test_unknown_backend_lists_the_choices():
    with pytest.raises(faceclips.UnknownComponentError, match=r"unknown storage backend 'nope'; choose one of: fsspec, local, memory, minio"):
        faceclips.open_storage(faceclips.StorageConfig(backend="nope", bucket="b"))
