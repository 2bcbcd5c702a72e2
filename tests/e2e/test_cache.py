"""The response cache through the real server: opt-in per model, hits are byte-identical to the first
answer and counted, versions never share entries, and the byte budget is kept (LRU eviction)."""

import http.client
import json

import numpy as np
import pytest

import e2e_models

CACHED_CONFIG = 'name: "cached"\nresponse_cache { enable: true }\nversion_policy: { all: {} }\n'


def request(server, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def metric(text, name, **labels):
    for line in text.splitlines():
        if (line.startswith(name + "{") or line.startswith(name + " ")) and \
                all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def metrics(server):
    status, body = request(server, "GET", "/metrics")
    assert status == 200
    return body.decode()


def infer(server, model, values, version=None):
    import tritonclient.http as httpclient
    c = httpclient.InferenceServerClient(url=server.url, network_timeout=60.0)
    try:
        x = np.asarray(values, np.float32)
        inp = httpclient.InferInput("x", list(x.shape), "FP32")
        inp.set_data_from_numpy(x, binary_data=True)
        result = c.infer(model, [inp], model_version="" if version is None else str(version),
                         outputs=[httpclient.InferRequestedOutput("y", binary_data=True)])
        return result.as_numpy("y"), result.get_response()["model_version"]
    finally:
        c.close()


@pytest.fixture()
def cache_repo(tmp_path):
    repo = str(tmp_path)
    e2e_models.save(repo, "cached", e2e_models.add_constant(1.0), version=1, config=CACHED_CONFIG)
    e2e_models.save(repo, "uncached", e2e_models.add_constant(1.0), version=1)
    return repo


def test_hits_are_byte_identical_and_versions_never_share(start_server, cache_repo):
    server = start_server(cache_repo)
    x = [0.5, -2.25, 1e-3]
    first, v1 = infer(server, "cached", x)
    second, _ = infer(server, "cached", x)
    other, _ = infer(server, "cached", [0.5, -2.25, 2e-3])
    assert v1 == "1"
    assert first.tobytes() == second.tobytes()
    assert other[2] != first[2]
    infer(server, "uncached", x)
    infer(server, "uncached", x)
    text = metrics(server)
    assert metric(text, "berth_cache_hits_total", model="cached", version="1") == 1
    assert metric(text, "berth_cache_misses_total", model="cached", version="1") == 2
    assert metric(text, "berth_inference_exec_count", model="cached", version="1") == 2
    assert metric(text, "berth_inference_request_success", model="cached", version="1") == 3
    assert metric(text, "berth_cache_hits_total", model="uncached") is None
    assert metric(text, "berth_cache_entries") == 2

    # Version 2 computes something else: the same input must not be answered from version 1's entry.
    e2e_models.save(cache_repo, "cached", e2e_models.add_constant(100.0), version=2)
    status, body = request(server, "POST", "/v2/repository/models/cached/load", {})
    assert status == 200, body
    newest, v2 = infer(server, "cached", x)
    assert v2 == "2"
    np.testing.assert_array_equal(newest, np.asarray(x, np.float32) + np.float32(100.0))
    again_v1, v = infer(server, "cached", x, version=1)
    assert v == "1" and again_v1.tobytes() == first.tobytes()
    text = metrics(server)
    assert metric(text, "berth_cache_misses_total", model="cached", version="2") == 1
    assert metric(text, "berth_cache_hits_total", model="cached", version="1") == 2


def test_budget_is_kept_by_evicting(start_server, cache_repo):
    server = start_server(cache_repo, "--cache-size-bytes", "20000")
    n = 1000  # 4 kB of input and 4 kB of output per entry: two fit in the budget, not three
    for i in range(6):
        infer(server, "cached", np.full(n, float(i), np.float32))
    text = metrics(server)
    assert metric(text, "berth_cache_size_bytes") <= 20000
    assert metric(text, "berth_cache_entries") == 2
    assert metric(text, "berth_cache_evictions_total") == 4
    # The most recent entry is still there; the oldest is gone.
    infer(server, "cached", np.full(n, 5.0, np.float32))
    infer(server, "cached", np.full(n, 0.0, np.float32))
    text = metrics(server)
    assert metric(text, "berth_cache_hits_total", model="cached", version="1") == 1
    assert metric(text, "berth_cache_misses_total", model="cached", version="1") == 7


def test_cache_off_with_zero_budget(start_server, cache_repo):
    server = start_server(cache_repo, "--cache-size-bytes", "0")
    infer(server, "cached", [1.0])
    infer(server, "cached", [1.0])
    text = metrics(server)
    assert metric(text, "berth_cache_hits_total", model="cached") is None
    assert metric(text, "berth_inference_exec_count", model="cached", version="1") == 2
