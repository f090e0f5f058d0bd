"""``faceclips track``, ``annotate``, ``enroll`` and ``faces …``: the tracker on the command line."""

from __future__ import annotations

import json
import signal
from dataclasses import replace
from typing import Any, Optional

import click
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from .config import load_config
from .errors import FaceclipsError
from .identities import IdentityDB, IdentityError
from .settings import Settings, load_settings

__all__ = ["attach"]


def _settings(ctx: click.Context) -> Settings:
    options = ctx.find_root().obj
    settings = load_settings(options["config"])
    if options.get("url"):
        settings = replace(settings, storage=load_config(options["config"], url=options["url"]))
    return settings


def _existing_db(settings: Settings, read_only: bool = False) -> Optional[IdentityDB]:
    """The configured identity database, opened without an inference engine; None if absent."""
    import os

    path = os.path.expanduser(settings.recognizer.db_path)
    stored = IdentityDB.stored_family(path)
    if stored is None:
        return None
    family, dimension = stored
    return IdentityDB(path, family=family, dimension=dimension, threshold=settings.recognizer.threshold, read_only=read_only)


@click.command("track")
@click.argument("source", required=False)
@click.option("--alert", "mode", type=click.Choice(["none", "unknowns", "knowns", "all"]), help="Which faces raise alerts (default: the configuration's).")
@click.option("--pre", "pre_s", type=click.FloatRange(min=0), help="Seconds of video before an alert in its clip.")
@click.option("--post", "post_s", type=click.FloatRange(min=0), help="Seconds of video after an alert in its clip.")
@click.option("--camera-id", help="First part of the keys of clips recorded from this source.")
@click.option("--device", "device_type", help="Inference device type, e.g. ONNX/CPU, or auto.")
@click.option("--max-frames", type=click.IntRange(min=1), help="Stop after this many frames.")
@click.pass_context
def track(ctx: click.Context, source: Optional[str], mode: Optional[str], pre_s: Optional[float], post_s: Optional[float],
          camera_id: Optional[str], device_type: Optional[str], max_frames: Optional[int]) -> None:
    """Track faces from SOURCE (a video file, an rtsp:// URL or a camera index), record and
    upload a clip for each alert and notify. Ctrl-C or SIGTERM stops after uploading."""
    from .tracker import FaceTracker, TrackingStats

    settings = _settings(ctx)
    alerts: dict[str, Any] = {k: v for k, v in (("mode", mode), ("pre_s", pre_s), ("post_s", post_s)) if v is not None}
    settings = replace(settings, alerts=replace(settings.alerts, **alerts))
    tracker_changes: dict[str, Any] = {}
    if camera_id:
        tracker_changes["camera_id"] = camera_id
    if source is not None:
        tracker_changes["source"] = source
    settings = replace(settings, tracker=replace(settings.tracker, **tracker_changes))
    if device_type:
        settings = replace(settings, inference=replace(settings.inference, device_type=device_type))
    tracker = FaceTracker(settings)
    console = Console(stderr=True)

    def line(stats: TrackingStats) -> str:
        return (f"frames {stats.frames}  {stats.fps:.1f} fps  faces {stats.faces}  tracks {stats.tracks}  "
                f"alerts {stats.alerts}  clips {stats.clips_saved}/{stats.clips} saved")

    previous = {sig: signal.signal(sig, lambda *_: tracker.stop()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with Live(console=console, refresh_per_second=2, transient=False) as live:
            stats = tracker.run(max_frames=max_frames, on_frame=lambda result, stats: live.update(line(stats)) if stats.frames % 5 == 0 else None)
            live.update(line(stats))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        tracker.close()
    if not console.is_terminal:
        console.print()  # end the last status line
    console.print(f"done: {stats.frames} frames, {stats.alerts} alert(s), {stats.clips_saved} clip(s) saved", highlight=False)


@click.command("annotate")
@click.argument("clip")
@click.option("--json", "as_json", is_flag=True, help="Print the face summaries as JSON.")
@click.pass_context
def annotate(ctx: click.Context, clip: str, as_json: bool) -> None:
    """Find the faces in a stored CLIP; upload CLIP_annotated.mp4 and the faces into its sidecar."""
    from .tracker import FaceTracker

    from rich.progress import Progress

    with FaceTracker(_settings(ctx)) as tracker, Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"annotating {clip}", total=None)
        summaries = tracker.find_faces_in_clip(clip, progress=lambda done, total: bar.update(task, completed=done, total=total))
    rows: list[dict[str, Any]] = [
        {"track_id": s.track_id, "first_frame": s.first_frame, "last_frame": s.last_frame, "frames": s.frames,
         "name": s.identity.name if s.identity else None, "similarity": round(s.identity.similarity, 3) if s.identity else None}
        for s in summaries.values()
    ]
    if as_json:
        click.echo(json.dumps({"clip": clip, "tracks": rows}, indent=2))
        return
    table = Table(title=f"faces in {escape(clip)}", title_justify="left")
    for column in ("track", "frames", "first", "last", "identity"):
        table.add_column(column)
    for row in rows:
        who = f"{escape(row['name'])} ({row['similarity']})" if row["name"] else "unknown"
        table.add_row(str(row["track_id"]), str(row["frames"]), str(row["first_frame"]), str(row["last_frame"]), who)
    Console().print(table)


@click.command("enroll")
@click.argument("name")
@click.argument("images", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def enroll(ctx: click.Context, name: str, images: tuple[str, ...]) -> None:
    """Enrol NAME from the largest face in each of IMAGES."""
    from .recognizer import FaceRecognizer

    with FaceRecognizer(_settings(ctx)) as recognizer:
        results = recognizer.enroll_batch(list(images), [name] * len(images))
    for image, identity in zip(images, results, strict=True):
        if identity is None:
            click.echo(f"no face in {image}", err=True)
    enrolled = [identity for identity in results if identity is not None]
    if not enrolled:
        raise FaceclipsError(f"no face found in any image; {name!r} was not enrolled")
    click.echo(f"{enrolled[-1].name}: {enrolled[-1].embeddings} embedding(s) ({len(enrolled)} of {len(images)} image(s) used)")


@click.group("faces")
def faces() -> None:
    """List, rename and remove enrolled people."""


@faces.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def faces_list(ctx: click.Context, as_json: bool) -> None:
    """Enrolled people with their embedding counts."""
    db = _existing_db(_settings(ctx), read_only=True)  # works while trackers run
    people = db.list() if db else []
    if db:
        db.close()
    if as_json:
        click.echo(json.dumps([{"id": p.id, "name": p.name, "embeddings": p.embeddings, "attributes": dict(p.attributes)} for p in people], indent=2))
        return
    table = Table(title="enrolled faces", title_justify="left")
    for column in ("name", "embeddings", "id", "enrolled"):
        table.add_column(column)
    for person in people:
        table.add_row(escape(person.name), str(person.embeddings), person.id, person.created_at.isoformat(timespec="seconds") if person.created_at else "")
    Console().print(table)


def _db_or_fail(ctx: click.Context) -> IdentityDB:
    settings = _settings(ctx)
    db = _existing_db(settings)
    if db is None:
        raise IdentityError(f"no identity database at {settings.recognizer.db_path}; enrol someone first")
    return db


@faces.command("rename")
@click.argument("name")
@click.argument("new_name")
@click.pass_context
def faces_rename(ctx: click.Context, name: str, new_name: str) -> None:
    """Rename an enrolled person (their embeddings stay)."""
    with _db_or_fail(ctx) as db:
        identity = db.rename(name, new_name)
    click.echo(f"renamed {name} to {identity.name}")


@faces.command("rm")
@click.argument("name")
@click.pass_context
def faces_rm(ctx: click.Context, name: str) -> None:
    """Remove an enrolled person with every embedding and crop."""
    with _db_or_fail(ctx) as db:
        identity = db.remove(name)
    click.echo(f"removed {identity.name} ({identity.embeddings} embedding(s))")


def attach(cli: Any) -> None:
    """Add these commands to the ``faceclips`` group."""
    for command in (track, annotate, enroll, faces):
        cli.add_command(command)
