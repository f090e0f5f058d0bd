"""Model conversions for the default zoo. Runs in a throwaway environment with TensorFlow.

    python convert_models.py facenet-tflite GRAPH.pb OUTPUT.tflite
    python convert_models.py facenet-onnx GRAPH.pb OUTPUT.onnx
    python convert_models.py tflite-onnx MODEL.tflite OUTPUT.onnx

Executed by ``faceclips models build`` with the Python of a scratch virtual environment that
has ``tensorflow-cpu`` and ``tf2onnx``; faceclips itself never imports either. Models stay
float32 (DeGirum's TFLite 2.14 runtime rejects op versions of newer quantisers).
"""

from __future__ import annotations

import subprocess
import sys

OPSET = "13"


def main() -> None:
    mode, source, output = sys.argv[1:4]
    if mode == "facenet-tflite":
        import tensorflow as tf

        converter = tf.compat.v1.lite.TFLiteConverter.from_frozen_graph(
            source, input_arrays=["input"], output_arrays=["embeddings"], input_shapes={"input": [1, 160, 160, 3]}
        )
        with open(output, "wb") as handle:
            handle.write(converter.convert())
    elif mode == "facenet-onnx":
        arguments = ["--graphdef", source, "--inputs", "input:0[1,160,160,3]", "--outputs", "embeddings:0"]
        subprocess.run([sys.executable, "-m", "tf2onnx.convert", *arguments, "--output", output, "--opset", OPSET], check=True)
    elif mode == "tflite-onnx":
        subprocess.run([sys.executable, "-m", "tf2onnx.convert", "--tflite", source, "--output", output, "--opset", OPSET], check=True)
    else:
        raise SystemExit(f"unknown conversion {mode!r}")


if __name__ == "__main__":
    main()
