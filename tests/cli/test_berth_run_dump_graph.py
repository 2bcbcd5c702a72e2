"""`berth run --dump-graph` and `--optimization-level`: the optimized graph as text, and outputs that do
not depend on the level."""
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
def conv_model(tmp_path):
    """y = Reshape(Relu(Conv(x) + x), Shape(x)[0:1] ++ [-1]) through an Identity: 5 foldable/fusable nodes."""
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((2, 2, 3, 3)).astype(np.float32), "w")
    minus1 = numpy_helper.from_array(np.array([-1], dtype=np.int64), "minus1")
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["c", "x"], ["s"], name="residual"),
        helper.make_node("Relu", ["s"], ["r"], name="relu"),
        helper.make_node("Identity", ["r"], ["r2"], name="identity"),
        helper.make_node("Shape", ["x"], ["shape"], name="shape", start=0, end=1),
        helper.make_node("Concat", ["shape", "minus1"], ["target"], name="concat", axis=0),
        helper.make_node("Reshape", ["r2", "target"], ["y"], name="reshape"),
    ]
    graph = helper.make_graph(nodes, "conv_block", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 32])], [w, minus1])
    path = tmp_path / "model.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def node_lines(stdout):
    lines = stdout.strip().splitlines()
    assert lines[0].startswith("graph 'conv_block': "), stdout
    return lines[1:]


def test_dump_graph_levels(conv_model):
    r = run_berth(conv_model, "--dump-graph", "--optimization-level", "0")
    assert r.returncode == 0, r.stderr
    assert len(node_lines(r.stdout)) == 7
    assert "7 nodes (7 before optimization level 0)" in r.stdout

    r = run_berth(conv_model, "--dump-graph", "--optimization-level", "1")
    assert r.returncode == 0, r.stderr
    ops = [line.split()[1] for line in node_lines(r.stdout)]
    assert ops == ["Conv", "Add", "Relu", "Reshape"], r.stdout  # Shape/Concat folded, Identity gone

    r = run_berth(conv_model, "--dump-graph")  # level 2 is the default
    assert r.returncode == 0, r.stderr
    lines = node_lines(r.stdout)
    ops = [line.split()[1] for line in lines]
    # Conv + Add + Relu became one com.berth FusedConv (which the oneDNN provider may turn into its
    # blocked-layout BlockedConv, with layout reorders around it).
    conv = [line for line in lines if line.startswith("conv  ")]
    assert len(conv) == 1 and conv[0].split()[1] in ("FusedConv(com.berth)", "BlockedConv(com.berth)"), r.stdout
    assert " x, w, <none>, x" in conv[0], conv[0]
    assert all(line.endswith("]") for line in lines), r.stdout  # the provider that runs each node
    assert not {"Add", "Relu", "Identity", "Shape", "Concat"} & set(ops), r.stdout
    assert ops[-1] == "Reshape"


def test_outputs_do_not_depend_on_the_level(conv_model, tmp_path):
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 4)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    results = []
    for level in ("0", "1", "2"):
        out = tmp_path / f"out{level}"
        r = run_berth(conv_model, "--input", f"x={tmp_path / 'x.npy'}", "--output-dir", out, "--format", "npy",
                      "--optimization-level", level)
        assert r.returncode == 0, r.stderr
        results.append(np.load(out / "output_0.npy"))
    assert results[0].shape == (1, 32)
    for other in results[1:]:
        np.testing.assert_allclose(other, results[0], rtol=1e-5, atol=1e-5)


def test_bad_level_is_a_one_line_error(conv_model):
    r = run_berth(conv_model, "--dump-graph", "--optimization-level", "7")
    assert r.returncode != 0
    assert "optimization-level" in r.stderr
