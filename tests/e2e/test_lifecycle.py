"""Concurrency, metrics, logs, the repository API (load/unload) and graceful shutdown."""

import json
import os
import re
import signal
import socket
import threading
import time
import urllib.request

import numpy as np
import pytest
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from conftest import ROOT, run_in_threads
from e2e_models import SLOW_WIDTH
from test_tritonclient import example


def get(server, path):
    with urllib.request.urlopen(f"http://{server.url}{path}", timeout=30) as r:
        return r.read().decode()


def metric(text, name, **labels):
    """The value of one sample of the Prometheus text, or None."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return None


def test_concurrent_clients(server):
    """8 threads x 50 requests, each thread on its own keep-alive connection, two models mixed."""
    cases = {m: example(m) for m in ("tiny_mlp", "mnist_cnn")}

    def worker(i):
        client = httpclient.InferenceServerClient(url=server.url, network_timeout=120.0)
        try:
            for r in range(50):
                model = "tiny_mlp" if (i + r) % 2 else "mnist_cnn"
                x, expected = cases[model]
                inp = httpclient.InferInput("features" if model == "tiny_mlp" else "image", list(x.shape), "FP32")
                inp.set_data_from_numpy(x, binary_data=bool(r % 3))
                result = client.infer(model, [inp], request_id=f"{i}-{r}")
                np.testing.assert_allclose(result.as_numpy("probabilities"), expected, rtol=1e-4, atol=1e-6)
                assert result.get_response()["id"] == f"{i}-{r}"
        finally:
            client.close()

    before = metric(get(server, "/metrics"), "berth_inference_request_success", model="tiny_mlp", version="1") or 0
    start = time.monotonic()
    run_in_threads(8, worker)
    elapsed = time.monotonic() - start
    after = metric(get(server, "/metrics"), "berth_inference_request_success", model="tiny_mlp", version="1")
    assert after - before == 200
    print(f"400 requests from 8 clients in {elapsed:.2f} s")


def test_metrics_after_traffic(server, client):
    x, _ = example("tiny_mlp")
    inp = httpclient.InferInput("features", list(x.shape), "FP32")
    inp.set_data_from_numpy(x)
    for _ in range(5):
        client.infer("tiny_mlp", [inp])
    bad = httpclient.InferInput("features", [1, 3], "FP32")
    bad.set_data_from_numpy(np.zeros((1, 3), np.float32))
    with pytest.raises(InferenceServerException):
        client.infer("tiny_mlp", [bad])
    text = get(server, "/metrics")
    labels = {"model": "tiny_mlp", "version": "1"}
    assert metric(text, "berth_inference_request_success", **labels) >= 5
    assert metric(text, "berth_inference_count", **labels) >= 5
    assert metric(text, "berth_inference_exec_count", **labels) >= 5
    assert metric(text, "berth_inference_request_failure", reason="invalid_argument", **labels) >= 1
    for histogram in ("request", "queue", "compute_input", "compute_infer", "compute_output"):
        name = f"berth_inference_{histogram}_duration_us"
        assert metric(text, name + "_count", **labels) >= 5, name
        assert metric(text, name + "_bucket", le="+Inf", **labels) >= 5, name
        assert metric(text, name + "_bucket", le="1000", **labels) is not None, name
    assert f"# TYPE berth_inference_request_duration_us histogram" in text
    assert metric(text, "berth_inference_pending_request_count", model="tiny_mlp") == 0
    assert metric(text, "berth_model_ready", **labels) == 1
    assert metric(text, "berth_open_connections", protocol="http") >= 1
    assert metric(text, "berth_http_requests_total", method="POST", code="200") >= 5
    assert metric(text, "process_cpu_seconds_total") > 0
    assert metric(text, "process_resident_memory_bytes") > 1e6


def test_access_log_has_one_line_per_request(server, client):
    x, _ = example("mnist_cnn")
    x = np.concatenate([x, x])  # mnist_cnn batches (max_batch_size 8): this is a batch of 2
    inp = httpclient.InferInput("image", list(x.shape), "FP32")
    inp.set_data_from_numpy(x)
    client.infer("mnist_cnn", [inp], request_id="logged-request")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [e for e in server.events("request") if e.get("request_id") == "logged-request"]
        if lines:
            break
        time.sleep(0.05)
    assert len(lines) == 1
    line = lines[0]
    assert line["method"] == "POST" and line["path"] == "/v2/models/mnist_cnn/infer"
    assert line["status"] == 200 and line["model"] == "mnist_cnn" and line["version"] == "1"
    assert line["batch_size"] == 2
    assert line["latency_us"] > 0 and line["bytes_in"] > 0 and line["bytes_out"] > 0
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", line["ts"])
    # Model lifecycle events are there too.
    assert any(e["model"] == "tiny_mlp" for e in server.events("model_ready"))


def test_payload_log_and_text_format(start_server, model_repository, tmp_path):
    payload_file = tmp_path / "payload.jsonl"
    srv = start_server(model_repository, "--log-payload-file", str(payload_file),
                       "--log-payload-sample-rate", "0.5")
    client = httpclient.InferenceServerClient(url=srv.url)
    x, _ = example("tiny_mlp")
    for i in range(10):
        inp = httpclient.InferInput("features", list(x.shape), "FP32")
        inp.set_data_from_numpy(x, binary_data=False)
        client.infer("tiny_mlp", [inp], request_id=f"p{i}",
                     outputs=[httpclient.InferRequestedOutput("probabilities", binary_data=False)])
    client.close()
    assert srv.stop() == 0
    records = [json.loads(line) for line in payload_file.read_text().splitlines()]
    assert len(records) == 5
    assert records[0]["model"] == "tiny_mlp" and records[0]["status"] == 200
    assert records[0]["request"]["inputs"][0]["name"] == "features"
    assert records[0]["response"]["outputs"][0]["name"] == "probabilities"

    text = start_server(model_repository, "--log-format", "text")
    get(text, "/v2/health/live")
    assert text.stop() == 0
    request_lines = [line for line in text.log_text().splitlines() if " request " in line]
    assert request_lines and not request_lines[0].startswith("{")
    assert any("path=/v2/health/live" in line for line in request_lines)


def test_explicit_model_control_load_and_unload(start_server, model_repository):
    srv = start_server(model_repository, "--model-control-mode", "explicit", "--load-model", "tiny_mlp")
    client = httpclient.InferenceServerClient(url=srv.url, network_timeout=120.0)
    try:
        assert client.is_model_ready("tiny_mlp")
        assert not client.is_model_ready("tiny_cnn")
        index = {m["name"]: m for m in client.get_model_repository_index()}
        assert index["tiny_mlp"]["state"] == "READY"
        assert index["tiny_cnn"]["state"] != "READY"
        client.load_model("tiny_cnn")
        assert client.is_model_ready("tiny_cnn")
        x, expected = example("tiny_cnn")
        inp = httpclient.InferInput("image", list(x.shape), "FP32")
        inp.set_data_from_numpy(x)
        np.testing.assert_allclose(client.infer("tiny_cnn", [inp]).as_numpy("probabilities"), expected, rtol=1e-4)
        client.unload_model("tiny_cnn")
        assert not client.is_model_ready("tiny_cnn")
        with pytest.raises(InferenceServerException) as e:
            client.infer("tiny_cnn", [inp])
        assert e.value.status() == "503"
        with pytest.raises(InferenceServerException) as e:
            client.load_model("no_such_model")
        assert "no_such_model" in e.value.message()
    finally:
        client.close()
    assert srv.stop() == 0
    events = {e["event"] for e in srv.events()}
    assert {"model_ready", "model_unloaded"} <= events


def test_sigterm_finishes_inflight_requests_then_exits_0(start_server, model_repository):
    srv = start_server(model_repository, "--model-control-mode", "explicit", "--load-model", "slow")
    rows = 64
    # Calibrate: make one request take about a second on this machine.
    for _ in range(8):
        started = time.monotonic()
        send_slow(srv, rows)
        took = time.monotonic() - started
        if took > 0.8 or rows >= 16384:
            break
        rows = min(16384, int(rows * max(2.0, 1.0 / max(took, 1e-3))))
    results = []

    def client_thread(_):
        results.append(send_slow(srv, rows))

    threads = [threading.Thread(target=client_thread, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    pending = 0
    while time.monotonic() < deadline:
        pending = metric(get(srv, "/metrics"), "berth_inference_pending_request_count", model="slow")
        if pending == 3:
            break
        time.sleep(0.01)
    # Otherwise the requests did not overlap (each took too little time here) and the test shows nothing.
    assert pending == 3, f"never saw the 3 requests in flight together ({rows} rows per request)"
    srv.process.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(timeout=60)
    assert srv.process.wait(timeout=60) == 0
    assert results == [200, 200, 200]
    # Once shutdown started, no new connection is accepted.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", srv.port), timeout=5).close()
    events = [e["event"] for e in srv.events()]
    assert "shutdown_started" in events and "server_stopped" in events
    shutdown = srv.events("shutdown_started")[0]
    assert shutdown["inflight"] == 3 and shutdown["signal"] == "SIGTERM"
    srv.stop()


def send_slow(srv, rows):
    x = np.random.default_rng(0).standard_normal((rows, SLOW_WIDTH)).astype(np.float32)
    client = httpclient.InferenceServerClient(url=srv.url, network_timeout=300.0)
    try:
        inp = httpclient.InferInput("x", list(x.shape), "FP32")
        inp.set_data_from_numpy(x)
        result = client.infer("slow", [inp])
        assert result.as_numpy("y").shape == x.shape
        return 200
    finally:
        client.close()
