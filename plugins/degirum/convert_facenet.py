"""Convert FaceNet's frozen TensorFlow graph to TFLite. Runs in a throwaway environment.

    python convert_facenet.py GRAPH.pb OUTPUT.tflite

Executed by ``faceclips models build`` with the Python of a scratch virtual environment that
has ``tensorflow-cpu`` installed; faceclips itself never imports TensorFlow. A float32
model is produced (DeGirum's TFLite 2.14 runtime rejects op versions of newer quantisers).
"""

from __future__ import annotations

import sys


def main() -> None:
    graph, output = sys.argv[1], sys.argv[2]
    import tensorflow as tf

    converter = tf.compat.v1.lite.TFLiteConverter.from_frozen_graph(
        graph, input_arrays=["input"], output_arrays=["embeddings"], input_shapes={"input": [1, 160, 160, 3]}
    )
    with open(output, "wb") as handle:
        handle.write(converter.convert())


if __name__ == "__main__":
    main()
