"""The per-model scheduler through the real server: dynamic batching returns every request its own
rows (byte-identical to unbatched runs), a full queue answers 429, a queue timeout answers 504 without
running the request, and the server stays healthy under overload."""

import http.client
import json
import os
import random
import shutil
import threading
import time

import numpy as np
import pytest

import e2e_models
from conftest import ROOT, run_in_threads

BATCHED_CONFIG = """\
max_batch_size: 8
dynamic_batching { max_queue_delay_microseconds: 3000 }
instance_group { count: 2 }
"""

# The same model without a scheduler's batching: the reference the batched answers must match.
UNBATCHED_CONFIG = "max_batch_size: 8\n"

SMALL_QUEUE_CONFIG = """\
max_batch_size: 0
dynamic_batching { default_queue_policy { max_queue_size: 2 } }
instance_group { count: 1 }
"""

TIMEOUT_CONFIG = """\
max_batch_size: 0
dynamic_batching { default_queue_policy { allow_timeout_override: true } }
instance_group { count: 1 }
"""


def _copy_example(repo, name, as_name, config):
    shutil.copytree(os.path.join(ROOT, "examples", "models", name), os.path.join(repo, as_name))
    with open(os.path.join(repo, as_name, "config.pbtxt"), "w") as f:
        f.write(config)


@pytest.fixture(scope="module")
def sched_server(start_server, tmp_path_factory):
    repo = str(tmp_path_factory.mktemp("sched_models"))
    _copy_example(repo, "tiny_mlp", "mlp_batched", BATCHED_CONFIG)
    _copy_example(repo, "tiny_mlp", "mlp_unbatched", UNBATCHED_CONFIG)
    e2e_models.save(repo, "slow_small_queue", e2e_models.slow(), config=SMALL_QUEUE_CONFIG)
    e2e_models.save(repo, "slow_timeout", e2e_models.slow(), config=TIMEOUT_CONFIG)
    # busy_rows() may need up to 65536 x 512 float32 rows (128 MiB) to keep a fast engine busy.
    return start_server(repo, "--max-body-bytes", str(256 << 20))


def post(server, path, body, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}"), dict(response.getheaders())
    finally:
        conn.close()


def get(server, path):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def metric(text, name, **labels):
    total = 0.0
    found = False
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
            found = True
    return total if found else None


def post_binary(server, model, rows, parameters=None, timeout=120):
    """A KServe v2 request with binary tensor data (x: rows x SLOW_WIDTH), output y as binary too.
    Returns (status, error message or None)."""
    x = np.full((rows, e2e_models.SLOW_WIDTH), 0.01, np.float32)
    header = {"inputs": [{"name": "x", "shape": list(x.shape), "datatype": "FP32",
                          "parameters": {"binary_data_size": x.nbytes}}],
              "outputs": [{"name": "y", "parameters": {"binary_data": True}}]}
    if parameters:
        header["parameters"] = parameters
    head = json.dumps(header).encode()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request("POST", f"/v2/models/{model}/infer", body=head + x.tobytes(),
                     headers={"Content-Type": "application/octet-stream",
                              "Inference-Header-Content-Length": str(len(head))})
        response = conn.getresponse()
        body = response.read()
        error = json.loads(body).get("error") if response.status != 200 else None
        return response.status, error
    finally:
        conn.close()


def busy_rows(server, model, target_us=300_000):
    """Rows that keep `model` busy for about target_us in the model itself (not in parsing)."""
    labels = {"model": model, "version": "1"}

    def compute_us():
        return metric(get(server, "/metrics")[1], "berth_inference_compute_infer_duration_us_sum", **labels) or 0

    rows = 256
    while True:
        before = compute_us()
        assert post_binary(server, model, rows)[0] == 200
        if compute_us() - before > target_us or rows >= 65536:
            return rows
        rows *= 2


def slow_body(rows, parameters=None):
    x = np.full((rows, e2e_models.SLOW_WIDTH), 0.01, np.float32)
    body = {"inputs": [{"name": "x", "shape": list(x.shape), "datatype": "FP32", "data": x.ravel().tolist()}]}
    if parameters:
        body["parameters"] = parameters
    return body


def test_random_batches_from_concurrent_clients_match_unbatched_runs(sched_server):
    import tritonclient.http as httpclient

    clients, per_client = 8, 12
    mismatches = []

    def client_loop(i):
        rng = np.random.default_rng(1000 + i)
        c = httpclient.InferenceServerClient(url=sched_server.url, network_timeout=120.0)
        try:
            for _ in range(per_client):
                rows = int(rng.integers(1, 5))
                x = rng.standard_normal((rows, 4)).astype(np.float32)
                answers = []
                for model in ("mlp_batched", "mlp_unbatched"):
                    inp = httpclient.InferInput("features", list(x.shape), "FP32")
                    inp.set_data_from_numpy(x, binary_data=True)
                    out = httpclient.InferRequestedOutput("probabilities", binary_data=True)
                    answers.append(c.infer(model, [inp], outputs=[out]).as_numpy("probabilities"))
                if answers[0].shape != (rows, 3) or answers[0].tobytes() != answers[1].tobytes():
                    mismatches.append((rows, answers[0], answers[1]))
        finally:
            c.close()

    run_in_threads(clients, client_loop)
    assert not mismatches, mismatches[:2]
    status, text = get(sched_server, "/metrics")
    assert status == 200
    labels = {"model": "mlp_batched", "version": "1"}
    requests = metric(text, "berth_inference_request_success", **labels)
    executions = metric(text, "berth_inference_exec_count", **labels)
    assert requests == clients * per_client
    assert executions is not None and 0 < executions <= requests
    # Rows per execution are recorded, and never above max_batch_size.
    assert metric(text, "berth_inference_batch_size_count", **labels) == executions
    assert metric(text, "berth_inference_batch_size_bucket", le="8", **labels) == executions
    # Unbatched twin: one execution per request.
    twin = {"model": "mlp_unbatched", "version": "1"}
    assert metric(text, "berth_inference_exec_count", **twin) == metric(text, "berth_inference_request_success", **twin)


def test_full_queue_is_429_and_the_server_stays_healthy(sched_server):
    rows = busy_rows(sched_server, "slow_small_queue")
    results = []
    lock = threading.Lock()

    def fire(i):
        result = post_binary(sched_server, "slow_small_queue", rows)
        with lock:
            results.append(result)

    run_in_threads(16, fire)
    statuses = [s for s, _ in results]
    assert set(statuses) <= {200, 429}, results
    assert statuses.count(200) >= 3  # one running + two queued at least
    assert statuses.count(429) >= 1
    for status, error in results:
        if status == 429:
            assert error == "model 'slow_small_queue' queue is full (max_queue_size 2)"

    assert get(sched_server, "/v2/health/ready")[0] == 200
    status, _, _ = post(sched_server, "/v2/models/slow_small_queue/infer", slow_body(1))
    assert status == 200
    _, text = get(sched_server, "/metrics")
    rejected = metric(text, "berth_inference_request_failure", model="slow_small_queue", reason="queue_full")
    assert rejected == statuses.count(429)
    assert metric(text, "berth_inference_queued_request_count", model="slow_small_queue", version="1") == 0


def test_queue_timeout_is_504_without_running(sched_server):
    labels = {"model": "slow_timeout", "version": "1"}
    rows = busy_rows(sched_server, "slow_timeout")
    _, text = get(sched_server, "/metrics")
    exec_before = metric(text, "berth_inference_exec_count", **labels)
    busy = threading.Thread(target=post_binary, args=(sched_server, "slow_timeout", rows))
    busy.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until the big request is in the model
        text = get(sched_server, "/metrics")[1]
        if metric(text, "berth_inference_pending_request_count", model="slow_timeout") == 1:
            break
        time.sleep(0.005)
    started = time.monotonic()
    status, error = post_binary(sched_server, "slow_timeout", 1, {"timeout": 20000})
    waited = time.monotonic() - started
    busy.join()
    assert status == 504, error
    assert "model 'slow_timeout' version 1: request timed out" in error
    assert waited < 5
    _, after = get(sched_server, "/metrics")
    assert metric(after, "berth_inference_exec_count", **labels) == exec_before + 1  # only the big one ran
    assert metric(after, "berth_inference_request_failure", model="slow_timeout", reason="timeout") == 1
    assert get(sched_server, "/v2/health/ready")[0] == 200


def test_bad_priority_is_400_naming_the_range(start_server, tmp_path):
    repo = str(tmp_path)
    _copy_example(repo, "tiny_mlp", "prio", "max_batch_size: 8\ndynamic_batching { priority_levels: 2 "
                  "default_priority_level: 2 }\n")
    server = start_server(repo)
    body = {"inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}
    assert post(server, "/v2/models/prio/infer", dict(body, parameters={"priority": 1}))[0] == 200
    status, answer, _ = post(server, "/v2/models/prio/infer", dict(body, parameters={"priority": 3}))
    assert status == 400
    assert "priority 3 is outside 1..2" in answer["error"]
