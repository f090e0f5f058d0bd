"""Face detection and embedding through faceclips vs the bare runtimes, on the same inputs, in one run.

    faceclips models build && python benchmarks/inference.py [--items 200] [--repeat 3]

For each CPU runtime present (TFLITE/CPU, ONNX/CPU), each contender runs in a fresh process
(so no runtime's threads linger beside another's), interleaved, medians of --repeat:
* faceclips: ``engine.detect`` on 640x480 RGB frames (whole frame) and ``engine.embed`` on
  160x160 crops, its own preprocessing and decoding included;
* the bare DeGirum model: ``predict_batch`` on the ready tensors;
* onnxruntime itself (ONNX/CPU): ``InferenceSession.run`` on the ready tensors.
Target (issue 4): overhead <= 15%.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from faceclips.plugins.degirum import runtime

WORKER = Path(__file__).resolve().with_name("_inference_worker.py")


def run(mode: str, device: str, items: int) -> float:
    done = subprocess.run([sys.executable, str(WORKER), mode, device, str(items)], capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"{mode} on {device} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])["ms_per_item"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    present = runtime.present_device_types("@local")
    for device in ("TFLITE/CPU", "ONNX/CPU"):
        if device not in present:
            print(f"{device}: not present, skipped")
            continue
        for task in ("detect", "embed"):
            contenders = ["faceclips", "sdk"] + (["ort"] if device == "ONNX/CPU" else [])
            times: dict[str, list[float]] = {name: [] for name in contenders}
            for _ in range(args.repeat):
                for name in contenders:
                    times[name].append(run(f"{name}-{task}", device, args.items))
            ours, sdk = statistics.median(times["faceclips"]), statistics.median(times["sdk"])
            line = f"{device} {task}: faceclips {ours:.2f} ms/item, bare DeGirum {sdk:.2f} ms/item -> {(ours / sdk - 1) * 100:+.1f}%"
            if "ort" in times:
                bare = statistics.median(times["ort"])
                line += f"; onnxruntime directly {bare:.2f} ms/item -> {(ours / bare - 1) * 100:+.1f}%"
            print(line + " (target <= 15%)", flush=True)


if __name__ == "__main__":
    main()
