"""Built-in DeGirum PySDK inference plugins, one per accelerator family (``pip install 'faceclips[degirum]'``).

Each family is a :class:`~.families.FamilyPlugin` instance registered by its own entry point
(``degirum-hailort``, ``degirum-openvino``, ``degirum-tflite``, ``degirum-onnx``,
``degirum-tensorrt``, ``degirum-n2x``, ``degirum-rknn``, ``degirum-memryx``,
``degirum-axelera``, ``degirum-deepx``); a family is only data. The logic they share lives
once, in :mod:`.runtime` (probing hosts, the onnxruntime preload) and :mod:`.engine`.
"""
