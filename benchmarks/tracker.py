"""Tracking pipeline throughput vs the models alone, on the same 640x480 video, in one run.

    faceclips models build && python benchmarks/tracker.py [--frames 300] [--repeat 3] [--device auto]

The video: two real faces (the astronaut and an LFW face) moving across 640x480 frames.
Contenders, interleaved in one process, medians of --repeat (frames decoded up front, so
decoding is not measured):
* models only: ``engine.detect_stream`` on every frame, then ``engine.embed`` of both faces'
  crops on every frame (what a pipeline that re-identifies every face on every frame needs);
* pipeline, every frame: ``FaceTracker.predict_batch`` with re-identification forced on every
  frame — the same model work plus tracking, filters, matching against an identity database
  of 100 people and the per-track state: the pipeline's own cost;
* pipeline, default: the default re-identification back-off (what ``faceclips track`` runs).
Target (issue 6): pipeline >= 0.75x the models-only rate.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from facevideo import frames as scene_frames  # noqa: E402

from faceclips.identities import IdentityDB  # noqa: E402
from faceclips.inference import InferenceConfig, open_engine  # noqa: E402
from faceclips.settings import AlertsConfig, RecognizerConfig, Settings  # noqa: E402
from faceclips.tracker import FaceTracker  # noqa: E402


def models_only(engine, frames) -> float:
    started = time.perf_counter()
    for frame, faces in engine.detect_stream(frames, image=lambda item: item.image):
        if faces:
            engine.embed([engine.crop(frame.image, face) for face in faces])
    return len(frames) / (time.perf_counter() - started)


def pipeline(tracker: FaceTracker, frames, every_frame: bool) -> float:
    original = tracker._pipeline

    def build(fps, **kwargs):
        return original(fps, every_frame=every_frame)

    tracker._pipeline = build  # type: ignore[method-assign]
    started = time.perf_counter()
    count = sum(1 for _ in tracker.predict_batch(frames, fps=12.5))
    tracker._pipeline = original  # type: ignore[method-assign]
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    engine = open_engine(InferenceConfig(device_type=args.device))
    frames = scene_frames(args.frames, 12.5, list(range(args.frames)))
    with tempfile.TemporaryDirectory() as folder:
        db = IdentityDB(Path(folder) / "ids.duckdb", family=engine.embedding_family, dimension=engine.embedding_dimension)
        rng = np.random.default_rng(0)
        for person in range(100):
            db.add(f"person {person}", rng.standard_normal((3, engine.embedding_dimension)))
        settings = Settings(recognizer=RecognizerConfig(db_path=str(Path(folder) / "ids.duckdb")), alerts=AlertsConfig(mode="none"))
        tracker = FaceTracker(replace(settings), engine=engine, db=db)
        models_only(engine, frames[:20])  # warm-up
        results: dict[str, list[float]] = {"models only": [], "pipeline, every frame": [], "pipeline, default": []}
        for _ in range(args.repeat):
            results["models only"].append(models_only(engine, frames))
            results["pipeline, every frame"].append(pipeline(tracker, frames, True))
            results["pipeline, default"].append(pipeline(tracker, frames, False))
        db.close()
    base = statistics.median(results["models only"])
    print(f"{engine.device_type}, {args.frames} frames of 640x480 with two faces, medians of {args.repeat}:")
    for name, rates in results.items():
        rate = statistics.median(rates)
        print(f"  {name:<22} {rate:6.1f} fps  {rate / base:5.2f}x models only" + ("  (target >= 0.75x)" if name != "models only" else ""))


if __name__ == "__main__":
    main()
