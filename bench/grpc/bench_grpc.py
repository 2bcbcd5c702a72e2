#!/usr/bin/env python3
"""REST (binary tensor data) vs gRPC on the same Berth server, side by side in one run.

One `berth serve` on loopback serves examples/models/tiny_mlp over both protocols. For each
concurrency, the same inference request (examples/inputs/tiny_mlp, 2x4 FP32) is sent over and over:

  rest   wrk (HTTP/1.1 keep-alive, one request in flight per connection) with bench/serve/infer.lua,
         the body in the binary tensor data extension (Inference-Header-Content-Length);
  grpc   h2load (HTTP/2, one connection per client, one stream in flight per connection, so the
         same concurrency as wrk) POSTing the length-prefixed ModelInferRequest to
         /inference.GRPCInferenceService/ModelInfer, raw_input_contents.

Both load generators are C programs, so the client is not what is measured. Before measuring, both
requests are checked (tritonclient.http and a raw gRPC call with the exact bytes h2load sends) to
give the expected probabilities; failures during a point are read from the server's
berth_inference_request_failure counter. Prints a markdown table with req/s, p50, p99 and the
gRPC/REST ratios, and writes bench/out/grpc-<time>.json. A benchmark, not a test: it never fails
because of a number. Needs wrk and h2load (Debian: wrk, nghttp2-client; tools/install_deps.sh
--bench installs both).

  .venv/bin/python bench/grpc/bench_grpc.py                 # 5 s per point: about a minute
  .venv/bin/python bench/grpc/bench_grpc.py --duration 10 --concurrency 1,8,64,128
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODEL = "tiny_mlp"


def log(message):
    print(f"[bench-grpc {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description="REST-binary vs gRPC on one Berth server (tiny_mlp).")
    p.add_argument("--berth", default=os.path.join(ROOT, "build", "berth"), help="berth binary")
    p.add_argument("--duration", type=int, default=5, help="seconds measured per point (default 5)")
    p.add_argument("--warmup", type=int, default=1, help="seconds of untimed load before each point")
    p.add_argument("--concurrency", default="1,8,64", help="comma-separated in-flight requests")
    p.add_argument("--log-level", default="warning",
                   help="berth --log-level; 'info' adds one access-log line per request (both protocols)")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "out"), help="folder for the JSON")
    a = p.parse_args(argv)
    a.concurrency = [int(c) for c in a.concurrency.split(",") if c.strip()]
    return a


def load_pb(path):
    return numpy_helper.to_array(onnx.load_tensor(path))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(binary, repo, log_path, log_level):
    """berth serve on two free ports (picked here: the listening events are info-level lines, which
    --log-level warning hides). Returns once HTTP says ready."""
    http_port, grpc_port = free_port(), free_port()
    log_file = open(log_path, "wb")
    proc = subprocess.Popen([binary, "serve", "--model-repository", repo, "--http-address", "127.0.0.1",
                             "--http-port", str(http_port), "--grpc-port", str(grpc_port),
                             "--log-level", log_level], stdout=log_file, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"berth exited with {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/v2/health/ready", timeout=5) as r:
                if r.status == 200:
                    return proc, log_file, http_port, grpc_port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"berth did not become ready; see {log_path}")


def failures(http_port):
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=30) as r:
        text = r.read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith("berth_inference_request_failure{") and f'model="{MODEL}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def rest_body(x):
    header = json.dumps({
        "inputs": [{"name": "features", "shape": list(x.shape), "datatype": "FP32",
                    "parameters": {"binary_data_size": x.nbytes}}],
        "outputs": [{"name": "probabilities", "parameters": {"binary_data": True}}],
    }, separators=(",", ":")).encode()
    return header + x.astype("<f4").tobytes(), len(header)


def grpc_message(x):
    from tritonclient.grpc import service_pb2
    request = service_pb2.ModelInferRequest(model_name=MODEL)
    request.inputs.add(name="features", datatype="FP32", shape=list(x.shape))
    request.outputs.add(name="probabilities")
    request.raw_input_contents.append(x.astype("<f4").tobytes())
    return request.SerializeToString()


def check_answers(http_port, grpc_port, x, expected, message):
    import grpc
    import tritonclient.http as httpclient
    from tritonclient.grpc import service_pb2
    c = httpclient.InferenceServerClient(url=f"127.0.0.1:{http_port}")
    inp = httpclient.InferInput("features", list(x.shape), "FP32")
    inp.set_data_from_numpy(x, binary_data=True)
    got = c.infer(MODEL, [inp]).as_numpy("probabilities")
    c.close()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        call = channel.unary_unary("/inference.GRPCInferenceService/ModelInfer",
                                   request_serializer=lambda b: b,
                                   response_deserializer=service_pb2.ModelInferResponse.FromString)
        response = call(message, timeout=30)
    got = np.frombuffer(response.raw_output_contents[0], dtype="<f4").reshape(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)


def run_wrk(http_port, body_path, header_length, concurrency, args):
    threads = max(1, min(concurrency, os.cpu_count() or 1))
    env = dict(os.environ, BENCH_BODY=body_path, BENCH_HEADER_LENGTH=str(header_length))
    url = f"http://127.0.0.1:{http_port}/v2/models/{MODEL}/infer"
    script = os.path.join(ROOT, "bench", "serve", "infer.lua")
    if args.warmup > 0:
        subprocess.run(["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{args.warmup}s", "-s", script, url],
                       env=env, capture_output=True, timeout=args.warmup + 60)
    r = subprocess.run(["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{args.duration}s",
                        "--latency", "-s", script, url], env=env, capture_output=True, text=True,
                       timeout=args.duration + 120)
    for line in r.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            raw = json.loads(line[len("BENCH_RESULT "):])
            seconds = raw["duration_us"] / 1e6
            return {"requests": raw["requests"], "req_per_s": raw["requests"] / seconds,
                    "p50_ms": raw["latency_us"]["p50"] / 1000, "p99_ms": raw["latency_us"]["p99"] / 1000,
                    "client_errors": sum(raw["errors"].values())}
    raise SystemExit(f"wrk gave no result: {r.stdout[-400:]} {r.stderr[-400:]}")


def run_h2load(grpc_port, frame_path, concurrency, args, tmp):
    threads = max(1, min(concurrency, os.cpu_count() or 1))
    log_path = os.path.join(tmp, f"h2load-{concurrency}.log")
    cmd = ["h2load", "-c", str(concurrency), "-m", "1", "-t", str(threads), "-D", str(args.duration),
           "--warm-up-time", str(max(args.warmup, 0)), "-H", "content-type: application/grpc",
           "-H", "te: trailers", "-d", frame_path, "--log-file", log_path,
           f"http://127.0.0.1:{grpc_port}/inference.GRPCInferenceService/ModelInfer"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + args.warmup + 120)
    durations, statuses = [], {}
    with open(log_path) as f:
        for line in f:
            parts = line.split("\t")
            if len(parts) >= 3:
                statuses[parts[1]] = statuses.get(parts[1], 0) + 1
                durations.append(int(parts[2]))
    if not durations:
        raise SystemExit(f"h2load gave no requests: {r.stdout[-400:]} {r.stderr[-400:]}")
    durations.sort()
    # "finished in" includes the warm-up; the log and h2load's req/s cover the measured part only.
    match = re.search(r"finished in [\d.]+m?s, ([\d.]+) req/s", r.stdout)
    rate = float(match.group(1)) if match else len(durations) / args.duration
    q = statistics.quantiles(durations, n=100, method="inclusive")
    return {"requests": len(durations), "req_per_s": rate,
            "p50_ms": q[49] / 1000, "p99_ms": q[98] / 1000,
            "client_errors": sum(n for s, n in statuses.items() if s != "200")}


def main(argv):
    args = parse_args(argv)
    for tool in ("wrk", "h2load"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install {'wrk' if tool == 'wrk' else 'nghttp2-client'}")
    if not os.access(args.berth, os.X_OK):
        raise SystemExit(f"berth binary not found at {args.berth}")
    tmp = tempfile.mkdtemp(prefix="bench-grpc-")
    repo = os.path.join(tmp, "models")
    shutil.copytree(os.path.join(ROOT, "examples", "models", MODEL), os.path.join(repo, MODEL))
    folder = os.path.join(ROOT, "examples", "inputs", MODEL)
    x = load_pb(os.path.join(folder, "input_0.pb")).astype(np.float32)
    expected = load_pb(os.path.join(folder, "expected_0.pb"))

    body, header_length = rest_body(x)
    body_path = os.path.join(tmp, "rest.body")
    with open(body_path, "wb") as f:
        f.write(body)
    message = grpc_message(x)
    frame_path = os.path.join(tmp, "grpc.frame")
    with open(frame_path, "wb") as f:  # gRPC framing: not compressed, 4-byte big-endian length
        f.write(b"\x00" + len(message).to_bytes(4, "big") + message)

    server_log = os.path.join(tmp, "berth.log")
    proc, log_file, http_port, grpc_port = start_server(args.berth, repo, server_log, args.log_level)
    results = []
    try:
        deadline = time.monotonic() + 60
        while True:  # gRPC starts listening right after HTTP
            try:
                check_answers(http_port, grpc_port, x, expected, message)
                break
            except Exception:  # noqa: BLE001 (retried until the deadline)
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        for c in args.concurrency:
            for protocol in ("rest", "grpc"):
                before = failures(http_port)
                log(f"{protocol} concurrency {c}: {args.warmup}s warm-up, {args.duration}s measured")
                if protocol == "rest":
                    point = run_wrk(http_port, body_path, header_length, c, args)
                else:
                    point = run_h2load(grpc_port, frame_path, c, args, tmp)
                point.update(protocol=protocol, concurrency=c, server_failures=failures(http_port) - before)
                results.append(point)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()

    lines = ["| concurrency | REST req/s | gRPC req/s | gRPC/REST | REST p50 ms | gRPC p50 ms | REST p99 ms"
             " | gRPC p99 ms | errors |", "|---|---|---|---|---|---|---|---|---|"]
    for c in args.concurrency:
        rest = next(p for p in results if p["protocol"] == "rest" and p["concurrency"] == c)
        grpc_ = next(p for p in results if p["protocol"] == "grpc" and p["concurrency"] == c)
        errors = sum(p["client_errors"] + p["server_failures"] for p in (rest, grpc_))
        lines.append(f"| {c} | {rest['req_per_s']:.0f} | {grpc_['req_per_s']:.0f} | "
                     f"{grpc_['req_per_s'] / rest['req_per_s']:.2f}x | {rest['p50_ms']:.3f} | {grpc_['p50_ms']:.3f} | "
                     f"{rest['p99_ms']:.3f} | {grpc_['p99_ms']:.3f} | {errors:.0f} |")
    table = "\n".join(lines)
    print(f"tiny_mlp ({x.shape[0]}x{x.shape[1]} FP32), {args.duration}s per point, berth --log-level "
          f"{args.log_level}, {os.cpu_count()} cores\n")
    print(table)
    os.makedirs(args.out, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = os.path.join(args.out, f"grpc-{stamp}.json")
    with open(out, "w") as f:
        json.dump({"model": MODEL, "duration_s": args.duration, "warmup_s": args.warmup,
                   "log_level": args.log_level, "cores": os.cpu_count(), "machine": platform.platform(),
                   "points": results, "table": table}, f, indent=1)
    log(f"wrote {out}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
