"""Asynchronous inference over REST (the "async_jobs" extension): submit returns a job id at once,
the result is fetched later and equals what /infer answers; bounded store, TTL, errors."""

import json
import time

import numpy as np

import e2e_models
from test_raw_http import FEATURES, request


def submit(server, model, body):
    status, headers, data = request(server, "POST", f"/v2/models/{model}/infer_async", body)
    return status, headers, json.loads(data)


def test_async_result_equals_sync_inference(server):
    body = {"id": "job-1", "inputs": [FEATURES]}
    status, headers, job = submit(server, "tiny_mlp", body)
    assert status == 202, job
    assert job["status"] == "PENDING" and len(job["id"]) == 32
    assert headers["Location"] == f"/v2/jobs/{job['id']}"
    status, _, data = request(server, "GET", f"/v2/jobs/{job['id']}/result?wait_ms=10000")
    assert status == 200, data
    sync_status, _, sync_data = request(server, "POST", "/v2/models/tiny_mlp/infer", body)
    assert sync_status == 200
    assert json.loads(data) == json.loads(sync_data)
    assert json.loads(data)["id"] == "job-1"
    status, _, data = request(server, "GET", f"/v2/jobs/{job['id']}")
    info = json.loads(data)
    assert (status, info["status"], info["model_name"], info["model_version"]) == (200, "SUCCEEDED", "tiny_mlp", "1")
    assert request(server, "DELETE", f"/v2/jobs/{job['id']}")[0] == 200
    status, _, data = request(server, "GET", f"/v2/jobs/{job['id']}/result")
    assert status == 404 and job["id"] in json.loads(data)["error"]


def test_several_slow_jobs_in_the_background(server):
    rows = 256
    x = np.random.default_rng(0).standard_normal((rows, e2e_models.SLOW_WIDTH)).astype(np.float32)
    body = {"inputs": [{"name": "x", "shape": list(x.shape), "datatype": "FP32", "data": x.ravel().tolist()}]}
    sync_status, _, sync_data = request(server, "POST", "/v2/models/slow/infer", body)
    assert sync_status == 200
    # That submit does not wait for the inference is shown by the unit tests (a core that finishes
    # jobs only when told); here: several jobs queue on one model and each gets its own result.
    ids = []
    for _ in range(3):
        status, _, job = submit(server, "slow", body)
        assert status == 202, job
        ids.append(job["id"])
    for job_id in ids:
        deadline = time.monotonic() + 120
        while True:
            status, headers, data = request(server, "GET", f"/v2/jobs/{job_id}/result?wait_ms=2000")
            if status != 202 or time.monotonic() > deadline:
                break
            assert headers["Retry-After"] == "1" and json.loads(data)["status"] == "PENDING"
        assert status == 200, data
        got = np.array(json.loads(data)["outputs"][0]["data"], dtype=np.float32)
        want = np.array(json.loads(sync_data)["outputs"][0]["data"], dtype=np.float32)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_async_errors(server):
    status, _, body = submit(server, "no_such_model", {"inputs": [FEATURES]})
    assert status == 404 and "no_such_model" in body["error"]
    status, _, body = submit(server, "tiny_mlp", {"inputs": [dict(FEATURES, shape=[1, 3])]})
    assert status == 400 and "features" in body["error"]
    status, _, data = request(server, "GET", "/v2/jobs/00000000000000000000000000000000")
    assert status == 404
    status, _, data = request(server, "GET", "/v2/jobs/x/result?wait_ms=-5")
    assert status == 400 and "wait_ms" in json.loads(data)["error"]
    # A job whose inference fails at run time is FAILED and its result carries that error.
    bad = {"inputs": [dict(FEATURES, datatype="INT64", data=[1, 2, 3, 4])]}
    status, _, job = submit(server, "tiny_mlp", bad)
    if status == 202:  # the type check may happen at submit or at run time: both name the input
        status, _, data = request(server, "GET", f"/v2/jobs/{job['id']}/result?wait_ms=10000")
        assert status == 400 and "features" in json.loads(data)["error"]
    else:
        assert status == 400 and "features" in job["error"]


def test_store_is_bounded_and_results_expire(start_server, model_repository):
    server = start_server(model_repository, "--async-max-jobs", "2", "--async-job-ttl-secs", "1")
    body = {"inputs": [FEATURES]}
    first = submit(server, "tiny_mlp", body)
    second = submit(server, "tiny_mlp", body)
    assert first[0] == 202 and second[0] == 202
    status, headers, full = submit(server, "tiny_mlp", body)
    assert status == 429 and headers["Retry-After"] == "1" and "--async-max-jobs" in full["error"]
    status, _, data = request(server, "GET", "/v2/jobs")
    assert status == 200 and len(json.loads(data)) == 2
    time.sleep(1.5)
    assert request(server, "GET", f"/v2/jobs/{first[2]['id']}")[0] == 404  # expired
    assert submit(server, "tiny_mlp", body)[0] == 202  # room again
    assert server.stop() == 0
