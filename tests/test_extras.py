"""Built-in plugins whose extra is not installed: listed, and failing with the pip command.

Each check runs ``faceclips`` in a fresh interpreter where importing the extra's package
fails, exactly as on an install without ``faceclips[minio]`` / ``faceclips[s3]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

RUN_WITHOUT = textwrap.dedent(
    """
    import importlib.abc, sys

    class Missing(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {blocked!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, Missing())
    from faceclips.cli import main
    sys.exit(main({argv!r}))
    """
)


def faceclips_without(blocked: set[str], *argv: str) -> subprocess.CompletedProcess[str]:
    code = RUN_WITHOUT.format(blocked=blocked, argv=list(argv))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "blocked, url, hint",
    [
        ({"minio"}, "minio://127.0.0.1:9000/alerts", "pip install 'faceclips[minio]'"),
        ({"fsspec", "s3fs"}, "s3://alerts", "pip install 'faceclips[s3]'"),
    ],
)
def test_a_missing_extra_is_listed_and_names_the_pip_command(blocked, url, hint):
    listed = faceclips_without(blocked, "plugins", "--json")
    assert listed.returncode == 0, listed.stderr
    components = {c["name"]: c for c in json.loads(listed.stdout)["components"]}
    name = "minio" if "minio" in blocked else "fsspec"
    assert components[name]["available"] is False and components[name]["install"] == hint
    assert components["local"]["available"] is True
    used = faceclips_without(blocked, "--url", url, "clips", "list")
    assert used.returncode == 1
    assert used.stderr.strip().splitlines() == [f"error: storage backend '{name}' needs an optional dependency (missing module '{sorted(blocked)[0] if name == 'minio' else 'fsspec'}'); install it with: {hint}"]


def test_models_commands_and_plugins_work_without_the_degirum_extra():
    listed = faceclips_without({"degirum", "numpy", "cv2"}, "models", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    families = json.loads(listed.stdout)["families"]
    assert len(families) == 10 and "HAILORT/HAILO8" in families["degirum-hailort"]["device_types"]
    plugins = faceclips_without({"degirum", "numpy", "cv2"}, "plugins", "--json")
    components = {c["name"]: c for c in json.loads(plugins.stdout)["components"]}
    assert components["degirum-tflite"] == {**components["degirum-tflite"], "available": False, "install": "pip install 'faceclips[degirum]'"}
