"""One timed S3 operation in a fresh process, printed as JSON (used by s3_minio.py).

Runs under this project's Python (``bare-*``, ``faceclips-*``) or under a separate Python
with degirum-face 1.6 installed (``reference-*``). Imports happen before the clock starts;
``rss_growth_mib`` is the highest resident size sampled (every 5 ms) during the operation
minus the resident size just before it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakSampler(threading.Thread):
    """Samples the resident size until stopped; ``peak`` is the highest value seen."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_mib()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.005):
            self.peak = max(self.peak, rss_mib())


def main() -> None:
    mode, endpoint, bucket, access_key, secret_key, ca_file = sys.argv[1:7]
    extra = sys.argv[7:]
    os.environ["SSL_CERT_FILE"] = ca_file  # how the minio SDK (and so the reference) trusts the test CA
    if mode.startswith("reference"):
        import degirum_face
        import degirum_tools

        manager = degirum_face.FaceClipManager(
            degirum_tools.ObjectStorageConfig(endpoint=endpoint, access_key=access_key, secret_key=secret_key, bucket=bucket)
        )
    elif mode.startswith("faceclips"):
        import faceclips

        manager = faceclips.FaceClipManager(
            faceclips.StorageConfig(
                url=f"https://{endpoint}/{bucket}", access_key=access_key, secret_key=secret_key, options={"ca_bundle": ca_file}
            )
        )
    else:
        import urllib3
        from minio import Minio

        client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=True, http_client=urllib3.PoolManager(ca_certs=ca_file))
        from minio.deleteobjects import DeleteObject

    before = rss_mib()
    sampler = PeakSampler()
    sampler.start()
    started = time.perf_counter()
    if mode in ("reference-list", "faceclips-list"):
        count = len(manager.list_clips())
    elif mode == "bare-list":
        count = sum(1 for _ in client.list_objects(bucket, recursive=True))
    elif mode in ("reference-remove", "faceclips-remove"):
        result = manager.remove_all_clips()
        count = result.objects_removed if result is not None else -1
    elif mode == "bare-remove":
        names = [DeleteObject(o.object_name) for o in client.list_objects(bucket, recursive=True)]
        errors = list(client.remove_objects(bucket, names))
        if errors:
            raise SystemExit(f"bare remove failed: {errors[:3]}")
        count = len(names)
    elif mode == "reference-download":
        data = manager.download_file(extra[0])
        with open(extra[1], "wb") as out:
            out.write(data)
        count = len(data)
    elif mode == "faceclips-download":
        count = manager.download_to(extra[0], extra[1])
    elif mode == "bare-download":
        count = client.fget_object(bucket, extra[0], extra[1]).size
    else:
        raise SystemExit(f"unknown mode {mode}")
    elapsed = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    peak = max(sampler.peak, rss_mib())
    print(json.dumps({"mode": mode, "seconds": elapsed, "count": count, "rss_growth_mib": peak - before}))


if __name__ == "__main__":
    main()
