"""list_clips on a local folder of 100,000 objects vs. an os.scandir walk that stats every file.

    python benchmarks/list_local.py [--clips 33334] [--repeat 5] [--dir PATH]

Builds (or reuses, with --dir) a bucket of ``clips`` clips x 3 parts (original, annotated,
sidecar) spread over 10 cameras x 10 days, the layout save_clip writes. Both timings run in
this process on a warm page cache, interleaved; the ratio of medians is printed.
Target (issue 2): list_clips <= 1.5x the scandir walk.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import faceclips


def build(bucket: Path, clips: int) -> int:
    """Create the objects (empty files are enough: listing cost does not depend on size)."""
    made = 0
    for index in range(clips):
        folder = bucket / f"cam{index % 10:02d}" / f"2026-11-{1 + (index // 10) % 10:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        key = f"{index:06d}Z-{index * 2654435761 % 2**48:012x}"
        for suffix in (".mp4", "_annotated.mp4", ".json"):
            (folder / (key + suffix)).write_bytes(b"x" * (index % 7))
            made += 1
    return made


def scandir_walk(root: str) -> int:
    """The floor: visit every file once and stat it, nothing else."""
    count = 0
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    entry.stat(follow_symlinks=False)
                    count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=33334)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", help="reuse or create the bucket parent folder here")
    args = parser.parse_args()

    parent = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="faceclips-bench-"))
    bucket = parent / "alerts"
    try:
        if not bucket.exists():
            started = time.perf_counter()
            objects = build(bucket, args.clips)
            print(f"built {objects} objects in {time.perf_counter() - started:.1f} s at {bucket}")
        manager = faceclips.FaceClipManager(bucket.as_uri())
        walk_times, list_times = [], []
        scandir_walk(str(bucket)), manager.list_clips()  # warm the page cache and imports
        clips: dict = {}
        for _ in range(args.repeat):
            started = time.perf_counter()
            files = scandir_walk(str(bucket))
            walk_times.append(time.perf_counter() - started)
            del clips  # free the previous result outside the timed region
            started = time.perf_counter()
            clips = manager.list_clips()
            list_times.append(time.perf_counter() - started)
        walk, listed = statistics.median(walk_times), statistics.median(list_times)
        print(f"objects: {files}, clips: {len(clips)}, runs: {args.repeat} (medians)")
        print(f"os.scandir walk + stat : {walk:.3f} s")
        print(f"FaceClipManager.list_clips: {listed:.3f} s")
        print(f"ratio list_clips / scandir walk: {listed / walk:.2f}x (target <= 1.5x)")
    finally:
        if not args.dir:
            shutil.rmtree(parent, ignore_errors=True)


if __name__ == "__main__":
    main()
