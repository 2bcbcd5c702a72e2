"""`berth run` end to end: the real binary on files, success paths and one-line errors."""
import os
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

BERTH = os.environ.get("BERTH_BIN", os.path.join(os.path.dirname(__file__), "../../build/berth"))


def run_berth(*args):
    return subprocess.run([BERTH, "run", *map(str, args)], capture_output=True, text=True, timeout=60)


@pytest.fixture()
def add_relu_model(tmp_path):
    """y = Relu(x + b), x: float[N,3]; z = Neg(y)."""
    b = numpy_helper.from_array(np.array([1, -2, 3], dtype=np.float32), "b")
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "b"], ["s"]), helper.make_node("Relu", ["s"], ["y"]),
         helper.make_node("Neg", ["y"], ["z"])],
        "add_relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3]),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 3])],
        [b])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    path = tmp_path / "model.onnx"
    onnx.save(model, path)
    return path


X = np.array([[0, 0, 0], [-5, 5, -5]], dtype=np.float32)
Y = np.array([[1, 0, 3], [0, 3, 0]], dtype=np.float32)


def test_pb_inputs_and_outputs(add_relu_model, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    onnx.save_tensor(numpy_helper.from_array(X, "x"), inputs / "input_0.pb")
    out = tmp_path / "out"
    r = run_berth(add_relu_model, "--input-dir", inputs, "--output-dir", out)
    assert r.returncode == 0, r.stderr
    y = numpy_helper.to_array(onnx.load_tensor(out / "output_0.pb"))
    z = numpy_helper.to_array(onnx.load_tensor(out / "output_1.pb"))
    np.testing.assert_array_equal(y, Y)
    np.testing.assert_array_equal(z, -Y)


def test_npy_input_and_format(add_relu_model, tmp_path):
    np.save(tmp_path / "x.npy", X)
    out = tmp_path / "out"
    r = run_berth(add_relu_model, "--input", f"x={tmp_path / 'x.npy'}", "--output-dir", out, "--format", "npy")
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(np.load(out / "output_0.npy"), Y)
    np.testing.assert_array_equal(np.load(out / "output_1.npy"), -Y)


def test_repeat_prints_latency(add_relu_model, tmp_path):
    np.save(tmp_path / "x.npy", X)
    r = run_berth(add_relu_model, "--input", f"x={tmp_path / 'x.npy'}", "--repeat", 20)
    assert r.returncode == 0, r.stderr
    assert "20 runs" in r.stdout and "p50" in r.stdout and "p99" in r.stdout
    assert "y: float32[2,3]" in r.stdout  # summary of outputs when no --output-dir


def one_line_error(r):
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("berth run: error: ")
    return lines[0]


def test_missing_model_file(tmp_path):
    msg = one_line_error(run_berth(tmp_path / "nope.onnx", "--input-dir", tmp_path))
    assert "does not exist" in msg


def test_corrupt_model_file(add_relu_model, tmp_path):
    data = add_relu_model.read_bytes()
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(data[: len(data) // 2])
    np.save(tmp_path / "x.npy", X)
    msg = one_line_error(run_berth(bad, "--input", f"x={tmp_path / 'x.npy'}"))
    assert "not a valid ONNX protobuf" in msg


def test_wrong_dtype_and_shape(add_relu_model, tmp_path):
    np.save(tmp_path / "xi.npy", X.astype(np.int64))
    msg = one_line_error(run_berth(add_relu_model, "--input", f"x={tmp_path / 'xi.npy'}"))
    assert "input 'x': expected element type float32, got int64" in msg
    np.save(tmp_path / "xs.npy", np.zeros((2, 4), dtype=np.float32))
    msg = one_line_error(run_berth(add_relu_model, "--input", f"x={tmp_path / 'xs.npy'}"))
    assert "input 'x': expected shape [N,3], got [2,4]" in msg


def test_missing_input_file(add_relu_model, tmp_path):
    msg = one_line_error(run_berth(add_relu_model, "--input-dir", tmp_path))
    assert "input 0 ('x')" in msg and "input_0.pb" in msg


def test_unknown_operator_is_named(tmp_path):
    graph = helper.make_graph([helper.make_node("FancyRelu", ["x"], ["y"], name="fancy")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    np.save(tmp_path / "x.npy", np.zeros(1, dtype=np.float32))
    msg = one_line_error(run_berth(path, "--input", f"x={tmp_path / 'x.npy'}"))
    assert "unsupported operator 'FancyRelu' (domain 'ai.onnx', opset 13) at node 'fancy'" in msg
