"""The benchmark's models and request bodies, made at bench time with fixed seeds.

A Triton-style repository <repo>/<model>/1/model.onnx (no config.pbtxt: every server completes the
config from the model), and for each model one KServe v2 infer request body, the onnxruntime output
for it (the reference the servers' answers are checked against) and the KServe v2 response that
nginx returns as its fixed answer.
"""

import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
MODELS = ("tiny_mlp", "resnet18")


def _save(repo, name, model):
    path = os.path.join(repo, name, "1", "model.onnx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(model, path)
    return path


def make_tiny_mlp(repo):
    """input FP32 [1, 32] -> Gemm 32x64 -> Relu -> Gemm 64x10 -> output FP32 [1, 10]."""
    rng = np.random.default_rng(0)
    w1 = (rng.standard_normal((32, 64)) * 0.2).astype(np.float32)
    b1 = (rng.standard_normal(64) * 0.1).astype(np.float32)
    w2 = (rng.standard_normal((64, 10)) * 0.2).astype(np.float32)
    b2 = (rng.standard_normal(10) * 0.1).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["input", "w1", "b1"], ["h"]),
         helper.make_node("Relu", ["h"], ["h_relu"]),
         helper.make_node("Gemm", ["h_relu", "w2", "b2"], ["output"])],
        "tiny_mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 32])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
         numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2")])
    model = helper.make_model(graph, producer_name="berth-bench",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    return _save(repo, "tiny_mlp", model)


def make_resnet18(repo):
    """torchvision ResNet-18 (random weights, seed 0), input FP32 [1, 3, 224, 224] -> output [1, 1000]."""
    import torch
    import torchvision

    torch.manual_seed(0)
    net = torchvision.models.resnet18(weights=None).eval()
    path = os.path.join(repo, "resnet18", "1", "model.onnx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(net, torch.zeros(1, 3, 224, 224), path, opset_version=OPSET,
                          input_names=["input"], output_names=["output"], do_constant_folding=True)
    return path


def make_input(name):
    """The one input tensor sent for a model. Values are multiples of 1/64 so that JSON text is short
    and exact (the JSON and binary encodings carry the same numbers)."""
    rng = np.random.default_rng(1)
    shape = (1, 32) if name == "tiny_mlp" else (1, 3, 224, 224)
    return (np.round(rng.standard_normal(shape) * 64) / 64).astype(np.float32)


def request_body(name, x, encoding):
    """A KServe v2 infer request for input 'x'. Returns (body bytes, Inference-Header-Content-Length
    value or None). 'binary' uses the binary tensor data extension for the input (as perf_analyzer
    does by default); outputs come back as JSON either way."""
    tensor = {"name": "input", "datatype": "FP32", "shape": list(x.shape)}
    if encoding == "json":
        tensor["data"] = x.ravel().tolist()
        return json.dumps({"inputs": [tensor]}, separators=(",", ":")).encode(), None
    if encoding != "binary":
        raise ValueError(f"unknown encoding '{encoding}' (json or binary)")
    raw = x.astype("<f4").tobytes()
    tensor["parameters"] = {"binary_data_size": len(raw)}
    header = json.dumps({"inputs": [tensor], "outputs": [{"name": "output", "parameters": {"binary_data": False}}]},
                        separators=(",", ":")).encode()
    return header + raw, len(header)


def response_body(name, y):
    """The KServe v2 response a server gives for output y (what nginx returns as its fixed answer).
    Numbers are written as the shortest text that reads back as the same float32, as Berth does, so
    that nginx sends as many bytes as Berth."""
    head = json.dumps({"model_name": name, "model_version": "1", "outputs": [
        {"name": "output", "datatype": "FP32", "shape": list(y.shape), "data": []}]}, separators=(",", ":"))
    data = ",".join(np.format_float_positional(v, unique=True, trim="-") if abs(v) >= 1e-4 or v == 0
                    else np.format_float_scientific(v, unique=True, trim="-") for v in y.astype(np.float32).ravel())
    return head.replace('"data":[]', f'"data":[{data}]').encode()


def make_repository(repo, names=MODELS):
    """Writes the models named into repo and returns {name: model.onnx path}."""
    makers = {"tiny_mlp": make_tiny_mlp, "resnet18": make_resnet18}
    unknown = [n for n in names if n not in makers]
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; known: {sorted(makers)}")
    return {n: makers[n](repo) for n in names}
