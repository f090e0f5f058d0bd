"""Write the small sample bucket shipped in ./clips/alerts (run from the repository root).

Needs PyAV and NumPy (``pip install av numpy``); the clips are real, browser-playable
H.264 MP4 files, so ``faceclips clips list`` on a fresh clone shows something real.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone

import av
import numpy as np

import faceclips

FPS = 10
SECONDS = 2


def encode(shade: int, boxed: bool) -> bytes:
    """A 160x120 moving gradient; ``boxed`` draws a box as an annotated clip would."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.options = {"crf": "35", "preset": "veryslow"}
        for index in range(FPS * SECONDS):
            frame = np.full((120, 160, 3), shade, dtype=np.uint8)
            frame[:, :, 1] = (np.arange(160) + index * 4) % 256
            if boxed:
                x = 40 + index * 2
                frame[40:42, x : x + 30] = frame[70:72, x : x + 30] = (255, 0, 0)
                frame[40:72, x : x + 2] = frame[40:72, x + 28 : x + 30] = (255, 0, 0)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def main() -> None:
    manager = faceclips.FaceClipManager("file:./clips/alerts", create_bucket=True)
    for camera, hour, annotate in (("door", 10, True), ("lobby", 14, False)):
        started = datetime(2026, 11, 20, hour, 15, 0, tzinfo=timezone.utc)
        sidecar = {
            "schema_version": 1,
            "camera_id": camera,
            "started_at": started.isoformat(),
            "fps": FPS,
            "frame_count": FPS * SECONDS,
            "note": "sample clip shipped with faceclips",
        }
        key = f"{camera}/{started:%Y-%m-%d}/{started:%H%M%S}Z-sample"
        manager.save_clip(encode(60, False), key=key, sidecar=sidecar)
        if annotate:
            manager.save_annotated(key, encode(60, True))


if __name__ == "__main__":
    main()
