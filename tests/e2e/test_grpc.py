"""The KServe v2 gRPC protocol (inference.GRPCInferenceService) through tritonclient.grpc, the client
Triton users already have, plus raw stubs for what tritonclient cannot send (typed contents, broken
requests) and the standard grpc.health.v1 service."""

import os
import queue
import shutil
import signal
import threading
import time

import grpc
import ml_dtypes
import numpy as np
import onnx
import pytest
import tritonclient.grpc as grpcclient
from onnx import TensorProto, helper, numpy_helper
from tritonclient.grpc import service_pb2, service_pb2_grpc
from tritonclient.utils import InferenceServerException

import e2e_models
from conftest import ROOT, run_in_threads
from e2e_models import SLOW_WIDTH
from test_lifecycle import get, metric


def load_pb(path):
    return numpy_helper.to_array(onnx.load_tensor(path))


def example(name):
    folder = os.path.join(ROOT, "examples", "inputs", name)
    return load_pb(os.path.join(folder, "input_0.pb")), load_pb(os.path.join(folder, "expected_0.pb"))


def identity_int64():
    """ids INT64 [-1] -> same (INT64 is not among e2e_models.identity_types)."""
    return helper.make_graph(
        [helper.make_node("Identity", ["ids"], ["ids_out"])], "identity_int64",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["n"])],
        [helper.make_tensor_value_info("ids_out", TensorProto.INT64, ["n"])])


@pytest.fixture(scope="module")
def grpc_repository(model_repository, tmp_path_factory):
    repo = tmp_path_factory.mktemp("grpc_models")
    for name in os.listdir(model_repository):
        shutil.copytree(os.path.join(model_repository, name), repo / name)
    e2e_models.save(str(repo), "identity_int64", identity_int64())
    return str(repo)


@pytest.fixture(scope="module")
def grpc_server(start_server, grpc_repository):
    return start_server(grpc_repository)


@pytest.fixture()
def gclient(grpc_server):
    c = grpcclient.InferenceServerClient(url=grpc_server.grpc_url())
    yield c
    c.close()


@pytest.fixture()
def stub(grpc_server):
    channel = grpc.insecure_channel(grpc_server.grpc_url())
    yield service_pb2_grpc.GRPCInferenceServiceStub(channel)
    channel.close()


def health_check(url, service=""):
    """grpc.health.v1.Health/Check with a hand-encoded request: field 1 (service) as a string.
    Returns the ServingStatus number (1 SERVING, 2 NOT_SERVING) or raises grpc.RpcError."""
    name = service.encode()
    request = (b"\x0a" + bytes([len(name)]) + name) if name else b""
    with grpc.insecure_channel(url) as channel:
        check = channel.unary_unary("/grpc.health.v1.Health/Check",
                                    request_serializer=lambda b: b, response_deserializer=lambda b: b)
        response = check(request, timeout=10)
    assert response[:1] in (b"", b"\x08"), response
    return response[1] if response else 0  # proto3: an absent field is UNKNOWN (0)


def test_server_and_model_metadata(gclient):
    assert gclient.is_server_live()
    assert gclient.is_server_ready()
    metadata = gclient.get_server_metadata()
    assert metadata.name == "berth" and metadata.version
    assert {"model_repository", "binary_tensor_data"} <= set(metadata.extensions)
    assert gclient.is_model_ready("tiny_mlp")
    assert gclient.is_model_ready("tiny_mlp", "1")
    model = gclient.get_model_metadata("tiny_mlp", as_json=True)
    assert model["name"] == "tiny_mlp"
    assert model["versions"] == ["1"]
    assert model["inputs"] == [{"name": "features", "datatype": "FP32", "shape": ["-1", "4"]}]
    assert model["outputs"] == [{"name": "probabilities", "datatype": "FP32", "shape": ["-1", "3"]}]


def test_model_config_is_triton_model_config(gclient):
    config = gclient.get_model_config("mnist_cnn").config
    assert config.name == "mnist_cnn"
    assert config.max_batch_size == 8
    assert config.input[0].name == "image"
    as_json = gclient.get_model_config("tiny_mlp", as_json=True)
    assert as_json["config"]["name"] == "tiny_mlp"


def test_infer_raw_fp32_matches_expected(gclient):
    for model, input_name, output_name in [("tiny_mlp", "features", "probabilities"),
                                           ("mnist_cnn", "image", "probabilities")]:
        x, expected = example(model)
        inp = grpcclient.InferInput(input_name, list(x.shape), "FP32")
        inp.set_data_from_numpy(x)
        result = gclient.infer(model, [inp], outputs=[grpcclient.InferRequestedOutput(output_name)],
                               request_id=f"req-{model}")
        np.testing.assert_allclose(result.as_numpy(output_name), expected, rtol=1e-4, atol=1e-6)
        response = result.get_response()
        assert response.id == f"req-{model}"
        assert response.model_name == model and response.model_version == "1"
        assert len(response.raw_output_contents) == 1


def test_infer_int64_fp16_and_bytes(gclient):
    ids = np.array([-(2**62), -1, 0, 7, 2**62], dtype=np.int64)
    inp = grpcclient.InferInput("ids", [5], "INT64")
    inp.set_data_from_numpy(ids)
    np.testing.assert_array_equal(gclient.infer("identity_int64", [inp]).as_numpy("ids_out"), ids)

    half = np.array([0.5, -2.0, 65504.0, 1e-3], dtype=np.float16)
    inputs = []
    for name, (_, dtype) in e2e_models.IDENTITY_TYPES.items():  # the model needs every input
        if name == "FP16":
            data = half
        elif name == "BF16":
            data = np.zeros(4, dtype=ml_dtypes.bfloat16)
        else:
            data = np.array([b"x"] * 4 if name == "BYTES" else [1] * 4, dtype=dtype)
        inp = grpcclient.InferInput(f"in_{name}", [4], name)
        inp.set_data_from_numpy(data)
        inputs.append(inp)
    result = gclient.infer("identity_types", inputs, outputs=[grpcclient.InferRequestedOutput("out_FP16")])
    out = result.as_numpy("out_FP16")
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out, half)
    assert result.as_numpy("out_INT8") is None  # only the requested output came back
    assert [o.name for o in result.get_response().outputs] == ["out_FP16"]

    tokens = np.array([["what", "a", "great", "movie", "loved", "it"],
                       ["boring", "and", "awful", "a", "waste", "."]], dtype=np.object_)
    inp = grpcclient.InferInput("tokens", list(tokens.shape), "BYTES")
    inp.set_data_from_numpy(tokens)
    probabilities = gclient.infer("text_sentiment", [inp]).as_numpy("probabilities")
    assert probabilities.shape == (2, 2)
    assert probabilities[0, 1] > 0.9 and probabilities[1, 0] > 0.9


def test_bytes_output_round_trips(gclient):
    rng = np.random.default_rng(0)
    inputs, expected = [], {}
    for name, (_, dtype) in e2e_models.IDENTITY_TYPES.items():
        if name == "BF16":
            continue
        if name == "BYTES":
            data = np.array([b"", b"\x00\xff binary", "é".encode()], dtype=np.object_)
        elif name == "BOOL":
            data = np.array([True, False, True])
        else:
            data = rng.integers(0, 100, 3).astype(dtype)
        inp = grpcclient.InferInput(f"in_{name}", [3], name)
        inp.set_data_from_numpy(data)
        inputs.append(inp)
        expected[f"out_{name}"] = data
    bf16 = grpcclient.InferInput("in_BF16", [3], "BF16")
    bf16.set_data_from_numpy(np.array([1.0, -2.0, 0.0], dtype=ml_dtypes.bfloat16))
    inputs.append(bf16)
    result = gclient.infer("identity_types", inputs)
    for name, data in expected.items():
        out = result.as_numpy(name)
        if data.dtype == np.object_:
            assert list(out) == list(data)
        else:
            np.testing.assert_array_equal(out, data)
    raw = result.get_response()
    index = [o.name for o in raw.outputs].index("out_BF16")
    assert raw.outputs[index].datatype == "BF16"
    assert raw.raw_output_contents[index] == np.array([0x3F80, 0xC000, 0], dtype="<u2").tobytes()


def test_typed_contents_through_the_raw_stub(stub):
    request = service_pb2.ModelInferRequest(model_name="tiny_mlp", id="typed")
    x, expected = example("tiny_mlp")
    tensor = request.inputs.add(name="features", datatype="FP32", shape=list(x.shape))
    tensor.contents.fp32_contents.extend(x.flatten().tolist())
    response = stub.ModelInfer(request, timeout=30)
    assert response.id == "typed"
    out = np.frombuffer(response.raw_output_contents[0], dtype="<f4").reshape(expected.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-6)

    request = service_pb2.ModelInferRequest(model_name="identity_int64")
    request.inputs.add(name="ids", datatype="INT64", shape=[3]).contents.int64_contents.extend([5, -6, 7])
    response = stub.ModelInfer(request, timeout=30)
    assert np.frombuffer(response.raw_output_contents[0], dtype="<i8").tolist() == [5, -6, 7]

    request = service_pb2.ModelInferRequest(model_name="text_sentiment")
    words = [b"great", b"movie"]
    request.inputs.add(name="tokens", datatype="BYTES", shape=[1, 2]).contents.bytes_contents.extend(words)
    response = stub.ModelInfer(request, timeout=30)
    assert response.outputs[0].shape == [1, 2]


def expect_error(code, fragment, call, *args, **kwargs):
    with pytest.raises(grpc.RpcError) as e:
        call(*args, **kwargs)
    assert e.value.code() == code, (e.value.code(), e.value.details())
    assert fragment in e.value.details(), e.value.details()
    return e.value.details()


def test_errors_are_grpc_status_codes_naming_the_tensor(gclient, stub):
    x = np.zeros((1, 4), dtype=np.float32)
    inp = grpcclient.InferInput("features", [1, 4], "FP32")
    inp.set_data_from_numpy(x)
    with pytest.raises(InferenceServerException) as e:
        gclient.infer("no_such_model", [inp])
    assert e.value.status() == "StatusCode.NOT_FOUND" and "no_such_model" in e.value.message()
    with pytest.raises(InferenceServerException) as e:
        gclient.infer("tiny_mlp", [inp], model_version="7")
    assert e.value.status() == "StatusCode.NOT_FOUND"
    with pytest.raises(InferenceServerException) as e:
        gclient.get_model_metadata("no_such_model")
    assert e.value.status() == "StatusCode.NOT_FOUND"

    # Wrong shape / wrong datatype: INVALID_ARGUMENT naming the input.
    wrong = grpcclient.InferInput("features", [1, 3], "FP32")
    wrong.set_data_from_numpy(np.zeros((1, 3), dtype=np.float32))
    with pytest.raises(InferenceServerException) as e:
        gclient.infer("tiny_mlp", [wrong])
    assert e.value.status() == "StatusCode.INVALID_ARGUMENT" and "'features'" in e.value.message()
    wrong = grpcclient.InferInput("features", [1, 4], "FP64")
    wrong.set_data_from_numpy(np.zeros((1, 4), dtype=np.float64))
    with pytest.raises(InferenceServerException) as e:
        gclient.infer("tiny_mlp", [wrong])
    assert e.value.status() == "StatusCode.INVALID_ARGUMENT" and "'features'" in e.value.message()

    # What tritonclient cannot send: raw bytes of the wrong size, typed data in the wrong field,
    # a bad version string, an unknown datatype, an unknown requested output.
    request = service_pb2.ModelInferRequest(model_name="tiny_mlp")
    request.inputs.add(name="features", datatype="FP32", shape=[1, 4])
    request.raw_input_contents.append(b"\x00" * 15)
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, "input 'features': raw_input_contents has 15 bytes",
                 stub.ModelInfer, request, timeout=30)
    request = service_pb2.ModelInferRequest(model_name="tiny_mlp")
    request.inputs.add(name="features", datatype="FP32", shape=[1, 4]).contents.int64_contents.extend([1] * 4)
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, "fp32_contents", stub.ModelInfer, request, timeout=30)
    request = service_pb2.ModelInferRequest(model_name="tiny_mlp", model_version="x1")
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, "version must be a non-negative integer",
                 stub.ModelInfer, request, timeout=30)
    request = service_pb2.ModelInferRequest(model_name="tiny_mlp")
    request.inputs.add(name="features", datatype="FLOAT", shape=[1, 4])
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, "unknown datatype 'FLOAT'", stub.ModelInfer, request,
                 timeout=30)
    request = service_pb2.ModelInferRequest(model_name="tiny_mlp")
    request.inputs.add(name="features", datatype="FP32", shape=[1, 4]).contents.fp32_contents.extend([0] * 4)
    request.outputs.add(name="no_such_output")
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, "no_such_output", stub.ModelInfer, request, timeout=30)
    expect_error(grpc.StatusCode.NOT_FOUND, "no_such_model", stub.ModelReady,
                 service_pb2.ModelReadyRequest(name="no_such_model"), timeout=30)


def test_message_size_limit_is_resource_exhausted(start_server, grpc_repository):
    srv = start_server(grpc_repository, "--grpc-max-message-bytes", "4096")
    with grpc.insecure_channel(srv.grpc_url()) as channel:
        stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
        request = service_pb2.ModelInferRequest(model_name="tiny_mlp")
        request.inputs.add(name="features", datatype="FP32", shape=[1024, 4])
        request.raw_input_contents.append(b"\x00" * (1024 * 16))
        expect_error(grpc.StatusCode.RESOURCE_EXHAUSTED, "", stub.ModelInfer, request, timeout=30)
        request = service_pb2.ModelInferRequest(model_name="tiny_mlp")
        request.inputs.add(name="features", datatype="FP32", shape=[2, 4])
        request.raw_input_contents.append(b"\x00" * 32)
        assert len(stub.ModelInfer(request, timeout=30).raw_output_contents[0]) == 24
    assert srv.stop() == 0


def test_repository_index_load_unload(start_server, grpc_repository):
    srv = start_server(grpc_repository, "--model-control-mode", "explicit", "--load-model", "tiny_mlp")
    c = grpcclient.InferenceServerClient(url=srv.grpc_url())
    try:
        index = {m.name: m for m in c.get_model_repository_index().models}
        assert index["tiny_mlp"].state == "READY" and index["tiny_mlp"].version == "1"
        assert "text_sentiment" in index and index["text_sentiment"].state != "READY"
        assert not c.is_model_ready("text_sentiment")
        c.load_model("text_sentiment")
        assert c.is_model_ready("text_sentiment")
        ready = [m.name for m in c.get_model_repository_index(as_json=False).models if m.state == "READY"]
        assert sorted(ready) == ["text_sentiment", "tiny_mlp"]
        c.unload_model("tiny_mlp")
        assert not c.is_model_ready("tiny_mlp")
        with pytest.raises(InferenceServerException) as e:
            c.load_model("no_such_model")
        assert "no_such_model" in e.value.message()
    finally:
        c.close()
    assert srv.stop() == 0
    events = [e for e in srv.events("request") if e.get("protocol") == "grpc"]
    assert {"RepositoryModelLoad", "RepositoryModelUnload", "RepositoryIndex"} <= {e["method"] for e in events}


def test_stream_answers_in_order_with_errors_inside(gclient, grpc_server):
    answers = queue.Queue()
    gclient.start_stream(callback=lambda result, error: answers.put((result, error)))
    try:
        x, expected = example("tiny_mlp")
        sent = []
        for i in range(12):
            if i == 5:  # a broken request in the middle of the stream
                bad = grpcclient.InferInput("features", [1, 3], "FP32")
                bad.set_data_from_numpy(np.zeros((1, 3), dtype=np.float32))
                gclient.async_stream_infer("tiny_mlp", [bad], request_id=f"s{i}")
            elif i == 8:
                gclient.async_stream_infer("no_such_model", [], request_id=f"s{i}")
            else:
                inp = grpcclient.InferInput("features", list(x.shape), "FP32")
                inp.set_data_from_numpy(x)
                gclient.async_stream_infer("tiny_mlp", [inp], request_id=f"s{i}")
            sent.append(f"s{i}")
        received = [answers.get(timeout=60) for _ in sent]
    finally:
        gclient.stop_stream()
    for i, (result, error) in enumerate(received):
        if i == 5:
            assert result is None and "'features'" in error.message()
        elif i == 8:
            assert result is None and "no_such_model" in error.message()
        else:
            assert error is None, error
            assert result.get_response().id == f"s{i}"  # in request order
            np.testing.assert_allclose(result.as_numpy("probabilities"), expected, rtol=1e-4, atol=1e-6)
    deadline = time.monotonic() + 10  # log lines are written out by a background thread
    while time.monotonic() < deadline:
        lines = [e for e in grpc_server.events("request") if e.get("method") == "ModelStreamInfer"]
        if {f"s{i}" for i in range(12)} <= {e["request_id"] for e in lines}:
            break
        time.sleep(0.05)
    assert {f"s{i}" for i in range(12)} <= {e["request_id"] for e in lines}


def test_concurrent_clients(grpc_server):
    x, expected = example("tiny_mlp")

    def one_client(i):
        c = grpcclient.InferenceServerClient(url=grpc_server.grpc_url())
        try:
            for j in range(20):
                inp = grpcclient.InferInput("features", list(x.shape), "FP32")
                inp.set_data_from_numpy(x * (1 + (i + j) % 2))
                result = c.infer("tiny_mlp", [inp], request_id=f"c{i}-{j}")
                assert result.get_response().id == f"c{i}-{j}"
                if (i + j) % 2 == 0:
                    np.testing.assert_allclose(result.as_numpy("probabilities"), expected, rtol=1e-4, atol=1e-6)
        finally:
            c.close()

    run_in_threads(8, one_client)


def test_health_service_and_access_log(grpc_server):
    url = grpc_server.grpc_url()
    assert health_check(url) == 1
    assert health_check(url, "inference.GRPCInferenceService") == 1
    with pytest.raises(grpc.RpcError) as e:
        health_check(url, "no.such.Service")
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    c = grpcclient.InferenceServerClient(url=url)
    x, _ = example("tiny_mlp")
    inp = grpcclient.InferInput("features", list(x.shape), "FP32")
    inp.set_data_from_numpy(x)
    c.infer("tiny_mlp", [inp], request_id="logged-request")
    c.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [e for e in grpc_server.events("request") if e.get("request_id") == "logged-request"]
        if lines:
            break
        time.sleep(0.05)
    line = lines[0]
    assert line["protocol"] == "grpc" and line["method"] == "ModelInfer"
    assert line["status"] == 200 and line["grpc_status"] == "OK"
    assert line["model"] == "tiny_mlp" and line["version"] == "1" and line["latency_us"] >= 0
    assert line["bytes_in"] > 0 and line["bytes_out"] > 0


def test_health_not_serving_until_ready(start_server, grpc_repository):
    """A model that fails to load keeps the server not ready: health must say NOT_SERVING."""
    repo = os.path.join(os.path.dirname(grpc_repository), "grpc_broken_repo")
    os.makedirs(repo, exist_ok=True)
    shutil.copytree(os.path.join(grpc_repository, "tiny_mlp"), os.path.join(repo, "tiny_mlp"), dirs_exist_ok=True)
    e2e_models.write_broken_model(repo)
    srv = start_server(repo, wait_ready=False)
    url = srv.grpc_url()
    c = grpcclient.InferenceServerClient(url=url)
    try:
        deadline = time.monotonic() + 30
        while not c.is_model_ready("tiny_mlp") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert c.is_server_live()
        assert not c.is_server_ready()
        time.sleep(0.3)  # health follows readiness within its 100 ms poll
        assert health_check(url) == 2  # NOT_SERVING
        assert health_check(url, "inference.GRPCInferenceService") == 2
        index = {m.name: m for m in c.get_model_repository_index().models}
        assert index["broken"].state == "UNAVAILABLE" and index["broken"].reason
    finally:
        c.close()
    assert srv.stop() == 0


def test_sigterm_finishes_inflight_calls_then_exits_0(start_server, grpc_repository):
    srv = start_server(grpc_repository, "--model-control-mode", "explicit", "--load-model", "slow")
    url = srv.grpc_url()

    def send_slow(rows):
        x = np.random.default_rng(0).standard_normal((rows, SLOW_WIDTH)).astype(np.float32)
        c = grpcclient.InferenceServerClient(url=url)
        try:
            inp = grpcclient.InferInput("x", list(x.shape), "FP32")
            inp.set_data_from_numpy(x)
            return c.infer("slow", [inp], client_timeout=120).as_numpy("y").shape
        finally:
            c.close()

    rows = 64
    for _ in range(8):  # calibrate: one request should take about a second here
        started = time.monotonic()
        send_slow(rows)
        took = time.monotonic() - started
        if took > 0.8 or rows >= 16384:
            break
        rows = min(16384, int(rows * max(2.0, 1.0 / max(took, 1e-3))))
    # An open, idle stream must not hold the shutdown up: it is ended once its requests are answered.
    streamer = grpcclient.InferenceServerClient(url=url)
    answers = queue.Queue()
    streamer.start_stream(callback=lambda result, error: answers.put((result, error)))
    x = np.zeros((1, SLOW_WIDTH), dtype=np.float32)
    inp = grpcclient.InferInput("x", list(x.shape), "FP32")
    inp.set_data_from_numpy(x)
    streamer.async_stream_infer("slow", [inp], request_id="before-shutdown")
    result, error = answers.get(timeout=60)
    assert error is None and result.get_response().id == "before-shutdown"
    results = []
    threads = [threading.Thread(target=lambda: results.append(send_slow(rows))) for _ in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30  # wait until all three are inside the server
    while time.monotonic() < deadline:
        if metric(get(srv, "/metrics"), "berth_inference_pending_request_count", model="slow") == 3:
            break
        time.sleep(0.01)
    srv.process.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(timeout=120)
    assert srv.process.wait(timeout=60) == 0
    streamer.stop_stream()
    streamer.close()
    assert results == [(rows, SLOW_WIDTH)] * 3
    with pytest.raises(InferenceServerException):  # once shut down, nothing is served
        grpcclient.InferenceServerClient(url=url).is_server_live(client_timeout=5)
    events = [e["event"] for e in srv.events()]
    assert "shutdown_started" in events and "server_stopped" in events
    assert "shutdown_timeout" not in events  # nothing (the idle stream included) was left hanging
    srv.stop()
