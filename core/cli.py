"""The ``faceclips`` command line.

Exit status: 0 success, 1 error (one line on stderr, no traceback), 2 usage error.
Storage comes from ``--url``, else ``--config FILE`` / ``$FACECLIPS_CONFIG``, else
``FACECLIPS_STORAGE_*`` variables, else the embedded default ``file:./clips/alerts``.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table

from .cli_faces import attach as attach_face_commands
from .clipmanager import FaceClipManager
from .config import load_config
from .errors import ConfigError, FaceclipsError, PartialFailureError
from .pluginmanager import get_plugin_manager
from .retention import Retention, RetentionConfig, RetentionPlan, RetentionRule, load_retention_config
from .units import format_size, parse_duration

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


def _echo_kept(kept: dict[str, list[str]]) -> None:
    """One stderr line per clip a removal kept, with the reasons."""
    for key, reasons in kept.items():
        click.echo(f"kept {key}: {'; '.join(reasons)}", err=True)


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
            format_size(clip.size),
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
    click.echo(f"{object_name} -> {target} ({format_size(written)})", err=True)


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
    _echo_kept(report.vetoed)
    click.echo(
        f"{verb} {len(report.removed)} clip(s), {report.objects_removed} object(s), {format_size(report.bytes_freed)}; "
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


@clips.command("keep")
@click.argument("name")
@click.option("--reason", required=True, help="Why the clip is kept (a case number, say).")
@click.option("--by", help="Who asked for the hold.")
@click.pass_context
def clips_keep(ctx: click.Context, name: str, reason: str, by: Optional[str]) -> None:
    """Put a clip on legal hold: nothing removes it until released."""
    manager = _manager(ctx)
    manager.keep(name, reason, by=by)
    click.echo(f"kept {name}: {reason}")


@clips.command("release")
@click.argument("name")
@click.pass_context
def clips_release(ctx: click.Context, name: str) -> None:
    """Lift a clip's legal hold."""
    _manager(ctx).release(name)
    click.echo(f"released {name}")


def _rule_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option("--max-age", help="Rule: remove clips older than this (30d, 12h, 2w)."),
            click.option("--max-size", help="Rule: remove the oldest clips until the total fits (50GiB)."),
            click.option("--max-count", type=click.IntRange(min=0), help="Rule: keep at most this many clips."),
            click.option("--prefix", default="", help="Scope the rules given as options to keys starting with this."),
            click.option("--per-camera", is_flag=True, help="Apply the rules given as options to each camera separately."),
            click.option("--max-share", type=click.FloatRange(0, 1, min_open=True), help="Safety threshold (default 0.5 or the file's)."),
        ]
    ):
        command = option(command)
    return command


def _retention(ctx: click.Context, max_age: Optional[str], max_size: Optional[str], max_count: Optional[int], prefix: str, per_camera: bool, max_share: Optional[float]) -> Retention:
    configured = load_retention_config(ctx.obj["config"])
    per = "camera" if per_camera else None
    flags = []
    if max_age:
        flags.append(RetentionRule("max_age", {"max_age": max_age}, prefix, per))
    if max_size:
        flags.append(RetentionRule("max_total_size", {"max_total_size": max_size}, prefix, per))
    if max_count is not None:
        flags.append(RetentionRule("max_count", {"max_count": max_count}, prefix, per))
    rules = tuple(flags) or configured.rules
    if not rules:
        raise click.UsageError("no retention rules: give --max-age/--max-size/--max-count, or [[retention.rules]] in --config")
    config = RetentionConfig(rules, max_share if max_share is not None else configured.max_share, configured.batch_size)
    return Retention(_manager(ctx), config)


def _print_plan(plan: RetentionPlan) -> None:
    for removal in plan.removals:
        click.echo(f"{removal.key}\t{removal.rule}\t{removal.reason}\t{removal.size}")
    _echo_kept(plan.kept)
    click.echo(
        f"would remove {len(plan.removals)} of {plan.clips_total} clip(s) ({plan.share:.0%}), "
        f"freeing {format_size(plan.bytes_freed)} of {format_size(plan.bytes_total)}; {len(plan.kept)} kept",
        err=True,
    )


@cli.group()
def retention() -> None:
    """Remove clips by rules: plan first, then apply, or run as a service."""


@retention.command("plan")
@_rule_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def retention_plan(ctx: click.Context, as_json: bool, **rules: Any) -> None:
    """Show every clip the rules would remove, why, and the bytes freed; remove nothing."""
    plan = _retention(ctx, **rules).plan()
    if as_json:
        click.echo(json.dumps(plan.to_dict(), indent=2))
    else:
        _print_plan(plan)


@retention.command("apply")
@_rule_options
@click.option("--force", is_flag=True, help="Remove even when more than max_share of all clips would go.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def retention_apply(ctx: click.Context, force: bool, as_json: bool, **rules: Any) -> None:
    """Remove what the rules select now (kept and vetoed clips stay)."""
    report = _retention(ctx, **rules).apply(force=force)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for removal in report.removed:
            click.echo(f"removed {removal.key}\t{removal.rule}\t{removal.reason}")
        _echo_kept(report.kept)
        click.echo(f"removed {len(report.removed)} clip(s), freed {format_size(report.bytes_freed)}; {len(report.kept)} kept", err=True)
    if report.failed:
        for name, error in report.failed.items():
            click.echo(f"failed {name}: {error}", err=True)
        raise PartialFailureError(f"{len(report.failed)} object(s) could not be removed", report)


@retention.command("run")
@_rule_options
@click.option("--every", required=True, help="Interval between runs (1h, 15m, 30s).")
@click.option("--force", is_flag=True, help="Remove even when more than max_share of all clips would go.")
@click.pass_context
def retention_run(ctx: click.Context, every: str, force: bool, **rules: Any) -> None:
    """Apply the rules now and then every interval, until SIGTERM or Ctrl-C (a clean stop)."""
    try:
        interval = parse_duration(every).total_seconds()
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--every") from None
    if interval <= 0:
        raise click.BadParameter("must be positive", param_hint="--every")
    service = _retention(ctx, **rules)
    stop = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not stop.is_set():
            try:
                report = service.apply(force=force)
                click.echo(f"retention: removed {len(report.removed)} clip(s), freed {format_size(report.bytes_freed)}", err=True)
            except FaceclipsError as exc:  # a service keeps going; the next run may succeed
                click.echo(f"retention: {exc}", err=True)
            stop.wait(interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("retention: stopped", err=True)


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
        ("retention", pm.retention_policies()),
        ("video source", pm.video_sources()),
        ("tracker", pm.trackers()),
        ("face filter", pm.face_filters()),
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
        table.add_row(escape(info.name), escape(info.distribution or "-"), escape(info.version or "-"), ", ".join(info.hooks))
    console.print(table)
    table = Table(title="components", title_justify="left")
    for column in ("kind", "name", "serves", "status"):
        table.add_column(column, overflow="fold")
    for item in components:
        serves = ", ".join([f"{s}://" for s in item["schemes"]] + item["device_types"])
        status = "available" if item["available"] else f"needs: {item['install']}"
        table.add_row(item["kind"], escape(item["name"]), escape(serves), escape(status))
    console.print(table)
    for name, reason in pm.failed.items():
        console.print(f"[red]failed[/red] {escape(name)}: {escape(reason)}", highlight=False)


attach_face_commands(cli)
_commands_registered = False


def register_plugin_commands() -> None:
    """Let plugins add their commands (``faceclips_register_commands``), once per process."""
    global _commands_registered
    if not _commands_registered:
        _commands_registered = True
        get_plugin_manager().hook.faceclips_register_commands(cli=cli)


def main(argv: Optional[list[str]] = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        register_plugin_commands()
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
