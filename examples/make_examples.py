#!/usr/bin/python3
"""Writes the small example models used by the README's Quick start (tools/run_examples.sh).

    /usr/bin/python3 examples/make_examples.py

The output is deterministic (fixed seed) and checked in, so running the examples needs no Python:
  examples/models/<name>/1/model.onnx      a model repository (<model>/<version>/model.onnx)
  examples/inputs/<name>/input_<i>.pb      one request's inputs (ONNX TensorProto, graph order)
  examples/inputs/<name>/expected_<i>.pb   what the model must answer (computed here with numpy)
"""


import numpy as np
from onnx import TensorProto, helper, numpy_helper

# Writing models and their inputs/expected outputs is shared with make_models.py (same folder).
from make_models import _save as _write, _softmax


def tiny_mlp(rng):
    """4 features -> 16 hidden (ReLU) -> 3 class probabilities; batch dimension is dynamic."""
    w1 = rng.standard_normal((4, 16)).astype(np.float32) * 0.5
    b1 = rng.standard_normal(16).astype(np.float32) * 0.1
    w2 = rng.standard_normal((16, 3)).astype(np.float32) * 0.5
    b2 = rng.standard_normal(3).astype(np.float32) * 0.1
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["features", "w1", "b1"], ["h"]),
         helper.make_node("Relu", ["h"], ["a"]),
         helper.make_node("Gemm", ["a", "w2", "b2"], ["logits"]),
         helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1)],
        "tiny_mlp",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 3])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
         numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2")])
    x = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]], dtype=np.float32)
    probs = _softmax(np.maximum(x @ w1 + b1, 0) @ w2 + b2).astype(np.float32)
    _write("tiny_mlp", graph, [x], [probs])


def tiny_cnn(rng):
    """1x8x8 image -> Conv 3x3 (4 channels, pad 1) -> ReLU -> MaxPool 2x2 -> Flatten -> Gemm -> 10
    class probabilities."""
    w = rng.standard_normal((4, 1, 3, 3)).astype(np.float32) * 0.5
    b = rng.standard_normal(4).astype(np.float32) * 0.1
    fc = rng.standard_normal((10, 64)).astype(np.float32) * 0.2
    fcb = np.zeros(10, dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["image", "w", "b"], ["c"], kernel_shape=[3, 3],
                          pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["r"]),
         helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("Flatten", ["p"], ["f"], axis=1),
         helper.make_node("Gemm", ["f", "fc", "fcb"], ["logits"], transB=1),
         helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1)],
        "tiny_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, 8, 8])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 10])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b"),
         numpy_helper.from_array(fc, "fc"), numpy_helper.from_array(fcb, "fcb")])
    # A "1": a vertical bar in the middle of the image.
    x = np.zeros((1, 1, 8, 8), dtype=np.float32)
    x[0, 0, 1:7, 3:5] = 1.0
    # Reference result with plain numpy.
    padded = np.pad(x[0, 0], 1)
    conv = np.empty((4, 8, 8), dtype=np.float32)
    for o in range(4):
        for i in range(8):
            for j in range(8):
                conv[o, i, j] = (padded[i:i + 3, j:j + 3] * w[o, 0]).sum() + b[o]
    pooled = np.maximum(conv, 0).reshape(4, 4, 2, 4, 2).max(axis=(2, 4))
    probs = _softmax(pooled.reshape(1, 64) @ fc.T + fcb).astype(np.float32)
    _write("tiny_cnn", graph, [x], [probs])


def main():
    rng = np.random.default_rng(7)
    tiny_mlp(rng)
    tiny_cnn(rng)


if __name__ == "__main__":
    main()
