"""Retention plan() over 100,000 objects vs one listing pass of the same bucket.

    python benchmarks/retention_plan.py [--dir /tmp/bench] [--s3] [--repeat 5]

Local: the bucket of list_local.py (33,334 clips x 3 parts) with ages spread over 60 days,
so a 30-day rule selects about half the clips. --s3 also runs it on a SeaweedFS server on
loopback with the MinIO backend (LastModified there is the upload time, so the rule's
``now`` is shifted to select about half). The listing pass is the backend's own
``list()`` consumed to the end; plan() lists, groups, sorts and applies the rule, and
asks the removal hooks about every selected clip. Target (issue 5): <= 1.2x.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import faceclips
from faceclips.retention import Retention, RetentionConfig, RetentionRule

sys.path.insert(0, str(Path(__file__).resolve().parent))
from list_local import build  # noqa: E402


def measure(manager: faceclips.FaceClipManager, rule: RetentionRule, now: float, repeat: int) -> tuple[float, float, int, int]:
    retention = Retention(manager, RetentionConfig((rule,)))
    retention.plan(now), sum(1 for _ in manager.storage.list())  # warm up
    listing, planning = [], []
    plan = None
    for _ in range(repeat):
        started = time.perf_counter()
        count = sum(1 for _ in manager.storage.list())
        listing.append(time.perf_counter() - started)
        del plan
        started = time.perf_counter()
        plan = retention.plan(now)
        planning.append(time.perf_counter() - started)
    return statistics.median(listing), statistics.median(planning), count, len(plan.removals)


def report(label: str, listing: float, planning: float, objects: int, selected: int) -> None:
    print(f"{label}: {objects} objects, plan selects {selected} clips")
    print(f"  listing pass {listing:.3f} s, plan() {planning:.3f} s -> ratio {planning / listing:.2f}x (target <= 1.2x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=33334)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", help="reuse or create the local bucket parent folder here")
    parser.add_argument("--s3", action="store_true", help="also measure on SeaweedFS with the MinIO backend")
    args = parser.parse_args()
    parent = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="faceclips-retention-bench-"))
    bucket = parent / "retention"
    try:
        if not bucket.exists():
            build(bucket, args.clips)
            now = time.time()
            for index, path in enumerate(sorted(bucket.rglob("*"))):
                if path.is_file():
                    moment = now - (index % 60) * 86400
                    os.utime(path, (moment, moment))
        manager = faceclips.FaceClipManager(bucket.as_uri())
        rule = RetentionRule("max_age", {"max_age": "30d"})
        report("local folder", *measure(manager, rule, time.time(), args.repeat))
        if args.s3:
            run_s3(args)
    finally:
        if not args.dir:
            shutil.rmtree(parent, ignore_errors=True)


def run_s3(args: argparse.Namespace) -> None:
    import io
    from concurrent.futures import ThreadPoolExecutor

    from minio import Minio

    from faceclips.testing.seaweedfs import ACCESS_KEY, SECRET_KEY, SeaweedFS

    with tempfile.TemporaryDirectory(prefix="faceclips-retention-s3-") as root:
        server = SeaweedFS(Path(root))
        server.start()
        try:
            client = Minio(server.endpoint, ACCESS_KEY, SECRET_KEY, secure=False)
            client.make_bucket("retention")
            names = []
            for index in range(args.clips):
                key = f"cam{index % 10:02d}/2026-11-{1 + (index // 10) % 10:02d}/{index:06d}Z-{index * 2654435761 % 2**48:012x}"
                names += [key + ".mp4", key + "_annotated.mp4", key + ".json"]
            half = len(names) // 2
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(lambda n: client.put_object("retention", n, io.BytesIO(b"x" * 16), 16), names[:half]))
                time.sleep(2)
                middle = time.time() - 1
                list(pool.map(lambda n: client.put_object("retention", n, io.BytesIO(b"x" * 16), 16), names[half:]))
            manager = faceclips.FaceClipManager(
                faceclips.StorageConfig(url=f"minio://{server.endpoint}/retention?secure=false", access_key=ACCESS_KEY, secret_key=SECRET_KEY)
            )
            now = time.time()
            rule = RetentionRule("max_age", {"max_age": now - middle})
            report("SeaweedFS, MinIO backend", *measure(manager, rule, now, args.repeat))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
