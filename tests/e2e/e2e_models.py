"""Small ONNX models the end-to-end tests serve, written with onnx.helper (fixed seeds)."""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17

# The datatypes of identity_types: KServe name -> (ONNX element type, numpy dtype for tritonclient).
IDENTITY_TYPES = {
    "FP16": (TensorProto.FLOAT16, np.float16),
    "FP64": (TensorProto.DOUBLE, np.float64),
    "INT8": (TensorProto.INT8, np.int8),
    "INT16": (TensorProto.INT16, np.int16),
    "INT32": (TensorProto.INT32, np.int32),
    "UINT8": (TensorProto.UINT8, np.uint8),
    "UINT16": (TensorProto.UINT16, np.uint16),
    "UINT32": (TensorProto.UINT32, np.uint32),
    "UINT64": (TensorProto.UINT64, np.uint64),
    "BOOL": (TensorProto.BOOL, np.bool_),
    "BYTES": (TensorProto.STRING, np.object_),
    "BF16": (TensorProto.BFLOAT16, None),
}

SLOW_WIDTH = 512
SLOW_LAYERS = 24


def save(repo, name, graph, version=1, config=None):
    model = helper.make_model(graph, producer_name="berth-e2e", opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(repo, name, str(version)), exist_ok=True)
    onnx.save(model, os.path.join(repo, name, str(version), "model.onnx"))
    if config is not None:
        with open(os.path.join(repo, name, "config.pbtxt"), "w") as f:
            f.write(config)


def two_outputs():
    """x FP32 [-1, 3] -> plus_one = x + 1, doubled = x * 2."""
    return helper.make_graph(
        [helper.make_node("Add", ["x", "one"], ["plus_one"]),
         helper.make_node("Mul", ["x", "two"], ["doubled"])],
        "two_outputs",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
        [helper.make_tensor_value_info("plus_one", TensorProto.FLOAT, ["n", 3]),
         helper.make_tensor_value_info("doubled", TensorProto.FLOAT, ["n", 3])],
        [numpy_helper.from_array(np.array(1, np.float32), "one"),
         numpy_helper.from_array(np.array(2, np.float32), "two")])


def identity_types():
    """One Identity per KServe datatype: in_<TYPE> [-1] -> out_<TYPE>."""
    nodes, inputs, outputs = [], [], []
    for name, (elem, _) in IDENTITY_TYPES.items():
        nodes.append(helper.make_node("Identity", [f"in_{name}"], [f"out_{name}"]))
        inputs.append(helper.make_tensor_value_info(f"in_{name}", elem, ["n"]))
        outputs.append(helper.make_tensor_value_info(f"out_{name}", elem, ["n"]))
    return helper.make_graph(nodes, "identity_types", inputs, outputs)


def add_constant(value):
    """x FP32 [-1] -> y = x + value (to tell versions apart)."""
    return helper.make_graph(
        [helper.make_node("Add", ["x", "c"], ["y"])],
        "add_constant",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])],
        [numpy_helper.from_array(np.array(value, np.float32), "c")])


def slow():
    """x FP32 [-1, 512] -> SLOW_LAYERS x (MatMul 512x512, Tanh): its cost grows with the rows sent,
    so a test can make a request take a while."""
    rng = np.random.default_rng(3)
    w = (rng.standard_normal((SLOW_WIDTH, SLOW_WIDTH)) / np.sqrt(SLOW_WIDTH)).astype(np.float32)
    nodes, prev = [], "x"
    for i in range(SLOW_LAYERS):
        nodes.append(helper.make_node("MatMul", [prev, "w"], [f"m{i}"]))
        nodes.append(helper.make_node("Tanh", [f"m{i}"], [f"t{i}"]))
        prev = f"t{i}"
    nodes.append(helper.make_node("Identity", [prev], ["y"]))
    return helper.make_graph(
        nodes, "slow",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", SLOW_WIDTH])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", SLOW_WIDTH])],
        [numpy_helper.from_array(w, "w")])


MULTI_VERSION_CONFIG = """\
name: "multi_version"
platform: "onnxruntime_onnx"
version_policy: { all: {} }
"""


def write_test_models(repo):
    save(repo, "two_outputs", two_outputs())
    save(repo, "identity_types", identity_types())
    save(repo, "slow", slow())
    save(repo, "multi_version", add_constant(1.0), version=1, config=MULTI_VERSION_CONFIG)
    save(repo, "multi_version", add_constant(2.0), version=2)


def write_broken_model(repo, name="broken"):
    """A model folder whose model.onnx is not an ONNX file: it must fail to load without taking the
    server down."""
    os.makedirs(os.path.join(repo, name, "1"), exist_ok=True)
    with open(os.path.join(repo, name, "1", "model.onnx"), "wb") as f:
        f.write(b"this is not a protobuf")
