"""The do-it-yourself alternative Berth is measured against: FastAPI + uvicorn + onnxruntime.

This is the server most teams write when they need an HTTP endpoint for an ONNX model, written the
way FastAPI's documentation suggests, but given every fair advantage: uvicorn with uvloop and
httptools, one worker process per core, inference off the event loop (FastAPI's threadpool, where
onnxruntime releases the GIL), and request JSON parsed with the standard library rather than
through pydantic models. It speaks the part of the KServe v2 protocol the benchmark uses:

  GET  /v2/health/ready
  POST /v2/models/{model}/infer          JSON tensors, or the binary tensor data extension for inputs
                                         (Inference-Header-Content-Length); outputs always as JSON

Usage: fastapi_server.py --model-repository DIR --port N [--host 127.0.0.1] [--workers N]
The highest numbered version <model>/<version>/model.onnx of every model in DIR is loaded into one
onnxruntime session per worker process.
"""

import argparse
import json
import os
import sys

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

REPO_ENV = "BENCH_FASTAPI_MODEL_REPOSITORY"

# KServe v2 datatype <-> numpy dtype, for the tensor types the benchmark models use and a few more.
DTYPES = {"FP32": np.float32, "FP64": np.float64, "FP16": np.float16, "INT8": np.int8, "INT16": np.int16,
          "INT32": np.int32, "INT64": np.int64, "UINT8": np.uint8, "BOOL": np.bool_}
KSERVE_NAMES = {np.dtype(v): k for k, v in DTYPES.items()}


def load_sessions(repo):
    sessions = {}
    for name in sorted(os.listdir(repo)):
        versions = [v for v in os.listdir(os.path.join(repo, name))
                    if v.isdigit() and os.path.isfile(os.path.join(repo, name, v, "model.onnx"))]
        if versions:
            version = max(versions, key=int)
            path = os.path.join(repo, name, version, "model.onnx")
            sessions[name] = (version, ort.InferenceSession(path, providers=["CPUExecutionProvider"]))
    return sessions


app = FastAPI()
SESSIONS = load_sessions(os.environ[REPO_ENV]) if REPO_ENV in os.environ else {}


def error(status, message):
    return JSONResponse({"error": message}, status_code=status)


@app.get("/v2/health/ready")
def ready():
    return {"ready": True}


@app.post("/v2/models/{model}/infer")
async def infer(model: str, request: Request):
    if model not in SESSIONS:
        return error(404, f"unknown model '{model}'")
    version, session = SESSIONS[model]
    body = await request.body()
    header_length = request.headers.get("inference-header-content-length")
    try:
        split = int(header_length) if header_length is not None else len(body)
        req = json.loads(body[:split])
        binary, offset = body[split:], 0
        feeds = {}
        for tensor in req["inputs"]:
            dtype = DTYPES[tensor["datatype"]]
            size = tensor.get("parameters", {}).get("binary_data_size")
            if size is not None:
                array = np.frombuffer(binary, dtype=dtype, count=size // np.dtype(dtype).itemsize, offset=offset)
                offset += size
            else:
                array = np.asarray(tensor["data"], dtype=dtype)
            feeds[tensor["name"]] = array.reshape(tensor["shape"])
    except (ValueError, KeyError, TypeError) as e:
        return error(400, f"bad infer request: {e!r}")
    wanted = [o["name"] for o in req.get("outputs", [])] or None
    try:
        results = await run_in_threadpool(session.run, wanted, feeds)
    except Exception as e:  # onnxruntime raises its own exception types for bad shapes/names
        return error(400, str(e))
    names = wanted or [o.name for o in session.get_outputs()]
    outputs = [{"name": n, "datatype": KSERVE_NAMES.get(r.dtype, str(r.dtype)), "shape": list(r.shape),
                "data": r.ravel().tolist()} for n, r in zip(names, results)]
    response = {"model_name": model, "model_version": version, "outputs": outputs}
    if "id" in req:
        response["id"] = req["id"]
    return Response(json.dumps(response, separators=(",", ":")), media_type="application/json")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-repository", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True,
                        help="uvicorn's per-request log line (on by default, as Berth's is)")
    args = parser.parse_args()
    if not os.path.isdir(args.model_repository):
        sys.exit(f"fastapi_server.py: --model-repository '{args.model_repository}' is not a folder")
    os.environ[REPO_ENV] = os.path.abspath(args.model_repository)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import uvicorn
    uvicorn.run("fastapi_server:app", host=args.host, port=args.port, workers=args.workers,
                loop="uvloop", http="httptools", access_log=args.access_log, log_level="info")


if __name__ == "__main__":
    main()
