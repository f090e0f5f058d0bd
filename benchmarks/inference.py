"""Face detection and embedding through faceclips vs the bare runtimes, on the same inputs, in one run.

    python benchmarks/inference.py [--frames 200] [--repeat 3]

For each CPU runtime present (TFLITE/CPU, ONNX/CPU): faceclips' engine (``detect`` on 640x480
RGB frames, whole-frame; ``embed`` on face crops) against
* the bare DeGirum model (``predict_batch`` on the already-prepared tensors), and
* for ONNX/CPU, onnxruntime itself (``InferenceSession.run`` on the same tensors).
faceclips' time includes its own preprocessing (letterbox, standardising) and decoding
(anchors, NMS); the baselines get ready tensors and return raw outputs. Target (issue 4):
overhead <= 15%. Medians of --repeat runs; 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import skimage.data

from faceclips.inference import InferenceConfig, open_engine
from faceclips.plugins.degirum import runtime
from faceclips.plugins.degirum.blazeface import letterbox
from faceclips.plugins.degirum.engine import QUEUE_DEPTH
from faceclips.plugins.degirum.zoo import DEFAULT_DETECTOR, DEFAULT_EMBEDDER, default_zoo_dir


def timed(function, repeat: int) -> float:
    function()  # warm up
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import cv2
    import degirum

    astronaut = skimage.data.astronaut()
    frame = cv2.resize(astronaut, (480, 480))
    frame = np.pad(frame, ((0, 0), (80, 80), (0, 0)))  # 640x480 with one face
    crop = cv2.resize(astronaut[60:200, 160:300], (160, 160))
    present = runtime.present_device_types("@local")
    zoo = degirum.connect(degirum.LOCAL, str(default_zoo_dir()))
    for device in ("TFLITE/CPU", "ONNX/CPU"):
        if device not in present:
            print(f"{device}: not present, skipped")
            continue
        measure(device, zoo, frame, crop, args.frames, args.repeat)


def onnxruntime_time(model: str, data: np.ndarray, items: int, repeat: int) -> float:
    """Plain ``InferenceSession.run`` on ready tensors, 2 threads as the machine has."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    session = onnxruntime.InferenceSession(str(default_zoo_dir() / model), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return timed(lambda: [session.run(None, {name: data}) for _ in range(items)], repeat)


def measure(device: str, zoo, frame: np.ndarray, crop: np.ndarray, items: int, repeat: int) -> None:  # type: ignore[no-untyped-def]
    engine = open_engine(InferenceConfig(device_type=device, tile_size=0))
    detector = zoo.load_model(DEFAULT_DETECTOR[device], device_type=device)
    embedder = zoo.load_model(DEFAULT_EMBEDDER[device], device_type=device)
    for model in (detector, embedder):  # the same queue depth faceclips uses, so the SDK baseline is at its best
        model.frame_queue_depth = QUEUE_DEPTH.get(device, model.frame_queue_depth)
    tensor = letterbox(frame, engine.variant.size)[0]
    standardised = ((crop.astype(np.float32) - 127.5) / 128.0)[None]
    rows = {
        "detect": [timed(lambda: engine.detect([frame] * items), repeat), timed(lambda: list(detector.predict_batch([tensor] * items)), repeat)],
        "embed": [timed(lambda: engine.embed([crop] * items), repeat), timed(lambda: list(embedder.predict_batch([standardised] * items)), repeat)],
    }
    if device == "ONNX/CPU":
        for task, model, data in (("detect", "face_detection_full_range.onnx", tensor), ("embed", "facenet_vggface2.onnx", standardised)):
            rows[task].append(onnxruntime_time(model, data, items, repeat))
            print(f"{device} {task}: onnxruntime directly {rows[task][2] / items * 1000:.2f} ms/item")
    for task, values in rows.items():
        ours, sdk = values[0], values[1]
        line = f"{device} {task}: faceclips {ours / items * 1000:.2f} ms/item ({items / ours:.0f}/s), bare DeGirum {sdk / items * 1000:.2f} ms/item -> overhead {(ours / sdk - 1) * 100:+.1f}%"
        if len(values) == 3:
            line += f"; vs onnxruntime directly {(ours / values[2] - 1) * 100:+.1f}%"
        print(line + " (target <= 15%)")


if __name__ == "__main__":
    main()
