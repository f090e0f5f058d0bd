"""faceclips' MinIO backend vs. the bare minio SDK and degirum-face 1.6, on a real SeaweedFS (TLS, loopback).

    python benchmarks/s3_minio.py --reference-python /path/to/venv-with-degirum-face/bin/python

Creates the reference's environment itself when --reference-python is not given and
--make-reference is (``pip install degirum-face==1.6.0`` into benchmarks/.reference-venv).
Every figure is a median of --repeat runs, each in a fresh process, measured in this run:

* list: ``list_clips`` over --objects objects (3 parts a clip) vs ``list_objects(recursive=True)``
  and vs the reference's ``list_clips``. Target: >= 2x faster than the reference.
* remove: ``remove_all_clips`` over --delete-objects objects vs a bare list + ``remove_objects``
  pass and vs the reference. Target: within 1.1x of bare.
* download: ``download_to`` of a --download-mib object vs ``fget_object`` and the reference's
  ``download_file``: throughput and peak RSS growth. Target: >= 0.9x bare, <= 64 MiB growth.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import urllib3
from minio import Minio

from faceclips.testing.seaweedfs import ACCESS_KEY, SECRET_KEY, SeaweedFS

HERE = Path(__file__).resolve().parent
WORKER = HERE / "_s3_worker.py"


def fill(client: Minio, bucket: str, objects: int) -> None:
    """Create ``objects`` small objects laid out as clips (cam/date/key + 3 parts)."""
    client.make_bucket(bucket)
    names = []
    for index in range(0, objects, 3):
        key = f"cam{index % 10:02d}/2026-11-{1 + (index // 10) % 10:02d}/{index:06d}Z-{index * 2654435761 % 2**48:012x}"
        names += [key + ".mp4", key + "_annotated.mp4", key + ".json"][: objects - index]

    def put(name: str) -> None:
        client.put_object(bucket, name, io.BytesIO(b"x" * 16), 16)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, names))


def run(python: str, mode: str, server: SeaweedFS, bucket: str, *extra: str) -> dict:
    args = [python, str(WORKER), mode, server.endpoint, bucket, ACCESS_KEY, SECRET_KEY, str(server.ca_file), *extra]
    done = subprocess.run(args, capture_output=True, text=True, timeout=3600, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median(runs: list[dict], field: str = "seconds") -> float:
    return statistics.median(r[field] for r in runs)


def make_reference() -> str:
    target = HERE / ".reference-venv"
    python = target / "bin" / "python"
    if not python.exists():
        venv.create(target, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "degirum-face==1.6.0"], check=True)
    return str(python)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--delete-objects", type=int, default=10_000)
    parser.add_argument("--download-mib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference-python", help="a Python with degirum-face 1.6 installed")
    parser.add_argument("--make-reference", action="store_true", help="create benchmarks/.reference-venv with degirum-face")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: list,remove,download")
    args = parser.parse_args()
    reference = args.reference_python or (make_reference() if args.make_reference else None)
    skip = set(filter(None, args.skip.split(",")))
    me = sys.executable

    with tempfile.TemporaryDirectory(prefix="faceclips-s3-bench-") as root:
        server = SeaweedFS(Path(root), tls=True)
        server.start()
        try:
            client = Minio(server.endpoint, ACCESS_KEY, SECRET_KEY, secure=True, http_client=urllib3.PoolManager(ca_certs=str(server.ca_file), maxsize=16))
            results: dict[str, dict] = {}
            if "list" not in skip:
                started = time.perf_counter()
                fill(client, "bench-list", args.objects)
                print(f"filled bench-list with {args.objects} objects in {time.perf_counter() - started:.0f} s", flush=True)
                modes = ["bare-list", "faceclips-list"] + (["reference-list"] if reference else [])
                runs: dict[str, list] = {m: [] for m in modes}
                for _ in range(args.repeat):
                    for mode in modes:
                        runs[mode].append(run(reference if mode.startswith("reference") else me, mode, server, "bench-list"))
                results["list"] = {m: median(r) for m, r in runs.items()}
                line = f"list {args.objects} objects: bare minio {results['list']['bare-list']:.2f} s, faceclips {results['list']['faceclips-list']:.2f} s"
                line += f" -> faceclips is {results['list']['bare-list'] / results['list']['faceclips-list']:.2f}x faster than bare minio"
                if reference:
                    line += f"; reference {results['list']['reference-list']:.2f} s -> {results['list']['reference-list'] / results['list']['faceclips-list']:.2f}x faster than degirum-face (target >= 2x)"
                print(line, flush=True)
            if "remove" not in skip:
                modes = ["bare-remove", "faceclips-remove"] + (["reference-remove"] if reference else [])
                runs = {m: [] for m in modes}
                for attempt in range(args.repeat):
                    for mode in modes:
                        bucket = f"bench-rm-{mode.split('-')[0]}-{attempt}"
                        fill(client, bucket, args.delete_objects)
                        runs[mode].append(run(reference if mode.startswith("reference") else me, mode, server, bucket))
                results["remove"] = {m: median(r) for m, r in runs.items()}
                ratio = results["remove"]["faceclips-remove"] / results["remove"]["bare-remove"]
                line = f"remove {args.delete_objects} objects: bare list+remove_objects {results['remove']['bare-remove']:.2f} s, faceclips {results['remove']['faceclips-remove']:.2f} s -> {ratio:.2f}x bare (target <= 1.1x)"
                if reference:
                    line += f"; reference {results['remove']['reference-remove']:.2f} s ({results['remove']['reference-remove'] / results['remove']['bare-remove']:.2f}x bare)"
                print(line, flush=True)
            if "download" not in skip:
                client.make_bucket("bench-dl")
                size = args.download_mib * 1024 * 1024
                block = os.urandom(1024 * 1024)

                class Source(io.RawIOBase):
                    left = size

                    def readable(self) -> bool:
                        return True

                    def readinto(self, buffer) -> int:  # type: ignore[override]
                        n = min(len(buffer), self.left, len(block))
                        buffer[:n] = block[:n]
                        self.left -= n
                        return n

                client.put_object("bench-dl", "big.mp4", io.BufferedReader(Source()), size, part_size=64 * 1024 * 1024)
                modes = ["bare-download", "faceclips-download"] + (["reference-download"] if reference else [])
                runs = {m: [] for m in modes}
                target = Path(root) / "out.mp4"
                for _ in range(args.repeat):
                    for mode in modes:
                        runs[mode].append(run(reference if mode.startswith("reference") else me, mode, server, "bench-dl", "big.mp4", str(target)))
                        target.unlink()
                results["download"] = {m: median(r) for m, r in runs.items()}
                results["download_rss"] = {m: max(r["rss_growth_mib"] for r in runs[m]) for m in modes}
                speed = results["download"]["bare-download"] / results["download"]["faceclips-download"]
                line = (
                    f"download {args.download_mib} MiB: bare fget_object {results['download']['bare-download']:.2f} s "
                    f"(peak RSS +{results['download_rss']['bare-download']:.0f} MiB), faceclips {results['download']['faceclips-download']:.2f} s "
                    f"(+{results['download_rss']['faceclips-download']:.0f} MiB) -> throughput {speed:.2f}x bare (target >= 0.9x, <= 64 MiB)"
                )
                if reference:
                    line += f"; reference {results['download']['reference-download']:.2f} s (+{results['download_rss']['reference-download']:.0f} MiB)"
                print(line, flush=True)
            print(json.dumps(results, indent=2))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
