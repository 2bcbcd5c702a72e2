#!/usr/bin/env python3
"""Scale on one machine (issue 4): dynamic batching off/on × REST-binary/gRPC × concurrency, then overload.

Sweep. For each model (tiny_mlp: examples/models/tiny_mlp; resnet18: torchvision ResNet-18, random
weights, dynamic batch, exported once by bench/engine/export_models.py into bench/out/engine-models)
and each batching mode, one `berth serve` process serves the model from its own temporary repository:

  off  max_batch_size set, no dynamic_batching: one execution per request;
  on   the same plus dynamic_batching { max_queue_delay_microseconds, preferred_batch_size }.

Its answer over both protocols is first compared with onnxruntime's on the same input. Then, for
each concurrency (1, 8, 64 by default), a one-row request is sent over and over:

  rest  wrk (HTTP/1.1 keep-alive, one request in flight per connection) with bench/serve/infer.lua,
        the input in the binary tensor data extension and the output asked for as binary;
  grpc  h2load (HTTP/2, one connection per client, one stream in flight each) POSTing a prebuilt
        gRPC frame (ModelInferRequest with raw_input_contents) to .../ModelInfer.

Between points the script waits until the server has nothing pending (requests left over from the
last point would steal CPU from the next). Mean rows per execution come from /metrics
(berth_inference_batch_size sum ÷ berth_inference_exec_count); errors from the client and from
berth_inference_request_failure. ResNet-18's points at high concurrency last longer (about 3 × the
expected latency, up to --resnet-max-duration) so that requests finish inside the window.

Overload. A further server runs ResNet-18 with batching on and a queue policy (max_queue_size,
default_timeout_microseconds). Capacity is measured closed-loop (wrk, 2 × max_batch_size in
flight, REST); then an open-loop generator (asyncio, raw HTTP/1.1 keep-alive connections, fixed
arrival times, latency counted from each request's scheduled time so that a slow client cannot hide
queueing) offers --overload-factor × capacity for --overload-seconds. Reported: answers by status,
accepted req/s vs capacity, p50/p99 of accepted and of rejected answers, rejections counted by the
server by reason, and the server's RSS (VmRSS every second: first, last, max).

A benchmark, not a test: nothing fails because of a number. Writes bench/out/scale-<time>.{json,md}.
"""

import argparse
import asyncio
import datetime
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
INFER_LUA = os.path.join(ROOT, "bench", "serve", "infer.lua")


def log(message):
    print(f"[bench-scale {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(v) for v in f.read().split()[:3]]


# ---------------------------------------------------------------------------------------------- models

def model_specs(args):
    """name -> dict(model path, input/output names, one-row input shape, config numbers)."""
    specs = {}
    if "tiny_mlp" in args.models:
        specs["tiny_mlp"] = dict(path=os.path.join(ROOT, "examples", "models", "tiny_mlp", "1", "model.onnx"),
                                 input="features", output="probabilities", shape=[1, 4],
                                 max_batch=args.tiny_max_batch, preferred=args.tiny_preferred,
                                 delay_us=args.tiny_delay_us, duration=args.duration)
    if "resnet18" in args.models:
        cache = os.path.join(ROOT, "bench", "out", "engine-models")  # shared with bench/engine
        if not os.path.exists(os.path.join(cache, "resnet18", "meta.json")):
            log("exporting ResNet-18 once (Debian's /usr/bin/python3, torchvision, dynamic batch) into " + cache)
            subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "engine", "export_models.py"),
                            "--out", cache, "--models", "resnet18"], check=True)
        specs["resnet18"] = dict(path=os.path.join(cache, "resnet18", "model.onnx"), input="input", output="output",
                                 shape=[1, 3, 224, 224], max_batch=args.resnet_max_batch,
                                 preferred=args.resnet_preferred, delay_us=args.resnet_delay_us,
                                 duration=args.resnet_duration)
    return specs


def make_input(spec):
    return np.random.default_rng(7).standard_normal(spec["shape"]).astype(np.float32)


def reference_output(spec, x):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(spec["path"], options, providers=["CPUExecutionProvider"])
    return session.run([spec["output"]], {spec["input"]: x})[0]


def config_text(spec, batching, queue_policy=None):
    text = f"max_batch_size: {spec['max_batch']}\ninstance_group {{ count: 1 }}\n"
    if batching:
        text += ("dynamic_batching {\n"
                 f"  max_queue_delay_microseconds: {spec['delay_us']}\n"
                 f"  preferred_batch_size: [ {', '.join(str(s) for s in spec['preferred'])} ]\n")
        if queue_policy:
            text += ("  default_queue_policy {\n"
                     f"    max_queue_size: {queue_policy['max_queue_size']}\n"
                     f"    default_timeout_microseconds: {queue_policy['timeout_us']}\n  }}\n")
        text += "}\n"
    return text


def write_repo(folder, name, spec, text):
    os.makedirs(os.path.join(folder, name, "1"))
    os.symlink(spec["path"], os.path.join(folder, name, "1", "model.onnx"))
    with open(os.path.join(folder, name, "config.pbtxt"), "w") as f:
        f.write(text)


def rest_body(spec, x):
    header = json.dumps({
        "inputs": [{"name": spec["input"], "shape": list(x.shape), "datatype": "FP32",
                    "parameters": {"binary_data_size": x.nbytes}}],
        "outputs": [{"name": spec["output"], "parameters": {"binary_data": True}}],
    }, separators=(",", ":")).encode()
    return header + x.astype("<f4").tobytes(), len(header)


def grpc_message(name, spec, x):
    from tritonclient.grpc import service_pb2
    request = service_pb2.ModelInferRequest(model_name=name)
    request.inputs.add(name=spec["input"], datatype="FP32", shape=list(x.shape))
    request.outputs.add(name=spec["output"])
    request.raw_input_contents.append(x.astype("<f4").tobytes())
    return request.SerializeToString()


# ---------------------------------------------------------------------------------------------- server

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `berth serve` child on two free ports, --log-level warning (no access-log lines)."""

    def __init__(self, binary, repo, log_path):
        self.http_port, self.grpc_port = free_port(), free_port()
        self.log_file = open(log_path, "wb")
        self.log_path = log_path
        self.proc = subprocess.Popen([binary, "serve", "--model-repository", repo, "--http-address", "127.0.0.1",
                                      "--http-port", str(self.http_port), "--grpc-port", str(self.grpc_port),
                                      "--log-level", "warning"], stdout=self.log_file, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.http_port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"berth exited with {self.proc.returncode}; see {log_path}")
            try:
                with urllib.request.urlopen(self.url + "/v2/health/ready", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"berth did not become ready; see {log_path}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()

    def rss_mb(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return None

    def metrics(self):
        with urllib.request.urlopen(self.url + "/metrics", timeout=60) as r:
            return r.read().decode()

    def drain(self, model, limit_s=120):
        """Waits until the model has no request pending (left over from a closed-loop client)."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            if not metric(self.metrics(), "berth_inference_pending_request_count", model=model):
                return
            time.sleep(0.2)
        log(f"warning: {model} still had requests pending after {limit_s} s")


def metric(text, name, **labels):
    """Sum of every sample of `name` whose labels include `labels` (None if there is none)."""
    total = None
    for line in text.splitlines():
        if (line.startswith(name + "{") or line.startswith(name + " ")) and \
                all(f'{k}="{v}"' in line for k, v in labels.items()):
            total = (total or 0.0) + float(line.rsplit(" ", 1)[1])
    return total


def server_counts(server, model):
    text = server.metrics()
    return {"exec": metric(text, "berth_inference_exec_count", model=model) or 0,
            "inferences": metric(text, "berth_inference_count", model=model) or 0,
            "rows": metric(text, "berth_inference_batch_size_sum", model=model) or 0,
            "success": metric(text, "berth_inference_request_success", model=model) or 0,
            "queue_full": metric(text, "berth_inference_request_failure", model=model, reason="queue_full") or 0,
            "timeout": metric(text, "berth_inference_request_failure", model=model, reason="timeout") or 0,
            "failures": metric(text, "berth_inference_request_failure", model=model) or 0}


def rest_infer(server, model, body, header_length, timeout=120):
    """POSTs the exact body wrk sends. Returns (status, output bytes or error text, seconds)."""
    request = urllib.request.Request(f"{server.url}/v2/models/{model}/infer", data=body, method="POST",
                                     headers={"Content-Type": "application/octet-stream",
                                              "Inference-Header-Content-Length": str(header_length)})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            data = r.read()
            length = int(r.headers.get("Inference-Header-Content-Length", len(data)))
            return r.status, data[length:], time.monotonic() - started
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace"), time.monotonic() - started


def check_answers(server, model, spec, x, expected, body, header_length, message):
    """REST-binary and gRPC answers vs onnxruntime. Returns the largest absolute difference."""
    import grpc
    from tritonclient.grpc import service_pb2
    status, raw, _ = rest_infer(server, model, body, header_length)
    if status != 200:
        raise SystemExit(f"{model}: REST check answered {status}: {raw}")
    rest = np.frombuffer(raw, dtype="<f4").reshape(expected.shape)
    deadline = time.monotonic() + 60
    while True:  # gRPC may start listening a moment after HTTP
        try:
            with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
                call = channel.unary_unary("/inference.GRPCInferenceService/ModelInfer",
                                           request_serializer=lambda b: b,
                                           response_deserializer=service_pb2.ModelInferResponse.FromString)
                response = call(message, timeout=120)
            break
        except grpc.RpcError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    grpc_out = np.frombuffer(response.raw_output_contents[0], dtype="<f4").reshape(expected.shape)
    diff = float(max(np.max(np.abs(rest - expected)), np.max(np.abs(grpc_out - expected))))
    scale = float(np.max(np.abs(expected)))
    if not diff <= 1e-4 + 1e-3 * scale:
        raise SystemExit(f"{model}: answers differ from onnxruntime by {diff} (largest |value| {scale})")
    return diff, scale


# ---------------------------------------------------------------------------------------------- load

def run_wrk(url, body_path, header_length, concurrency, seconds, timeout_s=60):
    threads = max(1, min(concurrency, os.cpu_count() or 1))
    env = dict(os.environ, BENCH_BODY=body_path, BENCH_HEADER_LENGTH=str(header_length))
    r = subprocess.run(["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s", "--timeout",
                        f"{timeout_s}s", "--latency", "-s", INFER_LUA, url], env=env, capture_output=True, text=True,
                       timeout=seconds + timeout_s + 60)
    for line in r.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            raw = json.loads(line[len("BENCH_RESULT "):])
            secs = raw["duration_us"] / 1e6
            return {"requests": raw["requests"], "seconds": secs, "req_per_s": raw["requests"] / secs,
                    "p50_ms": raw["latency_us"]["p50"] / 1000, "p99_ms": raw["latency_us"]["p99"] / 1000,
                    "client_errors": sum(raw["errors"].values())}
    raise SystemExit(f"wrk gave no result: {r.stdout[-400:]} {r.stderr[-400:]}")


def run_h2load(grpc_port, frame_path, concurrency, seconds, warmup, log_path):
    threads = max(1, min(concurrency, os.cpu_count() or 1))
    cmd = ["h2load", "-c", str(concurrency), "-m", "1", "-t", str(threads), "-D", str(seconds),
           "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", frame_path, "--log-file", log_path]
    if warmup > 0:
        cmd += ["--warm-up-time", str(warmup)]
    cmd.append(f"http://127.0.0.1:{grpc_port}/inference.GRPCInferenceService/ModelInfer")
    if os.path.exists(log_path):
        os.remove(log_path)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + warmup + 180)
    durations, bad = [], 0
    if os.path.exists(log_path):
        with open(log_path) as f:
            for line in f:
                parts = line.split("\t")
                if len(parts) >= 3:
                    durations.append(int(parts[2]))
                    bad += parts[1] != "200"
    if not durations:
        return {"requests": 0, "seconds": seconds, "req_per_s": 0.0, "p50_ms": None, "p99_ms": None,
                "client_errors": 0, "note": "no request finished: " + r.stdout[-200:].replace("\n", " ")}
    # "finished in" includes the warm-up; the log and h2load's req/s cover the measured part only.
    match = re.search(r"finished in [\d.]+m?s, ([\d.]+) req/s", r.stdout)
    rate = float(match.group(1)) if match else len(durations) / seconds
    return {"requests": len(durations), "seconds": len(durations) / rate if rate else seconds, "req_per_s": rate,
            "p50_ms": percentile(durations, 50) / 1000, "p99_ms": percentile(durations, 99) / 1000,
            "client_errors": bad}


def percentile(values, q):
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(np.ceil(q / 100 * len(ordered))) - 1))]


# ---------------------------------------------------------------------------------------------- sweep

def sweep_model(args, work, name, spec, x, expected):
    """Both configurations of one model run side by side (one berth process each, only one loaded
    at a time): every (concurrency, protocol) point is measured off then on, back to back, so that
    the on/off ratios compare runs a few seconds apart on a noisy machine."""
    body, header_length = rest_body(spec, x)
    message = grpc_message(name, spec, x)
    folder = os.path.join(work, name)
    os.makedirs(folder)
    body_path = os.path.join(folder, "rest.body")
    with open(body_path, "wb") as f:
        f.write(body)
    frame_path = os.path.join(folder, "grpc.frame")
    with open(frame_path, "wb") as f:  # gRPC framing: not compressed, 4-byte big-endian length
        f.write(b"\x00" + len(message).to_bytes(4, "big") + message)
    slow = name == "resnet18"
    servers, points, checks = {}, [], {}
    try:
        for mode in ("off", "on"):
            repo = os.path.join(folder, mode)
            write_repo(repo, name, spec, config_text(spec, mode == "on"))
            log(f"{name} batching {mode}: starting berth")
            servers[mode] = server = Server(args.berth, repo, os.path.join(folder, f"berth-{mode}.log"))
            diff, scale = check_answers(server, name, spec, x, expected, body, header_length, message)
            checks[f"{name}/{mode}"] = {"max_abs_diff": diff, "max_abs_value": scale}
            log(f"{name} batching {mode}: REST and gRPC answers match onnxruntime (max |diff| {diff:.2e})")
            if slow:  # run every batch size the sweep may make once, leaving nothing queued
                threads = [threading.Thread(target=rest_infer, args=(server, name, body, header_length))
                           for _ in range(spec["max_batch"] * 2)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
        best = {}
        for c in args.concurrency:
            for protocol in args.protocols:
                for mode in ("off", "on"):
                    server = servers[mode]
                    seconds = spec["duration"]
                    if slow and c > 1 and best.get((mode, protocol)):
                        expected_latency = c / best[(mode, protocol)]
                        seconds = min(args.resnet_max_duration, max(seconds, round(3 * expected_latency)))
                    warmup = 0 if slow else args.warmup
                    url = f"{server.url}/v2/models/{name}/infer"
                    if warmup and protocol == "rest":
                        run_wrk(url, body_path, header_length, c, warmup)
                        server.drain(name)
                    before = server_counts(server, name)
                    if protocol == "rest":
                        p = run_wrk(url, body_path, header_length, c, seconds)
                    else:
                        p = run_h2load(server.grpc_port, frame_path, c, seconds, warmup,
                                       os.path.join(folder, f"h2load-{mode}-{c}.log"))
                    server.drain(name)
                    after = server_counts(server, name)
                    d = {k: after[k] - before[k] for k in after}
                    # Closed loop: a request's latency is about c / throughput. A window shorter than
                    # twice that only sees the requests served first: its p99 is cut short.
                    truncated = bool(p["req_per_s"]) and seconds < 2 * c / p["req_per_s"]
                    p.update(model=name, protocol=protocol, batching=mode, concurrency=c, duration_s=seconds,
                             rows_per_exec=d["rows"] / d["exec"] if d["exec"] else None,
                             server_failures=d["failures"], rss_mb=server.rss_mb(), truncated=truncated,
                             loadavg=loadavg()[0])
                    points.append(p)
                    if p["req_per_s"]:
                        best[(mode, protocol)] = max(best.get((mode, protocol), 0), p["req_per_s"])
                    log(f"{name:8} {protocol:4} {mode:3} c={c:<3} {p['req_per_s']:9.1f} req/s  "
                        f"p50 {fmt(p['p50_ms'])} ms  p99 {fmt(p['p99_ms'])} ms  rows/exec {fmt(p['rows_per_exec'], 2)}"
                        f"  n={p['requests']}  errors {p['client_errors']}+{p['server_failures']:.0f}  ({seconds} s"
                        f"{', window < 2x latency' if truncated else ''})")
    finally:
        for server in servers.values():
            server.stop()
    return points, checks


def fmt(v, digits=None):
    if v is None:
        return "-"
    if digits is None:
        digits = 2 if v < 10 else 1 if v < 100 else 0
    return f"{v:.{digits}f}"


# ---------------------------------------------------------------------------------------------- overload

class OpenLoop:
    """Fixed-rate arrivals over raw HTTP/1.1 keep-alive connections (a new connection whenever every
    open one is busy). Latency is counted from each request's scheduled arrival time."""

    def __init__(self, port, path, body, header_length, timeout_s):
        self.port = port
        self.request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                        "Content-Type: application/octet-stream\r\n"
                        f"Inference-Header-Content-Length: {header_length}\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        self.timeout_s = timeout_s
        self.idle = []
        self.results = []  # (scheduled offset s, status or error text, latency s, send lag s)
        self.connections_opened = 0

    async def one(self, t0, offset):
        send_lag = time.monotonic() - (t0 + offset)
        conn = None
        try:
            if self.idle:
                conn = self.idle.pop()
            else:
                conn = await asyncio.open_connection("127.0.0.1", self.port)
                self.connections_opened += 1
            reader, writer = conn
            writer.write(self.request)
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.timeout_s)
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            await asyncio.wait_for(reader.readexactly(int(headers.get("content-length", "0"))), self.timeout_s)
            latency = time.monotonic() - (t0 + offset)
            if headers.get("connection", "").lower() == "close":
                writer.close()
            else:
                self.idle.append(conn)
            self.results.append((offset, status, latency, send_lag, "retry-after" in headers))
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError, IndexError) as e:
            if conn:
                conn[1].close()
            self.results.append((offset, type(e).__name__, time.monotonic() - (t0 + offset), send_lag, False))

    async def run(self, rate, seconds):
        t0 = time.monotonic()
        tasks = []
        for i in range(int(rate * seconds)):
            offset = i / rate
            delay = t0 + offset - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(self.one(t0, offset)))
        await asyncio.gather(*tasks)
        for _, writer in self.idle:
            writer.close()
        return time.monotonic() - t0


class RssSampler(threading.Thread):
    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.samples, self.phase, self.stop_flag = server, [], "idle", threading.Event()
        self.t0 = time.monotonic()

    def run(self):
        while not self.stop_flag.is_set():
            rss = self.server.rss_mb()
            if rss is not None:
                self.samples.append((round(time.monotonic() - self.t0, 2), self.phase, rss))
            self.stop_flag.wait(1.0)


def overload(args, work, specs, x_by_model, expected_by_model):
    name = args.overload_model
    spec = dict(specs[name])
    x, expected = x_by_model[name], expected_by_model[name]
    policy = {"max_queue_size": args.overload_queue_size, "timeout_us": args.overload_timeout_us}
    folder = os.path.join(work, "overload")
    repo = os.path.join(folder, "models")
    write_repo(repo, name, spec, config_text(spec, True, policy))
    body, header_length = rest_body(spec, x)
    body_path = os.path.join(folder, "rest.body")
    with open(body_path, "wb") as f:
        f.write(body)
    log(f"overload ({name}, max_queue_size {policy['max_queue_size']}, default timeout "
        f"{policy['timeout_us'] / 1e6:g} s): starting berth")
    server = Server(args.berth, repo, os.path.join(folder, "berth.log"))
    sampler = RssSampler(server)
    sampler.start()
    result = {"model": name, "config": config_text(spec, True, policy), "queue_policy": policy}
    try:
        message = grpc_message(name, spec, x)
        check_answers(server, name, spec, x, expected, body, header_length, message)
        time.sleep(1.5)  # a couple of idle RSS samples
        c = 2 * spec["max_batch"]

        def capacity(label):
            """Closed loop at 2 × max_batch_size in flight (REST): full batches back to back."""
            before = server_counts(server, name)
            cap = run_wrk(f"{server.url}/v2/models/{name}/infer", body_path, header_length, c, args.capacity_seconds)
            server.drain(name)
            after = server_counts(server, name)
            cap.update(concurrency=c, duration_s=args.capacity_seconds, loadavg=loadavg()[0],
                       server_failures=after["failures"] - before["failures"],
                       rows_per_exec=(after["rows"] - before["rows"]) / max(1, after["exec"] - before["exec"]))
            log(f"capacity {label}: {cap['req_per_s']:.2f} req/s closed-loop at concurrency {c} (p50 "
                f"{fmt(cap['p50_ms'])} ms, p99 {fmt(cap['p99_ms'])} ms, rows/exec {cap['rows_per_exec']:.2f}, "
                f"failures {cap['server_failures']:.0f})")
            return cap

        sampler.phase = "capacity"
        run_wrk(f"{server.url}/v2/models/{name}/infer", body_path, header_length, c, max(2, args.warmup * 2))
        server.drain(name)
        cap = result["capacity"] = capacity("before")

        rate = args.overload_factor * cap["req_per_s"]
        log(f"offering {rate:.2f} req/s open-loop for {args.overload_seconds} s")
        sampler.phase = "overload"
        before = server_counts(server, name)
        gen = OpenLoop(server.http_port, f"/v2/models/{name}/infer", body, header_length, timeout_s=120)
        wall = asyncio.run(gen.run(rate, args.overload_seconds))
        sampler.phase = "after"
        load_overload = loadavg()[0]
        server.drain(name)
        after = server_counts(server, name)
        time.sleep(2.5)
        sampler.phase = "capacity-after"
        result["capacity_after"] = capacity("after")
        status, _, _ = rest_infer(server, name, body, header_length)
        ready = urllib.request.urlopen(server.url + "/v2/health/ready", timeout=10).status
        diff, _ = check_answers(server, name, spec, x, expected, body, header_length, message)
    finally:
        sampler.stop_flag.set()
        sampler.join()
        server.stop()

    res = gen.results
    by_status = {}
    for r in res:
        by_status[str(r[1])] = by_status.get(str(r[1]), 0) + 1
    ok = [r for r in res if r[1] == 200]
    rejected = [r for r in res if r[1] != 200]
    # Accepted throughput over the window in which requests arrived (answers to late arrivals included).
    last_ok_done = max((r[0] + r[2] for r in ok), default=0)
    ms = lambda vs, q: None if not vs else percentile(vs, q) * 1000  # noqa: E731
    per_status_latency = {}
    for s in by_status:
        lat = [r[2] for r in res if str(r[1]) == s]
        per_status_latency[s] = {"n": len(lat), "p50_ms": ms(lat, 50), "p99_ms": ms(lat, 99), "max_ms": ms(lat, 100)}
    rss = sampler.samples
    during = [s[2] for s in rss if s[1] == "overload"]
    result.update({
        "offered_req_per_s": rate, "overload_seconds": args.overload_seconds, "sent": len(res),
        "generator_wall_s": wall, "connections_opened": gen.connections_opened,
        "send_lag_p99_ms": ms([r[3] for r in res], 99),
        "by_status": by_status, "latency_by_status": per_status_latency,
        "accepted_req_per_s": len(ok) / max(last_ok_done, args.overload_seconds),
        "accepted_p50_ms": ms([r[2] for r in ok], 50), "accepted_p99_ms": ms([r[2] for r in ok], 99),
        "accepted_max_ms": ms([r[2] for r in ok], 100),
        "rejected_p50_ms": ms([r[2] for r in rejected], 50), "rejected_p99_ms": ms([r[2] for r in rejected], 99),
        "retry_after_on_429": sum(1 for r in res if r[1] == 429 and r[4]),
        "server_counts": {k: after[k] - before[k] for k in after},
        "rss_mb": {"idle_before": next((s[2] for s in rss if s[1] == "idle"), None),
                   "overload_first": during[0] if during else None,
                   "overload_mid": during[len(during) // 2] if during else None,
                   "overload_last": during[-1] if during else None,
                   "overload_max": max(during) if during else None,
                   "after": rss[-1][2] if rss else None, "max": max(s[2] for s in rss) if rss else None},
        "rss_samples": rss, "after": {"infer_status": status, "ready_status": ready, "answer_max_abs_diff": diff},
    })
    result["loadavg_overload_end"] = load_overload
    # The machine is shared: capacity is measured before and after the overload; the mean is the yardstick.
    mean_cap = (cap["req_per_s"] + result["capacity_after"]["req_per_s"]) / 2
    result["capacity_mean_req_per_s"] = mean_cap
    result["accepted_vs_capacity"] = result["accepted_req_per_s"] / mean_cap if mean_cap else None
    return result


# ---------------------------------------------------------------------------------------------- report

def tables(points, checks, over, args):
    out = [] if not points else ["### Sweep", "",
           "| model | protocol | batching | conc | req/s | p50 ms | p99 ms | rows/exec | n | errors | s | load |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for p in points:
        out.append(f"| {p['model']} | {p['protocol']} | {p['batching']} | {p['concurrency']} | {fmt(p['req_per_s'])} | "
                   f"{fmt(p['p50_ms'])} | {fmt(p['p99_ms'])} | {fmt(p['rows_per_exec'], 2)} | {p['requests']} | "
                   f"{p['client_errors'] + p['server_failures']:.0f} | {p['duration_s']}{' †' if p['truncated'] else ''} | "
                   f"{p['loadavg']:.1f} |")
    if any(p["truncated"] for p in points):
        out += ["", "† window shorter than 2 × the closed-loop latency (concurrency ÷ req/s): only the requests "
                "served first finished inside it, so p50/p99 are cut short; give ResNet-18 a longer "
                "--resnet-max-duration to see the whole distribution."]
    if points:
        out += ["", "### Batching on ÷ off (gain = req/s ratio; latency cost = p50 and p99 ratios)", "",
                "| model | protocol | conc | gain | p50 on/off | p99 on/off |", "|---|---|---:|---:|---:|---:|"]
    ratio = lambda a, b: f"{a / b:.2f}×" if a and b else "-"  # noqa: E731
    for model in dict.fromkeys(p["model"] for p in points):
        for protocol in args.protocols:
            for c in args.concurrency:
                sel = {p["batching"]: p for p in points
                       if p["model"] == model and p["protocol"] == protocol and p["concurrency"] == c}
                if "on" in sel and "off" in sel:
                    on, off = sel["on"], sel["off"]
                    out.append(f"| {model} | {protocol} | {c} | {ratio(on['req_per_s'], off['req_per_s'])} | "
                               f"{ratio(on['p50_ms'], off['p50_ms'])} | {ratio(on['p99_ms'], off['p99_ms'])} |")
    if checks:
        out += ["", "Answers checked against onnxruntime before each configuration's points (largest |difference|, "
                "largest |value|): " + "; ".join(f"{k} {v['max_abs_diff']:.1e} / {v['max_abs_value']:.2g}"
                                                  for k, v in checks.items())]
    if over:
        cap = over["capacity"]
        rss = over["rss_mb"]
        out += ["", f"### Overload ({over['model']}, batching on, max_queue_size "
                f"{over['queue_policy']['max_queue_size']}, default timeout {over['queue_policy']['timeout_us'] / 1e6:g} s)",
                "", "| what | value |", "|---|---|",
                f"| capacity before (closed loop, conc {cap['concurrency']}, {cap['duration_s']} s, REST) | "
                f"{cap['req_per_s']:.2f} req/s, p50 {fmt(cap['p50_ms'])} ms, p99 {fmt(cap['p99_ms'])} ms, rows/exec "
                f"{cap['rows_per_exec']:.2f}, load {cap['loadavg']:.1f} |",
                f"| capacity after (same) | {over['capacity_after']['req_per_s']:.2f} req/s, p50 "
                f"{fmt(over['capacity_after']['p50_ms'])} ms, p99 {fmt(over['capacity_after']['p99_ms'])} ms, load "
                f"{over['capacity_after']['loadavg']:.1f} |",
                f"| offered (open loop, {over['overload_seconds']} s) | {over['offered_req_per_s']:.2f} req/s, "
                f"{over['sent']} requests, {over['connections_opened']} connections, send lag p99 "
                f"{fmt(over['send_lag_p99_ms'])} ms |",
                f"| accepted | {over['accepted_req_per_s']:.2f} req/s = {over['accepted_vs_capacity']:.2f}× mean capacity "
                f"({over['capacity_mean_req_per_s']:.2f}); load {over['loadavg_overload_end']:.1f} at the end |",
                f"| answers by status | {', '.join(f'{k}: {v}' for k, v in sorted(over['by_status'].items()))} |",
                f"| server rejections | queue_full {over['server_counts']['queue_full']:.0f}, timeout "
                f"{over['server_counts']['timeout']:.0f} |",
                f"| accepted latency | p50 {fmt(over['accepted_p50_ms'])} ms, p99 {fmt(over['accepted_p99_ms'])} ms, "
                f"max {fmt(over['accepted_max_ms'])} ms |",
                f"| rejected latency (all non-200) | p50 {fmt(over['rejected_p50_ms'])} ms, "
                f"p99 {fmt(over['rejected_p99_ms'])} ms |"]
        for s, v in sorted(over["latency_by_status"].items()):
            out.append(f"| status {s} latency | n {v['n']}, p50 {fmt(v['p50_ms'])} ms, p99 {fmt(v['p99_ms'])} ms, "
                       f"max {fmt(v['max_ms'])} ms |")
        out += [f"| 429 with Retry-After | {over['retry_after_on_429']} of {over['by_status'].get('429', 0)} |",
                f"| RSS MB (VmRSS, every second) | idle {fmt(rss['idle_before'])}; overload first "
                f"{fmt(rss['overload_first'])}, middle {fmt(rss['overload_mid'])}, last {fmt(rss['overload_last'])}, "
                f"max {fmt(rss['overload_max'])}; end of run {fmt(rss['after'])} |",
                f"| after the overload | ready {over['after']['ready_status']}, infer {over['after']['infer_status']}, "
                f"answer max |diff| {over['after']['answer_max_abs_diff']:.1e} |"]
    return "\n".join(out)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="short points (tiny 2 s, ResNet 3 s up to 8 s, overload 10 s): about 3-4 minutes")
    p.add_argument("--berth", default=os.path.join(ROOT, "build", "berth"), help="berth binary")
    p.add_argument("--models", default="tiny_mlp,resnet18", help="comma-separated: tiny_mlp, resnet18")
    p.add_argument("--protocols", default="rest,grpc", help="comma-separated: rest, grpc")
    p.add_argument("--concurrency", default="1,8,64", help="comma-separated in-flight requests")
    p.add_argument("--duration", type=int, default=5, help="seconds per tiny_mlp point")
    p.add_argument("--warmup", type=int, default=1, help="seconds of untimed load before each tiny_mlp point")
    p.add_argument("--resnet-duration", type=int, default=6, help="seconds per ResNet-18 point (at least)")
    p.add_argument("--resnet-max-duration", type=int, default=20,
                   help="longest ResNet-18 point (high concurrency points get ~3 × the expected latency)")
    p.add_argument("--tiny-max-batch", type=int, default=32)
    p.add_argument("--tiny-preferred", default="8,16")
    p.add_argument("--tiny-delay-us", type=int, default=500, help="max_queue_delay_microseconds, tiny_mlp")
    p.add_argument("--resnet-max-batch", type=int, default=8)
    p.add_argument("--resnet-preferred", default="4,8")
    p.add_argument("--resnet-delay-us", type=int, default=2000, help="max_queue_delay_microseconds, ResNet-18")
    p.add_argument("--no-sweep", action="store_true", help="only the overload test")
    p.add_argument("--no-overload", action="store_true", help="only the sweep")
    p.add_argument("--overload-model", default="resnet18", choices=["resnet18", "tiny_mlp"],
                   help="tiny_mlp only with a small --overload-factor: the Python generator sends a few "
                   "thousand requests per second at most")
    p.add_argument("--capacity-seconds", type=int, default=10, help="closed-loop capacity measurement")
    p.add_argument("--overload-seconds", type=int, default=30, help="open-loop overload duration")
    p.add_argument("--overload-factor", type=float, default=2.0, help="offered load ÷ capacity")
    p.add_argument("--overload-queue-size", type=int, default=16, help="max_queue_size of the overload config")
    p.add_argument("--overload-timeout-us", type=int, default=2_000_000,
                   help="default_timeout_microseconds of the overload config")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "out"), help="folder for results")
    a = p.parse_args(argv)
    if a.quick:
        given = set(arg.split("=")[0] for arg in argv)
        for flag, value in (("--duration", 2), ("--resnet-duration", 3), ("--resnet-max-duration", 8),
                            ("--capacity-seconds", 6), ("--overload-seconds", 10)):
            if flag not in given:
                setattr(a, flag[2:].replace("-", "_"), value)
    a.models = [m for m in a.models.split(",") if m]
    a.protocols = [m for m in a.protocols.split(",") if m]
    a.concurrency = [int(c) for c in a.concurrency.split(",") if c.strip()]
    a.tiny_preferred = [int(v) for v in a.tiny_preferred.split(",") if v]
    a.resnet_preferred = [int(v) for v in a.resnet_preferred.split(",") if v]
    bad = [m for m in a.models if m not in ("tiny_mlp", "resnet18")] + \
          [m for m in a.protocols if m not in ("rest", "grpc")]
    if bad:
        p.error(f"unknown model or protocol: {', '.join(bad)}")
    return a


def main(argv):
    args = parse_args(argv)
    for tool, package in (("wrk", "wrk"), ("h2load", "nghttp2-client")):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install {package}")
    if not os.access(args.berth, os.X_OK):
        raise SystemExit(f"berth binary not found at {args.berth} (tools/build.sh berth)")
    os.makedirs(args.out, exist_ok=True)
    sweep_models = list(args.models)
    if not args.no_overload and args.overload_model not in args.models:
        args.models.append(args.overload_model)  # exported and checked, not swept
    started = time.time()
    load_start = loadavg()
    log(f"{os.cpu_count()} cores, load average {load_start}")
    specs = model_specs(args)
    work = tempfile.mkdtemp(prefix="berth-scale-")
    x_by_model, expected_by_model, points, checks, over = {}, {}, [], {}, None
    try:
        for name, spec in specs.items():
            x_by_model[name] = make_input(spec)
            expected_by_model[name] = reference_output(spec, x_by_model[name])
        if not args.no_sweep:
            for name, spec in specs.items():
                if name not in sweep_models:
                    continue
                pts, model_checks = sweep_model(args, work, name, spec, x_by_model[name], expected_by_model[name])
                points += pts
                checks.update(model_checks)
        if not args.no_overload:
            over = overload(args, work, specs, x_by_model, expected_by_model)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_end = loadavg()
    head = (f"Berth scale benchmark, {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
            f"load average {load_start[0]:.1f} at start, {load_end[0]:.1f} at end, "
            f"{(time.time() - started) / 60:.1f} min. Configs: tiny_mlp max_batch_size {args.tiny_max_batch}, "
            f"on = preferred {args.tiny_preferred} delay {args.tiny_delay_us} µs; resnet18 max_batch_size "
            f"{args.resnet_max_batch}, on = preferred {args.resnet_preferred} delay {args.resnet_delay_us} µs; "
            "1 instance. 'errors' = client errors + server failures; 'n' = requests finished in the window; "
            "'s' = measured seconds; 'load' = 1-minute load average right after the point.")
    text = head + "\n\n" + tables(points, checks, over, args)
    print(text)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(args.out, f"scale-{stamp}")
    with open(path + ".json", "w") as f:
        json.dump({"args": vars(args), "cores": os.cpu_count(), "machine": platform.platform(),
                   "loadavg_start": load_start, "loadavg_end": load_end, "points": points, "checks": checks,
                   "overload": over}, f, indent=1)
    with open(path + ".md", "w") as f:
        f.write(text + "\n")
    log(f"wrote {path}.json and .md")


if __name__ == "__main__":
    main(sys.argv[1:])
