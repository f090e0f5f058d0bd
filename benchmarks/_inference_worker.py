"""One timed inference contender in a fresh process, printed as JSON (used by inference.py).

    python _inference_worker.py MODE DEVICE ITEMS

MODE: faceclips-detect, sdk-detect, ort-detect, faceclips-embed, sdk-embed, ort-embed.
Inputs are the same in every mode: a 640x480 RGB frame holding the astronaut, and a 160x160
face crop; the sdk and ort modes get them ready as model tensors. One warm-up pass first.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np


def inputs():
    import cv2
    import skimage.data

    astronaut = skimage.data.astronaut()
    frame = np.pad(cv2.resize(astronaut, (480, 480)), ((0, 0), (80, 80), (0, 0)))
    crop = cv2.resize(astronaut[60:200, 160:300], (160, 160))
    return frame, crop


def main() -> None:
    mode, device, items = sys.argv[1], sys.argv[2], int(sys.argv[3])
    frame, crop = inputs()
    from faceclips.plugins.degirum.blazeface import letterbox
    from faceclips.plugins.degirum.variants import FULL_RANGE
    from faceclips.plugins.degirum.zoo import DEFAULT_DETECTOR, DEFAULT_EMBEDDER, default_zoo_dir

    tensor = letterbox(frame, FULL_RANGE.size)[0]
    standardised = ((crop.astype(np.float32) - 127.5) / 128.0)[None]
    task = mode.split("-")[1]
    if mode.startswith("faceclips"):
        from faceclips.inference import InferenceConfig, open_engine

        engine = open_engine(InferenceConfig(device_type=device, tile_size=0))
        run = (lambda: engine.detect([frame] * items)) if task == "detect" else (lambda: engine.embed([crop] * items))
    elif mode.startswith("sdk"):
        from faceclips.plugins.degirum import runtime

        runtime.prepare()  # the onnxruntime 1.20.1 preload every DeGirum ONNX/CPU user needs
        import degirum

        from faceclips.plugins.degirum.engine import QUEUE_DEPTH

        name = DEFAULT_DETECTOR[device] if task == "detect" else DEFAULT_EMBEDDER[device]
        model = degirum.connect(degirum.LOCAL, str(default_zoo_dir())).load_model(name, device_type=device)
        model.frame_queue_depth = QUEUE_DEPTH.get(device, model.frame_queue_depth)  # the SDK at its best
        data = tensor if task == "detect" else standardised
        run = lambda: list(model.predict_batch([data] * items))  # noqa: E731
    else:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        filename = "face_detection_full_range.onnx" if task == "detect" else "facenet_vggface2.onnx"
        session = onnxruntime.InferenceSession(str(default_zoo_dir() / filename), options, providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        data = tensor if task == "detect" else standardised
        run = lambda: [session.run(None, {name: data}) for _ in range(items)]  # noqa: E731
    run()  # warm up
    started = time.perf_counter()
    run()
    print(json.dumps({"mode": mode, "device": device, "ms_per_item": (time.perf_counter() - started) / items * 1000}))


if __name__ == "__main__":
    main()
