"""The ``faceclips`` command line.

Exit status: 0 success, 1 error (one line on stderr, no traceback), 2 usage error.
Storage comes from ``--url``, else ``--config FILE`` / ``$FACECLIPS_CONFIG``, else
``FACECLIPS_STORAGE_*`` variables, else the embedded default ``file:./clips/alerts``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table

from .clipmanager import FaceClipManager
from .config import load_config
from .errors import FaceclipsError, PartialFailureError
from .pluginmanager import get_plugin_manager

__all__ = ["cli", "main"]

log = logging.getLogger("faceclips")
_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _moment(text: Optional[str]) -> Optional[datetime]:
    """``7d``/``24h``/``30m`` ago, or an ISO date/time (naive = local time)."""
    if text is None:
        return None
    match = _AGE.match(text.strip())
    if match:
        return datetime.now(timezone.utc) - timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is neither an age like 7d/24h/30m nor an ISO date") from None


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count} B"


def _manager(ctx: click.Context) -> FaceClipManager:
    options = ctx.obj
    if "manager" not in options:
        config = load_config(options["config"], url=options["url"])
        log.debug("storage: %r", config)
        options["manager"] = FaceClipManager(config, create_bucket=False)
        ctx.call_on_close(options["manager"].close)
    return options["manager"]


def _stderr() -> Console:
    return Console(stderr=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config", type=click.Path(dir_okay=False), help="TOML configuration file.")
@click.option("--url", help="Storage URL, e.g. file:///srv/clips/alerts (overrides the configuration).")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.version_option(package_name="faceclips", prog_name="faceclips")
@click.pass_context
def cli(ctx: click.Context, config: Optional[str], url: Optional[str], verbose: int) -> None:
    """Keep, list, share and manage face-tracking alert clips."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="faceclips: %(levelname)s: %(message)s", stream=sys.stderr)
    logging.getLogger("faceclips").setLevel(level)
    ctx.obj = {"config": config, "url": url}


@cli.group()
def clips() -> None:
    """List, download, share and remove clips."""


@clips.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--prefix", default="", help="Only clips whose key starts with this, e.g. cam1/2026-11-.")
@click.option("--since", help="Only clips from this age (7d, 24h, 30m) or ISO date on.")
@click.option("--until", help="Only clips before this age or ISO date.")
@click.pass_context
def clips_list(ctx: click.Context, as_json: bool, prefix: str, since: Optional[str], until: Optional[str]) -> None:
    """List clips with their parts, sizes and times."""
    manager = _manager(ctx)
    found = sorted(manager.iter_clips(prefix=prefix, since=_moment(since), until=_moment(until)), key=lambda c: c.key)
    if as_json:
        click.echo(json.dumps([clip.to_dict() for clip in found], indent=2, ensure_ascii=False))
        return
    console = Console()
    if not console.is_terminal:
        for clip in found:
            parts = ",".join(sorted(clip))
            click.echo(f"{clip.key}\t{parts}\t{clip.size}\t{clip.last_modified.isoformat()}")
        return
    table = Table(title=f"{len(found)} clip(s) in {manager.storage.location}", title_justify="left")
    table.add_column("clip", overflow="fold")
    for part in ("original", "annotated", "json"):
        table.add_column(part, justify="center")
    table.add_column("size", justify="right")
    table.add_column("recorded (local time)")
    for clip in found:
        table.add_row(
            clip.key,
            *("✓" if part in clip else "" for part in ("original", "annotated", "json")),
            _size(clip.size),
            clip.last_modified.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
        )
    console.print(table)


@clips.command("download")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(), help="File or folder to write (default: the clip's file name; - for stdout).")
@click.pass_context
def clips_download(ctx: click.Context, name: str, output: Optional[str]) -> None:
    """Download one clip or part (.mp4 is added when NAME has no clip suffix)."""
    manager = _manager(ctx)
    object_name = manager.object_name(name)
    if output == "-":
        manager.download_to(object_name, sys.stdout.buffer)
        return
    target = Path(output) if output else Path(object_name.rpartition("/")[2])
    if target.is_dir():
        target = target / object_name.rpartition("/")[2]
    size = manager.stat(object_name).size
    console = _stderr()
    with Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(object_name, total=size)
        written = manager.download_to(object_name, target, progress=lambda n: progress.advance(task, n))
    click.echo(f"{object_name} -> {target} ({_size(written)})", err=True)


@clips.command("rm")
@click.argument("name")
@click.option("--clip", "whole_clip", is_flag=True, help="Remove every part of the clip, not only one file.")
@click.pass_context
def clips_rm(ctx: click.Context, name: str, whole_clip: bool) -> None:
    """Remove one file (.mp4 added when needed), or with --clip every part of a clip."""
    manager = _manager(ctx)
    if whole_clip:
        for removed in manager.remove_clip(name):
            click.echo(f"removed {removed}")
        return
    object_name = manager.object_name(name)
    manager.remove_file(object_name)
    click.echo(f"removed {object_name}")


@clips.command("purge")
@click.option("--yes", is_flag=True, help="Really remove every clip.")
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
@click.option("--prefix", default="", help="Only clips whose key starts with this.")
@click.pass_context
def clips_purge(ctx: click.Context, yes: bool, dry_run: bool, prefix: str) -> None:
    """Remove every clip part in the bucket (other objects stay)."""
    if not yes and not dry_run:
        raise click.UsageError("purge removes every clip in the bucket; add --yes to do it, or --dry-run to list them")
    manager = _manager(ctx)
    try:
        report = manager.remove_all_clips(prefix=prefix, dry_run=dry_run)
    except PartialFailureError as exc:
        report = exc.report
        for name, error in report.failed.items():
            click.echo(f"failed {name}: {error}", err=True)
        raise
    verb = "would remove" if dry_run else "removed"
    for names in report.removed.values():
        for object_name in names:
            click.echo(f"{verb} {object_name}")
    for key, reasons in report.vetoed.items():
        click.echo(f"kept {key}: {'; '.join(reasons)}", err=True)
    click.echo(
        f"{verb} {len(report.removed)} clip(s), {report.objects_removed} object(s), {_size(report.bytes_freed)}; "
        f"{len(report.vetoed)} kept",
        err=True,
    )


@clips.command("url")
@click.argument("name")
@click.option("--expires", type=click.IntRange(min=1), help="Seconds the link stays valid (default: url_expiration_s).")
@click.pass_context
def clips_url(ctx: click.Context, name: str, expires: Optional[int]) -> None:
    """Print a share URL for a clip or part."""
    click.echo(_manager(ctx).url(name, expires=expires))


@clips.command("init")
@click.pass_context
def clips_init(ctx: click.Context) -> None:
    """Create the configured bucket if it does not exist."""
    manager = _manager(ctx)
    created = manager.storage.ensure_bucket()
    click.echo(f"{'created' if created else 'exists'}: {manager.storage.location}")


@cli.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def plugins_command(as_json: bool) -> None:
    """List loaded plugins, their hooks, and the components they register."""
    pm = get_plugin_manager()
    infos = pm.plugin_infos()
    components: list[dict[str, Any]] = []
    for kind, registry in (
        ("storage", pm.storage_backends()),
        ("inference", pm.inference_engines()),
        ("notifier", pm.notifiers()),
    ):
        for spec in registry.values():
            missing = spec.missing_requirements()
            components.append(
                {
                    "kind": kind,
                    "name": spec.name,
                    "schemes": list(getattr(spec, "schemes", ())),
                    "device_types": list(getattr(spec, "device_types", ())),
                    "available": not missing,
                    "install": spec.install_hint if missing else "",
                    "description": spec.description,
                }
            )
    if as_json:
        payload = {
            "plugins": [
                {"name": i.name, "distribution": i.distribution, "version": i.version, "builtin": i.builtin, "hooks": list(i.hooks)}
                for i in infos
            ],
            "components": components,
            "failed": pm.failed,
        }
        click.echo(json.dumps(payload, indent=2))
        return
    console = Console()
    table = Table(title="plugins", title_justify="left")
    for column in ("name", "distribution", "version", "hooks"):
        table.add_column(column, overflow="fold")
    for info in infos:
        table.add_row(info.name, info.distribution or "-", info.version or "-", ", ".join(info.hooks))
    console.print(table)
    table = Table(title="components", title_justify="left")
    for column in ("kind", "name", "serves", "status"):
        table.add_column(column, overflow="fold")
    for item in components:
        serves = ", ".join([f"{s}://" for s in item["schemes"]] + item["device_types"])
        status = "available" if item["available"] else f"needs: {item['install']}"
        table.add_row(item["kind"], item["name"], serves, status)
    console.print(table)
    for name, reason in pm.failed.items():
        console.print(f"[red]failed[/red] {name}: {reason}", highlight=False)


def main(argv: Optional[list[str]] = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        cli.main(args=argv, prog_name="faceclips", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return 1
    except FaceclipsError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except OSError as exc:
        click.echo(f"error: {exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
