"""Soak: an endless synthetic stream with periodic alerts; memory, threads and files must stay flat.

    faceclips models build && python benchmarks/soak.py [--minutes 10] [--warmup 60]

A 640x480 stream at 15 fps (as fast as the pipeline runs): the astronaut, enrolled, always in
view; every 20 s of stream time a different LFW stranger walks in for 4 s and raises an
unknown alert, which records a 2 s + 2 s clip, encodes it, uploads it to a local folder
backend and notifies (console notifier to /dev/null). Every 15 s the resident memory, thread
count and open file descriptors are sampled; growth is measured from the end of --warmup.
Target (issue 6): RSS growth <= 50 MiB after warm-up; no thread or file-descriptor growth.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import sys
import tempfile
import threading
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from facevideo import scene, visitor_face  # noqa: E402

import faceclips  # noqa: E402
from faceclips.config import StorageConfig  # noqa: E402
from faceclips.recording import TimedFrame  # noqa: E402
from faceclips.settings import AlertsConfig, RecognizerConfig, Settings, TrackerConfig  # noqa: E402

FPS = 15.0
STRANGERS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 5, 15, 25]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stream(stop_at: float):
    background = None
    for index in itertools.count():
        if time.monotonic() >= stop_at:
            return
        t = index / FPS
        cycle, into = divmod(t, 20.0)
        frame = scene(index, False)
        if 8.0 <= into < 12.0:
            person = visitor_face(150, STRANGERS[int(cycle) % len(STRANGERS)])
            left = 440 - int(into * 20)
            frame[300:450, left : left + 150] = person
        background = frame
        yield TimedFrame(background, t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            storage=StorageConfig(url=f"file://{folder}/clips/alerts"),
            recognizer=RecognizerConfig(db_path=f"{folder}/ids.duckdb"),
            tracker=TrackerConfig(camera_id="soak", lost_s=1.0),
            alerts=AlertsConfig(mode="unknowns", cooldown_s=0, pre_s=2, post_s=2, spool=f"{folder}/spool",
                                notifiers=({"notifier": "console", "stream": io.StringIO()},)),
        )
        tracker = faceclips.FaceTracker(settings)
        import skimage.data

        faceclips.FaceRecognizer(settings, engine=tracker.engine, db=tracker.db).enroll_image(skimage.data.astronaut(), "astronaut")
        samples: list[tuple[float, float, int, int, int, int]] = []
        started = time.monotonic()
        state = {"next": started}

        def sample(result, stats) -> None:
            now = time.monotonic()
            if now >= state["next"]:
                state["next"] = now + 15
                fds = len(os.listdir("/proc/self/fd"))
                samples.append((now - started, rss_mib(), threading.active_count(), fds, stats.frames, stats.clips_saved))
                print(f"{now - started:7.0f} s  rss {samples[-1][1]:7.1f} MiB  threads {samples[-1][2]:3d}  fds {fds:3d}  "
                      f"frames {stats.frames:6d}  alerts {stats.alerts:3d}  clips saved {stats.clips_saved:3d}", flush=True)

        stats = tracker.run(stream(started + args.minutes * 60), on_frame=sample)
        clips = len(tracker.manager.list_clips())
        tracker.close()
    after = [s for s in samples if s[0] >= args.warmup]
    if len(after) < 2:
        raise SystemExit("run longer than the warm-up to measure growth")
    first, last = after[0], after[-1]
    peak_rss = max(s[1] for s in after)
    print(f"\n{stats.frames} frames in {stats.seconds:.0f} s ({stats.fps:.1f} fps), {stats.alerts} alerts, {clips} clips stored")
    print(f"after warm-up: RSS {first[1]:.1f} -> {last[1]:.1f} MiB (peak {peak_rss:.1f}; growth {last[1] - first[1]:+.1f} MiB, target <= 50)")
    print(f"threads {first[2]} -> {last[2]} (max {max(s[2] for s in after)}), fds {first[3]} -> {last[3]} (max {max(s[3] for s in after)})")


if __name__ == "__main__":
    main()
