"""`berth bench` end to end: the real binary on a small model; JSON fields, options, errors."""
import json
import os
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

BERTH = os.environ.get("BERTH_BIN", os.path.join(os.path.dirname(__file__), "../../build/berth"))
W = np.arange(12, dtype=np.float32).reshape(4, 3) / 10 - 0.5


def bench(*args, timeout=60):
    return subprocess.run([BERTH, "bench", *map(str, args)], capture_output=True, text=True, timeout=timeout)


def bench_json(*args):
    r = bench(*args, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """y = Relu(x @ W), x: float[N,4] -> y: float[N,3]."""
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Relu", ["h"], ["y"])],
        "matmul_relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
        [numpy_helper.from_array(W, "w")])
    path = tmp_path_factory.mktemp("bench") / "model.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_json_fields(model):
    j = bench_json(model, "--batch", 8, "--iterations", 7, "--warmup", 2, "--threads", 1)
    assert (j["batch"], j["iterations"], j["warmup"], j["threads"]) == (8, 7, 2, 1)
    assert 0 < j["min_ms"] <= j["p50_ms"] <= j["p90_ms"] <= j["p99_ms"] <= j["max_ms"]
    assert j["min_ms"] <= j["mean_ms"] <= j["max_ms"]
    assert j["samples_per_s"] == pytest.approx(8 * j["runs_per_s"])
    assert j["load_ms"] > 0
    assert 0 < j["peak_rss_after_load_mib"] <= j["peak_rss_mib"]
    assert "profile" not in j


def test_table(model):
    r = bench(model, "--iterations", 3)
    assert r.returncode == 0, r.stderr
    for label in ("load time", "p50", "p99", "inferences/s", "peak RSS"):
        assert label in r.stdout


def test_given_input_and_outputs(model, tmp_path):
    x = np.array([[1, -2, 3, -4], [0.5, 0.5, 0.5, 0.5]], dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "out"
    j = bench_json(model, "--input", f"x={tmp_path / 'x.npy'}", "--output-dir", out, "--iterations", 2)
    np.testing.assert_allclose(np.load(out / "output_0.npy"), np.maximum(x @ W, 0), rtol=1e-6, atol=1e-6)
    assert j["iterations"] == 2


def test_time_limit_stops_timed_runs(model):
    j = bench_json(model, "--iterations", 100_000_000, "--warmup", 0, "--time-limit", 0.2)
    assert 1 <= j["iterations"] < 100_000_000


@pytest.mark.parametrize("level", [0, 2])
def test_profile_covers_every_run(model, level):
    j = bench_json(model, "--profile", "--iterations", 4, "--warmup", 1, "--optimization-level", level,
                   "--reference-only")
    assert j["optimization_level"] == level and j["providers"] == "reference"
    p = j["profile"]
    if p is None:
        pytest.skip("this build's engine records no per-node times")
    assert p["runs"] in (4, 5)  # the 4 timed runs, and the warm-up run if the engine profiles it
    assert all(op["provider"] == "reference" for op in p["top"])
    assert sum(op["percent"] for op in p["top"]) == pytest.approx(100, abs=0.01)
    assert sum(op["nodes"] for op in p["top"]) == p["nodes"]
    if level == 0:
        assert sorted(op["op_type"] for op in p["top"]) == ["MatMul", "Relu"]


@pytest.mark.parametrize("args, message", [
    (["--optimization-level", "3"], "--optimization-level"),
    (["--threads", "-1"], "--threads"),
    (["--input", "nope=x.npy"], "no input named 'nope'"),
    (["--input", "x"], "NAME=FILE.npy"),
    (["--input", "x=/nonexistent/x.npy"], "/nonexistent/x.npy"),
    (["--shape", "x=2,a"], "'a' is not a number"),
])
def test_bad_options_name_the_problem(model, args, message):
    r = bench(model, *args, "--iterations", 1)
    assert r.returncode != 0
    assert message in r.stderr + r.stdout


def test_missing_model(tmp_path):
    r = bench(tmp_path / "absent.onnx")
    assert r.returncode != 0
    assert "absent.onnx" in r.stderr
