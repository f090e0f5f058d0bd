"""The worked example of docs/plugins.md: a third-party backend package, installed with pip,
registered by entry point, passing the conformance kit with a few lines."""

from __future__ import annotations

import importlib.metadata

import pytest

import faceclips
from faceclips.testing import StorageContract


def test_the_example_plugin_is_installed_and_registered_by_entry_point():
    try:
        distribution = importlib.metadata.distribution("faceclips-sqlite")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("the example plugin is not installed: pip install ./tests/example_plugin (the README's test command does)")
    assert [ep.name for ep in distribution.entry_points if ep.group == "faceclips"] == ["sqlite"]
    info = {plugin.name: plugin for plugin in faceclips.get_plugin_manager().plugin_infos()}["sqlite"]
    assert (info.distribution, info.builtin, info.hooks) == ("faceclips-sqlite", False, ("faceclips_storage_backends",))


class TestSqliteExamplePlugin(StorageContract):
    urls_fetchable = False

    @pytest.fixture
    def backend(self, tmp_path):
        storage = faceclips.open_storage(f"sqlite://{tmp_path}/clips.db?bucket=contract")
        storage.ensure_bucket()
        return storage

    @pytest.fixture
    def missing_bucket_backend(self, tmp_path):
        return faceclips.open_storage(f"sqlite://{tmp_path}/clips.db?bucket=missing")


def test_the_manager_runs_on_the_example_plugin(tmp_path):
    manager = faceclips.FaceClipManager(f"sqlite://{tmp_path}/clips.db?bucket=alerts", create_bucket=True)
    clip = manager.save_clip(b"video", camera_id="door", sidecar={"faces": []})
    assert set(manager.list_clips()[clip.key]) == {"original", "json"}
    assert manager.remove_all_clips().objects_removed == 2
