#!/usr/bin/python3
"""Writes the example models that `berth serve --model-repository examples/models` serves (README,
"Serving"), next to the tiny_cnn and tiny_mlp that examples/make_examples.py writes.

    /usr/bin/python3 examples/make_models.py

Deterministic (fixed seed) and checked in, so serving the examples needs no Python:
  examples/models/mnist_cnn/1/model.onnx         28x28 grey image -> 10 digit probabilities, with a
  examples/models/mnist_cnn/config.pbtxt         Triton config (batching up to 8)
  examples/models/text_sentiment/1/model.onnx    BYTES tokens -> [negative, positive] probabilities
  examples/inputs/<name>/input_0.pb, expected_0.pb   one request and its answer (for tools/run_examples.sh)

mnist_cnn has the shape and operators of a small MNIST network but random weights: it shows the
protocol, not a trained classifier. text_sentiment's weights are set by hand (a word list), so its
answers make sense: "great" and "love" push towards positive, "awful" and "boring" towards negative.
"""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 17

POSITIVE = ["good", "great", "love", "excellent", "wonderful", "happy", "best", "fun", "loved", "recommend"]
NEGATIVE = ["bad", "terrible", "hate", "awful", "boring", "sad", "worst", "waste", "poor", "disappointing"]


def _save(name, graph, inputs, expected):
    model = helper.make_model(graph, producer_name="berth-examples",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    model_dir = os.path.join(HERE, "models", name, "1")
    data_dir = os.path.join(HERE, "inputs", name)
    os.makedirs(model_dir, exist_ok=True)
    os.makedirs(data_dir, exist_ok=True)
    onnx.save(model, os.path.join(model_dir, "model.onnx"))
    for i, (value_info, array) in enumerate(zip(graph.input, inputs)):
        if array.dtype == object:
            tensor = helper.make_tensor(value_info.name, TensorProto.STRING, array.shape,
                                        [s.encode() for s in array.flatten()])
        else:
            tensor = numpy_helper.from_array(array, value_info.name)
        with open(os.path.join(data_dir, f"input_{i}.pb"), "wb") as f:
            f.write(tensor.SerializeToString())
    for i, (value_info, array) in enumerate(zip(graph.output, expected)):
        with open(os.path.join(data_dir, f"expected_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(array, value_info.name).SerializeToString())


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _conv3x3_same(x, w, b):
    """x [C,H,W], w [O,C,3,3] -> [O,H,W] (stride 1, pad 1), plain numpy."""
    c, h, wd = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    out = np.empty((w.shape[0], h, wd), dtype=np.float64)
    for i in range(h):
        for j in range(wd):
            patch = padded[:, i:i + 3, j:j + 3]
            out[:, i, j] = np.tensordot(w, patch, axes=([1, 2, 3], [0, 1, 2]))
    return out + b[:, None, None]


def _maxpool2(x):
    c, h, w = x.shape
    return x.reshape(c, h // 2, 2, w // 2, 2).max(axis=(2, 4))


def mnist_cnn(rng):
    """[N,1,28,28] -> Conv 3x3 (8) -> ReLU -> MaxPool 2 -> Conv 3x3 (16) -> ReLU -> MaxPool 2 ->
    Flatten (784) -> Gemm (10) -> Softmax."""
    w1 = (rng.standard_normal((8, 1, 3, 3)) * 0.4).astype(np.float32)
    b1 = (rng.standard_normal(8) * 0.05).astype(np.float32)
    w2 = (rng.standard_normal((16, 8, 3, 3)) * 0.15).astype(np.float32)
    b2 = (rng.standard_normal(16) * 0.05).astype(np.float32)
    fc = (rng.standard_normal((10, 784)) * 0.05).astype(np.float32)
    fcb = np.zeros(10, dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["image", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c1"], ["r1"]),
         helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c2"], ["r2"]),
         helper.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("Flatten", ["p2"], ["f"], axis=1),
         helper.make_node("Gemm", ["f", "fc", "fcb"], ["logits"], transB=1),
         helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1)],
        "mnist_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, 28, 28])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 10])],
        [numpy_helper.from_array(a, n) for a, n in
         [(w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"), (fc, "fc"), (fcb, "fcb")]])
    # A "7": a bar across the top and a diagonal stroke down.
    x = np.zeros((1, 1, 28, 28), dtype=np.float32)
    x[0, 0, 5:8, 6:22] = 1.0
    for i in range(8, 24):
        j = 21 - (i - 8) // 2
        x[0, 0, i, j - 1:j + 2] = 1.0
    h = _maxpool2(np.maximum(_conv3x3_same(x[0].astype(np.float64), w1, b1), 0))
    h = _maxpool2(np.maximum(_conv3x3_same(h, w2, b2), 0))
    probs = _softmax(h.reshape(1, 784) @ fc.T.astype(np.float64) + fcb).astype(np.float32)
    _save("mnist_cnn", graph, [x], [probs])
    with open(os.path.join(HERE, "models", "mnist_cnn", "config.pbtxt"), "w") as f:
        f.write(MNIST_CONFIG)


MNIST_CONFIG = """\
# Triton's model configuration format (protobuf text). With max_batch_size > 0 the dims below leave
# out the batch dimension: clients send image [N, 1, 28, 28] with N <= 8.
name: "mnist_cnn"
platform: "onnxruntime_onnx"
max_batch_size: 8
input [
  {
    name: "image"
    data_type: TYPE_FP32
    dims: [ 1, 28, 28 ]
  }
]
output [
  {
    name: "probabilities"
    data_type: TYPE_FP32
    dims: [ 10 ]
  }
]
version_policy: { latest: { num_versions: 1 } }
"""


def text_sentiment():
    """tokens BYTES [N, T] (lower-case words) -> TfIdfVectorizer (word counts over a 20-word
    vocabulary) -> MatMul -> Add -> Softmax -> probabilities [N, 2] = [negative, positive]."""
    vocabulary = POSITIVE + NEGATIVE
    weights = np.zeros((len(vocabulary), 2), dtype=np.float32)
    weights[:len(POSITIVE), 1] = 1.5   # positive words vote "positive"
    weights[len(POSITIVE):, 0] = 1.5   # negative words vote "negative"
    bias = np.zeros(2, dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("TfIdfVectorizer", ["tokens"], ["counts"], mode="TF", min_gram_length=1,
                          max_gram_length=1, max_skip_count=0, ngram_counts=[0],
                          ngram_indexes=list(range(len(vocabulary))), pool_strings=vocabulary),
         helper.make_node("MatMul", ["counts", "weights"], ["scores"]),
         helper.make_node("Add", ["scores", "bias"], ["logits"]),
         helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1)],
        "text_sentiment",
        [helper.make_tensor_value_info("tokens", TensorProto.STRING, ["batch", "words"])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 2])],
        [numpy_helper.from_array(weights, "weights"), numpy_helper.from_array(bias, "bias")])
    tokens = np.array([["what", "a", "great", "movie", "loved", "it"],
                       ["boring", "and", "awful", "a", "waste", "."]], dtype=object)
    counts = np.array([[sum(t == w for t in row) for w in vocabulary] for row in tokens], dtype=np.float32)
    probs = _softmax(counts @ weights + bias).astype(np.float32)
    _save("text_sentiment", graph, [tokens], [probs])


def main():
    rng = np.random.default_rng(2024)
    mnist_cnn(rng)
    text_sentiment()


if __name__ == "__main__":
    main()
