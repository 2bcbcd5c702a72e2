"""Raw HTTP against `berth serve`: every error case with its status code and message, plus what
tritonclient cannot send (nested JSON data, JSON BF16, keep-alive, curl-style requests)."""

import http.client
import json
import shutil
import socket
import struct
import time

import numpy as np
import pytest

import e2e_models


def request(server, method, path, body=None, headers=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), data
    finally:
        conn.close()


def error_of(server, method, path, body=None, headers=None):
    status, response_headers, data = request(server, method, path, body, headers)
    assert response_headers.get("Content-Type") == "application/json", (status, data)
    return status, json.loads(data)["error"]


FEATURES = {"name": "features", "shape": [1, 4], "datatype": "FP32", "data": [5.1, 3.5, 1.4, 0.2]}


def test_health_and_metadata_bodies(server):
    assert request(server, "GET", "/v2/health/live")[::2] == (200, b'{"live":true}')
    assert request(server, "GET", "/v2/health/ready")[::2] == (200, b'{"ready":true}')
    status, _, body = request(server, "GET", "/v2/models/tiny_mlp/ready")
    assert (status, json.loads(body)) == (200, {"name": "tiny_mlp", "ready": True})


def test_nested_json_and_json_bf16(server):
    status, _, body = request(server, "POST", "/v2/models/tiny_mlp/infer", {
        "id": "nested", "inputs": [{**FEATURES, "shape": [2, 4], "data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}]})
    assert status == 200, body
    response = json.loads(body)
    assert response["id"] == "nested"
    probabilities = np.array(response["outputs"][0]["data"]).reshape(response["outputs"][0]["shape"])
    assert probabilities.shape == (2, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    identity = {"inputs": [{"name": f"in_{t}", "shape": [1], "datatype": t,
                            "data": ["x"] if t == "BYTES" else [True] if t == "BOOL" else [1]}
                           for t in e2e_models.IDENTITY_TYPES],
                "outputs": [{"name": "out_BF16"}, {"name": "out_FP16"}]}
    identity["inputs"][-1]["data"] = [1.5]  # BF16
    status, _, body = request(server, "POST", "/v2/models/identity_types/infer", identity)
    assert status == 200, body
    outputs = {o["name"]: o for o in json.loads(body)["outputs"]}
    assert outputs["out_BF16"]["datatype"] == "BF16" and outputs["out_BF16"]["data"] == [1.5]
    assert outputs["out_FP16"]["data"] == [1]


def test_binary_request_by_hand(server):
    header = json.dumps({"inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP32",
                                     "parameters": {"binary_data_size": 16}}],
                         "outputs": [{"name": "probabilities", "parameters": {"binary_data": True}}]}).encode()
    body = header + struct.pack("<4f", 5.1, 3.5, 1.4, 0.2)
    status, headers, data = request(server, "POST", "/v2/models/tiny_mlp/infer", body,
                                    {"Inference-Header-Content-Length": str(len(header))})
    assert status == 200, data
    json_length = int(headers["Inference-Header-Content-Length"])
    response = json.loads(data[:json_length])
    assert response["outputs"][0]["parameters"]["binary_data_size"] == 12
    probabilities = struct.unpack("<3f", data[json_length:])
    assert abs(sum(probabilities) - 1) < 1e-5


@pytest.mark.parametrize("body, status, message", [
    ("{not json", 400, "request body is not valid JSON"),
    ({"inputs": [{**FEATURES, "shape": [1, 3], "data": [1, 2, 3]}]}, 400,
     "input 'features': expected shape [-1,4], got [1,3]"),
    ({"inputs": [{**FEATURES, "datatype": "INT64", "data": [1, 2, 3, 4]}]}, 400, "input 'features'"),
    ({"inputs": [{**FEATURES, "datatype": "FP33"}]}, 400, "input 'features': unknown datatype 'FP33'"),
    ({"inputs": [{**FEATURES, "data": [1, 2, 3]}]}, 400, "input 'features': 'data' has 3 elements but shape [1,4] needs 4"),
    ({"inputs": [{**FEATURES, "data": [1, 2, 3, "x"]}]}, 400, "input 'features': element 3 (\"x\") is not a valid FP32"),
    ({"inputs": [FEATURES, {**FEATURES, "name": "bogus"}]}, 400, "bogus"),
    ({"inputs": []}, 400, "features"),
    ({"inputs": [FEATURES], "outputs": [{"name": "nope"}]}, 400, "nope"),
    ({"inputs": [{**FEATURES, "shape": [1, -4]}]}, 400, "input 'features': 'shape' must hold non-negative integers"),
])
def test_infer_errors(server, body, status, message):
    got_status, error = error_of(server, "POST", "/v2/models/tiny_mlp/infer", body)
    assert got_status == status, error
    assert message in error


def test_wrong_dtype_message_names_both_types(server):
    status, error = error_of(server, "POST", "/v2/models/tiny_mlp/infer",
                             {"inputs": [{**FEATURES, "datatype": "INT64", "data": [1, 2, 3, 4]}]})
    assert status == 400
    assert "FP32" in error and "INT64" in error, error


def test_unknown_model_and_version(server):
    assert error_of(server, "POST", "/v2/models/nope/infer", {"inputs": [FEATURES]}) == (404, "unknown model 'nope'")
    status, error = error_of(server, "GET", "/v2/models/nope")
    assert status == 404 and "nope" in error
    status, error = error_of(server, "POST", "/v2/models/tiny_mlp/versions/7/infer", {"inputs": [FEATURES]})
    assert status == 404 and "7" in error, error
    status, error = error_of(server, "GET", "/v2/models/tiny_mlp/versions/7/ready")
    assert status == 404 and "7" in error, error
    status, error = error_of(server, "GET", "/v2/models/tiny_mlp/versions/x")
    assert status == 400 and "version must be a non-negative integer" in error


def test_unknown_route_and_wrong_method(server):
    assert error_of(server, "GET", "/v3")[0] == 404
    assert error_of(server, "GET", "/v2/models/tiny_mlp/explain")[0] == 404
    status, headers, _ = request(server, "GET", "/v2/models/tiny_mlp/infer")
    assert status == 405 and headers["Allow"] == "POST"
    assert error_of(server, "POST", "/v2/health/ready")[0] == 405


def test_binary_errors(server):
    header = json.dumps({"inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP32",
                                     "parameters": {"binary_data_size": 16}}]}).encode()
    status, error = error_of(server, "POST", "/v2/models/tiny_mlp/infer", header + b"\0" * 8,
                             {"Inference-Header-Content-Length": str(len(header))})
    assert status == 400 and "input 'features': binary_data_size is 16 but only 8 bytes" in error
    status, error = error_of(server, "POST", "/v2/models/tiny_mlp/infer", header + b"\0" * 16,
                             {"Inference-Header-Content-Length": "100000"})
    assert status == 400 and "Inference-Header-Content-Length is 100000" in error
    status, error = error_of(server, "POST", "/v2/models/tiny_mlp/infer", header + b"\1" * 16)
    assert status == 400 and "not valid JSON" in error


def test_keep_alive_and_pipelining(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        one = b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n"
        s.sendall(one * 3)
        data = b""
        while data.count(b'{"live":true}') < 3:
            chunk = s.recv(65536)
            assert chunk, data
            data += chunk
        assert data.count(b"HTTP/1.1 200 OK") == 3


def test_malformed_http_is_400(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        assert s.recv(65536).startswith(b"HTTP/1.1 400")


def test_body_too_large_is_413(start_server, model_repository):
    small = start_server(model_repository, "--max-body-bytes", "4096")
    big = {"inputs": [{**FEATURES, "shape": [1000, 4], "data": [0.5] * 4000}]}
    status, error = error_of(small, "POST", "/v2/models/tiny_mlp/infer", big)
    assert status == 413
    assert "larger than the limit of 4096 bytes" in error
    # Requests within the limit still work on the same server.
    assert request(small, "POST", "/v2/models/tiny_mlp/infer", {"inputs": [FEATURES]})[0] == 200
    assert small.stop() == 0


def seconds_until_closed(sock, send_every=None, trickle=b""):
    """Waits for the server to close `sock`; sends `trickle` every `send_every` seconds meanwhile (a
    slow client). Returns the seconds it took."""
    start = time.monotonic()
    sock.settimeout(send_every or 10)
    while time.monotonic() - start < 10:
        try:
            if not sock.recv(65536):
                return time.monotonic() - start
        except socket.timeout:
            sock.sendall(trickle)
        except ConnectionResetError:
            return time.monotonic() - start
    raise AssertionError("the server kept the connection open for 10 s")


def test_idle_header_and_body_timeouts_close_the_connection(start_server, model_repository):
    timed = start_server(model_repository, "--http-idle-timeout-secs", "1",
                         "--http-header-timeout-secs", "1", "--http-body-timeout-secs", "1")
    # Idle: nothing sent on a new connection, and nothing after a first request on a kept-alive one.
    with socket.create_connection(("127.0.0.1", timed.port)) as s:
        assert 0.9 <= seconds_until_closed(s) < 3
    with socket.create_connection(("127.0.0.1", timed.port)) as s:
        s.sendall(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(10)
        assert s.recv(65536).startswith(b"HTTP/1.1 200")
        assert 0.9 <= seconds_until_closed(s) < 3
    # Header: a client trickling header bytes (slowloris) is cut off when the header's time is up.
    with socket.create_connection(("127.0.0.1", timed.port)) as s:
        s.sendall(b"POST /v2/models/tiny_mlp/infer HTTP/1.1\r\nHost: x\r\n")
        assert 0.9 <= seconds_until_closed(s, send_every=0.2, trickle=b"X-Slow: 1\r\n") < 3
    # Body: 10 of the 1000 bytes announced.
    with socket.create_connection(("127.0.0.1", timed.port)) as s:
        s.sendall(b"POST /v2/models/tiny_mlp/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
                  b'{"inputs":')
        assert 0.9 <= seconds_until_closed(s) < 3
    # The server itself is fine, and answers requests that take their time within the limits.
    assert request(timed, "POST", "/v2/models/tiny_mlp/infer", {"inputs": [FEATURES]})[0] == 200
    assert timed.stop() == 0


def test_max_tensor_elements(start_server, model_repository):
    limited = start_server(model_repository, "--max-tensor-elements", "16")
    status, error = error_of(limited, "POST", "/v2/models/tiny_mlp/infer",
                             {"inputs": [{**FEATURES, "shape": [5, 4], "data": [0.5] * 20}]})
    assert status == 400 and "more than the limit of 16 elements" in error
    assert limited.stop() == 0


def test_not_ready_model_is_503_and_does_not_take_the_server_down(start_server, tmp_path):
    repo = tmp_path / "models"
    shutil.copytree(f"{__import__('conftest').ROOT}/examples/models/tiny_mlp", repo / "tiny_mlp")
    e2e_models.write_broken_model(str(repo))
    srv = start_server(str(repo), wait_ready=False)
    # Live, serving the good model, but not ready: a model that should be served failed to load.
    deadline_requests = 200
    while request(srv, "GET", "/v2/models/tiny_mlp/ready")[0] != 200 and deadline_requests:
        deadline_requests -= 1
    assert request(srv, "GET", "/v2/health/live")[0] == 200
    assert request(srv, "GET", "/v2/health/ready")[::2] == (400, b'{"ready":false}')
    assert request(srv, "POST", "/v2/models/tiny_mlp/infer", {"inputs": [FEATURES]})[0] == 200
    status, _, body = request(srv, "GET", "/v2/models/broken/ready")
    assert (status, json.loads(body)["ready"]) == (400, False)
    status, error = error_of(srv, "POST", "/v2/models/broken/infer", {"inputs": [FEATURES]})
    assert status == 503 and "broken" in error
    status, _, body = request(srv, "POST", "/v2/repository/index")
    entry = [e for e in json.loads(body) if e["name"] == "broken"][0]
    assert entry["state"] == "UNAVAILABLE" and entry["reason"]
    metrics = request(srv, "GET", "/metrics")[2].decode()
    assert 'berth_model_load_failures_total{model="broken"} 1' in metrics
    assert srv.events("model_load_failed")
    assert srv.stop() == 0
