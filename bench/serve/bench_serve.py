#!/usr/bin/env python3
"""Serving overhead, side by side in one run: Berth vs FastAPI + onnxruntime vs nginx.

All servers start at the beginning, each on a loopback port, and stay up for the whole run (an idle
one uses no CPU). The models are a tiny MLP and ResNet-18, made here with fixed seeds. wrk POSTs the
same KServe v2 infer request at each concurrency, after a warm-up, for a fixed duration, and we
record req/s and p50/p99 latency. nginx answers every POST with the fixed response, so it is the
HTTP ceiling of this machine. Then the ratios issue 3 targets:

  tiny_mlp  Berth / FastAPI throughput                    target >= 10x
  tiny_mlp  Berth / nginx request rate                    target >= 50 %
  resnet18  Berth p50 at concurrency 1 minus in-process   target <= 5 % of the in-process p50
            `berth bench` p50 (the server's overhead)

On a shared 2-core VM throughput drifts by 10-25 % from one minute to the next, so a ratio of two
points measured minutes apart says more about the drift than about the servers. So the points are
paired and repeated: each answer is checked once, then in each of --rounds rounds, for each model and
concurrency, the servers are measured one after the other (in --servers order), so the points a
ratio compares are taken back to back, seconds apart. The tables show, per server, model and
concurrency, the median over rounds, and each ratio is the median over rounds of that round's ratio;
every round's numbers are reported too.

The overhead is a difference of two numbers of the same size, so machine noise (other tenants on a
2-core VM move a p50 by 10-20 % from one minute to the next) easily swamps it. So, after the rounds,
it is measured in pairs taken back to back -- `berth bench` for a few seconds, then wrk at
concurrency 1 on the idle server for as long -- several times (--overhead-rounds), and the median of
the per-pair differences is the overhead; every pair is reported.

A markdown table goes to stdout and, with every number and the settings, JSON to bench/out/.
Run it through bench/serve/run.sh, which checks the prerequisites first. This is a benchmark, not a
test: it never fails because of a number, only when it cannot measure.
"""

import argparse
import datetime
import functools
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import models  # noqa: E402  (bench/serve/models.py)

SERVERS = ("berth", "fastapi", "nginx")
TARGET_FASTAPI_RATIO = 10.0
TARGET_NGINX_FRACTION = 0.5
TARGET_OVERHEAD_PERCENT = 5.0


def log(message):
    print(f"[bench-serve {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """Something that stops one measurement (a server that does not start, a wrong answer)."""


def parse_args(argv):
    p = argparse.ArgumentParser(description="Berth vs FastAPI + onnxruntime vs nginx, on loopback. All servers stay up "
                                "for the whole run; each point (model, concurrency) is measured on every server back "
                                "to back, --rounds times, and the report gives medians over rounds.")
    p.add_argument("--rounds", type=int, default=3,
                   help="rounds of every point; in each, the servers are measured back to back per model and "
                        "concurrency, and the tables show the median over rounds (default 3)")
    p.add_argument("--duration", type=int, default=10, help="whole seconds measured per point (default 10)")
    p.add_argument("--warmup", type=int, default=2, help="whole seconds of untimed load before each point (default 2)")
    p.add_argument("--concurrency", default="1,8,64", help="comma-separated connection counts (default 1,8,64)")
    p.add_argument("--servers", default=",".join(SERVERS), help="subset of berth,fastapi,nginx")
    p.add_argument("--models", default=",".join(models.MODELS), help="subset of tiny_mlp,resnet18")
    p.add_argument("--resnet-encoding", choices=("binary", "json"), default="binary",
                   help="ResNet-18 input as the binary tensor extension (perf_analyzer's default) or JSON")
    p.add_argument("--berth", default=os.path.join(ROOT, "build", "berth"), help="berth binary (default build/berth)")
    p.add_argument("--fastapi-workers", type=int, default=os.cpu_count() or 1,
                   help="uvicorn worker processes (default: one per core)")
    p.add_argument("--wrk-timeout", type=float, default=60.0, help="wrk's per-request timeout in seconds")
    p.add_argument("--bench-iterations", type=int, default=20, help="timed runs of the in-process `berth bench`")
    p.add_argument("--overhead-rounds", type=int, default=5,
                   help="(in-process, served) pairs for the ResNet-18 overhead; its median difference is reported")
    p.add_argument("--overhead-seconds", type=int, default=4, help="seconds of each half of an overhead pair")
    p.add_argument("--startup-timeout", type=float, default=180.0, help="seconds a server may take to become ready")
    p.add_argument("--settle-timeout", type=float, default=120.0,
                   help="seconds to wait, between points, for requests left over by the last one to finish")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "out"), help="folder for the JSON and markdown")
    p.add_argument("--keep-temp", action="store_true", help="keep the temporary repository and server logs")
    a = p.parse_args(argv)
    a.concurrency = [int(c) for c in a.concurrency.split(",") if c.strip()]
    a.servers = [s.strip() for s in a.servers.split(",") if s.strip()]
    a.models = [m.strip() for m in a.models.split(",") if m.strip()]
    bad = [s for s in a.servers if s not in SERVERS] + [m for m in a.models if m not in models.MODELS]
    if bad:
        p.error(f"unknown server/model name(s): {bad}")
    if not a.concurrency or min(a.concurrency) < 1:
        p.error("--concurrency needs positive integers, e.g. 1,8,64")
    if a.rounds < 1:
        p.error("--rounds must be at least 1")
    if a.duration <= 0 or a.warmup < 0:
        p.error("--duration must be positive and --warmup not negative")
    return a


# ---------------------------------------------------------------------------------------------
# HTTP helpers (urllib: no dependency beyond the standard library)

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None, timeout=120.0):
    """Returns (status, body bytes, seconds). Connection errors come back as status 0."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            data = r.read()
            return r.status, data, time.perf_counter() - start
    except urllib.error.HTTPError as e:
        return e.code, e.read(), time.perf_counter() - start
    except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError) as e:
        return 0, str(e).encode(), time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# Servers: each is started as our own child (own process group), on 127.0.0.1, logging to a file.

class Server:
    name = ""

    def __init__(self, tmp):
        self.tmp = tmp
        self.log_path = os.path.join(tmp, f"{self.name}.log")
        self.proc = None
        self.port = None
        self.exit_code = None

    def command(self):
        raise NotImplementedError

    def find_port(self):
        return self.port

    def start(self, timeout):
        cmd = self.command()
        log(f"{self.name}: {' '.join(cmd)}")
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True, env=self.env())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with code {self.proc.returncode} while starting:\n"
                                 + self.log_tail())
            port = self.find_port()
            if port:
                status, _, _ = http("GET", f"http://127.0.0.1:{port}/v2/health/ready", timeout=5)
                if status == 200:
                    self.port = port
                    return
            time.sleep(0.2)
        raise BenchError(f"{self.name} was not ready after {timeout:.0f} s:\n" + self.log_tail())

    def env(self):
        return dict(os.environ)

    def url(self, model):
        return f"http://127.0.0.1:{self.port}/v2/models/{model}/infer"

    def rss_mib(self):
        """Resident memory of the server's process tree (workers included), in MiB."""
        if self.proc is None or self.proc.poll() is not None:
            return None
        total, todo, seen = 0, [self.proc.pid], set()
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{tid}/children") as f:
                        todo += [int(c) for c in f.read().split()]
            except (OSError, ValueError):
                continue
        return round(total / 1024, 1)

    def stop(self, timeout=30.0):
        """SIGTERM (the graceful path every server here has), then SIGKILL to its process group."""
        if self.proc is None or self.proc.poll() is not None:
            self.exit_code = None if self.proc is None else self.proc.returncode
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.exit_code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log(f"{self.name}: still running {timeout:.0f} s after SIGTERM; killing its process group")
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.exit_code = self.proc.wait()

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"


class BerthServer(Server):
    name = "berth"

    def __init__(self, tmp, binary, repo):
        super().__init__(tmp)
        self.binary, self.repo = binary, repo

    def command(self):
        return [self.binary, "serve", "--model-repository", self.repo, "--http-address", "127.0.0.1",
                "--http-port", "0", "--grpc-port", "0"]

    def find_port(self):
        # The chosen port is in the JSON line {"event":"server_listening", ..., "port": N}.
        try:
            with open(self.log_path, errors="replace") as f:
                for line in f:
                    if '"server_listening"' in line:
                        try:
                            event = json.loads(line)
                        except ValueError:
                            continue
                        if event.get("event") == "server_listening" and event.get("port"):
                            return int(event["port"])
        except OSError:
            pass
        return None


class FastApiServer(Server):
    name = "fastapi"

    def __init__(self, tmp, repo, workers):
        super().__init__(tmp)
        self.repo, self.workers = repo, workers
        self.port = free_port()

    def command(self):
        return [sys.executable, os.path.join(HERE, "fastapi_server.py"), "--model-repository", self.repo,
                "--port", str(self.port), "--workers", str(self.workers)]


class NginxServer(Server):
    name = "nginx"

    def __init__(self, tmp, responses):
        super().__init__(tmp)
        self.port = free_port()
        self.prefix = os.path.join(tmp, "nginx")
        os.makedirs(os.path.join(self.prefix, "static"), exist_ok=True)
        # Started as root, nginx runs its workers as 'nobody': they must be able to reach the files.
        for d in (tmp, self.prefix, os.path.join(self.prefix, "static")):
            os.chmod(d, 0o755)
        self.conf = os.path.join(self.prefix, "nginx.conf")
        self.how = {}
        locations = ["    location = /v2/health/ready { default_type application/json; return 200 '{\"ready\":true}'; }"]
        for model, body in responses.items():
            text = body.decode()
            if len(text) < 3000 and not any(c in text for c in "'$\\"):
                # Small enough for one nginx config token (4 KiB): answered from memory.
                self.how[model] = "return"
                locations.append(f"    location = /v2/models/{model}/infer "
                                 f"{{ default_type application/json; return 200 '{text}'; }}")
            else:
                # Too long for the config: a static file. error_page turns the 405 into an internal
                # redirect, which nginx makes a GET, of the file (the usual idiom for POST to a file).
                self.how[model] = "static file"
                with open(os.path.join(self.prefix, "static", f"{model}.json"), "wb") as f:
                    f.write(body)
                os.chmod(os.path.join(self.prefix, "static", f"{model}.json"), 0o644)
                locations.append(f"    location = /v2/models/{model}/infer "
                                 f"{{ error_page 405 =200 /fixed/{model}.json; return 405; }}")
        locations.append(f"    location /fixed/ {{ internal; alias {self.prefix}/static/; "
                         f"default_type application/json; }}")
        with open(self.conf, "w") as f:
            f.write(f"""worker_processes {os.cpu_count() or 1};
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {self.prefix}/client_body;
  proxy_temp_path {self.prefix}/proxy;
  fastcgi_temp_path {self.prefix}/fastcgi;
  uwsgi_temp_path {self.prefix}/uwsgi;
  scgi_temp_path {self.prefix}/scgi;
  client_max_body_size 64m;
  keepalive_requests 1000000;
  open_file_cache max=16;
  server {{
    listen 127.0.0.1:{self.port};
{chr(10).join(locations)}
  }}
}}
""")

    def command(self):
        return [shutil.which("nginx") or "nginx", "-p", self.prefix, "-c", self.conf,
                "-e", os.path.join(self.prefix, "error.log"), "-g", "daemon off;"]


# ---------------------------------------------------------------------------------------------
# Measurements

def check_answer(server, model, body, headers, reference):
    """One request; the server must answer 200 with the reference output (nginx: any 200)."""
    status, data, seconds = http("POST", server.url(model), body, headers)
    if status != 200:
        raise BenchError(f"{server.name}/{model}: HTTP {status}: {data[:300]!r}")
    try:
        out = json.loads(data)["outputs"][0]
        got = np.asarray(out["data"], dtype=np.float32).reshape(out["shape"])
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise BenchError(f"{server.name}/{model}: response is not a KServe v2 answer ({e!r}): {data[:300]!r}")
    if got.shape != reference.shape or not np.allclose(got, reference, rtol=1e-3,
                                                       atol=1e-4 * max(1.0, float(np.abs(reference).max()))):
        diff = float(np.abs(got - reference).max()) if got.shape == reference.shape else float("nan")
        raise BenchError(f"{server.name}/{model}: output differs from onnxruntime's (max abs diff {diff})")
    return seconds


def idle_latency(server, model, body, headers, probes=3):
    seconds = []
    for _ in range(probes):
        status, data, t = http("POST", server.url(model), body, headers)
        if status != 200:
            raise BenchError(f"{server.name}/{model}: HTTP {status}: {data[:300]!r}")
        seconds.append(t)
    return min(seconds)


def settle(server, model, body, headers, baseline, timeout):
    """Waits until requests left running by the previous wrk run have finished: wrk closes its
    connections when its time is up, but a server may still be computing their answers, which would
    steal the CPU from the next point. Idle means one request is again about as fast as when idle."""
    start = time.monotonic()
    limit = max(2 * baseline, baseline + 0.005)
    while time.monotonic() - start < timeout:
        status, _, seconds = http("POST", server.url(model), body, headers, timeout=timeout)
        if status == 200 and seconds <= limit:
            return time.monotonic() - start, True
    return time.monotonic() - start, False


def run_wrk(url, body_path, header_length, concurrency, seconds, timeout):
    threads = max(1, min(concurrency, os.cpu_count() or 1))
    env = dict(os.environ, BENCH_BODY=body_path, BENCH_HEADER_LENGTH=str(header_length or ""))
    cmd = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s",
           "--timeout", f"{max(1, round(timeout))}s", "--latency", "-s", os.path.join(HERE, "infer.lua"), url]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + timeout + 60)
    for line in r.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT "):])
    raise BenchError(f"wrk gave no result (exit {r.returncode}): {r.stdout[-500:]} {r.stderr[-500:]}")


def summarize(raw, concurrency):
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw["errors"].values())
    ok = raw["requests"] > 0
    return {
        "concurrency": concurrency,
        "requests": raw["requests"],
        "seconds": round(seconds, 3),
        "req_per_s": round(raw["requests"] / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": round(raw["latency_us"]["p50"] / 1000, 3) if ok else None,
        "p99_ms": round(raw["latency_us"]["p99"] / 1000, 3) if ok else None,
        "mean_ms": round(raw["latency_us"]["mean"] / 1000, 3) if ok else None,
        "errors": raw["errors"],
        "valid": ok and errors == 0,
        "wrk": raw,
    }


def prepare_model(server, model, inp, m):
    """Once per server and model, before the rounds: the answer is right (nginx: any 200), and how
    fast one request is on the idle server (settle() waits until it is that fast again)."""
    body, headers = inp["body"], inp["headers"]
    if server.name != "nginx":
        check_answer(server, model, body, headers, inp["reference"])
    baseline = idle_latency(server, model, body, headers)
    m["idle_latency_ms"] = round(baseline * 1000, 3)
    return baseline


def measure_point(server, model, inp, c, baseline, args, before=None):
    """One point: settle, warm-up, settle, then wrk for --duration. `before`, if given, runs just
    before the measured wrk, while the server is idle."""
    body, headers = inp["body"], inp["headers"]
    waited, ok = settle(server, model, body, headers, baseline, args.settle_timeout)
    if args.warmup > 0:
        run_wrk(server.url(model), inp["body_path"], inp["header_length"], c, args.warmup, args.wrk_timeout)
        waited2, ok2 = settle(server, model, body, headers, baseline, args.settle_timeout)
        waited, ok = waited + waited2, ok and ok2
    if before:
        before()
    raw = run_wrk(server.url(model), inp["body_path"], inp["header_length"], c, args.duration, args.wrk_timeout)
    point = summarize(raw, c)
    point["settle_s"] = round(waited, 2)
    if not ok:
        point["note"] = f"server still busy with earlier requests after {args.settle_timeout:.0f} s"
    return point


def in_process_bench(args, model, model_path, results):
    try:
        results["in_process"][model] = berth_bench(args.berth, model_path, args.bench_iterations)
    except (BenchError, subprocess.TimeoutExpired, ValueError) as e:
        results["in_process"][model] = {"error": str(e)}
        log(f"in-process bench of {model} failed: {e}")


def measure_rounds(servers, baselines, inputs, paths, results, args):
    """Every point, --rounds times: per round, model and concurrency, the servers one after the other
    (in --servers order), so the points a ratio compares are taken seconds apart. In round 1 the
    in-process `berth bench` of each model runs just before Berth's first point on it, while the
    server is idle. A server/model that fails a point is not measured again (its "error" says why);
    baselines holds the (server, model) pairs still measured."""
    for r in range(1, args.rounds + 1):
        log(f"round {r} of {args.rounds}")
        for model in args.models:
            for i, c in enumerate(args.concurrency):
                for server in servers:
                    if (server.name, model) not in baselines:
                        continue
                    m = results[server.name]["models"][model]
                    before = None
                    if server.name == "berth" and r == 1 and i == 0:
                        before = functools.partial(in_process_bench, args, model, paths[model], results)
                    try:
                        point = measure_point(server, model, inputs[model], c, baselines[(server.name, model)],
                                              args, before)
                    except (BenchError, subprocess.TimeoutExpired) as e:
                        log(str(e))
                        m["error"] = str(e)
                        del baselines[(server.name, model)]
                        continue
                    m["points"].append({"round": r, **point})
                    log(f"round {r}: {server.name} {model} c={c}: {point['req_per_s']} req/s, p50 {point['p50_ms']} "
                        f"ms, p99 {point['p99_ms']} ms, errors {point['errors']}")


def measure_overhead(server, model, inp, model_path, args):
    """Pairs of (in-process `berth bench` p50, served p50 at concurrency 1), back to back."""
    body, headers = inp["body"], inp["headers"]
    baseline = idle_latency(server, model, body, headers)
    pairs = []
    for r in range(args.overhead_rounds):
        settle(server, model, body, headers, baseline, args.settle_timeout)
        try:
            inproc = berth_bench(args.berth, model_path, 100000, time_limit=args.overhead_seconds)
        except (BenchError, subprocess.TimeoutExpired, ValueError) as e:
            log(f"overhead round {r + 1}: in-process bench failed: {e}")
            continue
        raw = run_wrk(server.url(model), inp["body_path"], inp["header_length"], 1, args.overhead_seconds,
                      args.wrk_timeout)
        served = summarize(raw, 1)
        if not served.get("valid") or not served.get("p50_ms"):
            log(f"overhead round {r + 1}: served point not valid")
            continue
        diff = served["p50_ms"] - inproc["p50_ms"]
        pairs.append({"in_process_p50_ms": inproc["p50_ms"], "served_p50_ms": served["p50_ms"],
                      "overhead_ms": round(diff, 3), "overhead_percent": round(100.0 * diff / inproc["p50_ms"], 2)})
        log(f"overhead round {r + 1}: in-process p50 {inproc['p50_ms']:.3f} ms, served p50 "
            f"{served['p50_ms']:.3f} ms, difference {diff:.3f} ms")
    return pairs


def berth_bench(binary, model_path, iterations, time_limit=0):
    cmd = [binary, "bench", model_path, "--json", "--iterations", str(iterations), "--warmup", "2"]
    if time_limit:
        cmd += ["--time-limit", str(time_limit)]
    log("in-process: " + " ".join(cmd))
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    for line in reversed(r.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise BenchError(f"berth bench failed (exit {r.returncode}): {r.stderr[-500:]}")


def loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# ---------------------------------------------------------------------------------------------
# Report

def best(points):
    valid = [p for p in points if p["valid"]]
    return max(valid, key=lambda p: p["req_per_s"]) if valid else None


def ratio_method(args):
    return f"median over {args.rounds} rounds of per-round ratios, servers measured back to back per point"


def ratios(results, args):
    """The three numbers issue 3 targets. The two tiny_mlp ratios are computed in each round from
    that round's points (measured back to back), then the median over rounds is reported."""
    def points(server, r):
        ps = results.get(server, {}).get("models", {}).get("tiny_mlp", {}).get("points", [])
        return [p for p in ps if p["round"] == r]

    def at(server, c, r):
        return next((p for p in points(server, r) if p["concurrency"] == c and p["valid"]), None)

    def ratio(b, o):
        return round(b["req_per_s"] / o["req_per_s"], 3) if b and o and o["req_per_s"] else None

    out = {}
    for other, key, target in (("fastapi", "berth_over_fastapi_tiny", TARGET_FASTAPI_RATIO),
                               ("nginx", "berth_over_nginx_tiny", TARGET_NGINX_FRACTION)):
        per_round = []
        for r in range(1, args.rounds + 1):
            per_c = {str(c): ratio(at("berth", c, r), at(other, c, r)) for c in args.concurrency}
            peak = ratio(best(points("berth", r)), best(points(other, r)))
            per_round.append({"round": r, "per_concurrency": per_c, "peak": peak})
        per_c = {str(c): median_of([x["per_concurrency"][str(c)] for x in per_round]) for c in args.concurrency}
        peak = median_of([x["peak"] for x in per_round])
        out[key] = {"method": ratio_method(args), "per_concurrency": per_c, "peak": peak, "target": target,
                    "met": None if peak is None else peak >= target, "per_round": per_round}
    pairs = results.get("overhead_pairs") or []
    if pairs:
        diffs = sorted(p["overhead_ms"] for p in pairs)
        inprocs = sorted(p["in_process_p50_ms"] for p in pairs)
        diff, inproc = median(diffs), median(inprocs)
        pct = 100.0 * diff / inproc
        out["berth_overhead_resnet18"] = {"method": f"median of {len(pairs)} back-to-back pairs",
                                          "served_p50_ms": round(inproc + diff, 3), "in_process_p50_ms": inproc,
                                          "overhead_ms": round(diff, 3), "overhead_percent": round(pct, 2),
                                          "pairs": pairs, "target_percent": TARGET_OVERHEAD_PERCENT,
                                          "met": pct <= TARGET_OVERHEAD_PERCENT}
    else:
        out["berth_overhead_resnet18"] = None
    return out


def medians(points, concurrency):
    """Per concurrency, the median over rounds of req/s, p50 and p99: over the valid rounds, or over
    all rounds when none is valid (then "rounds" is 0). Errors are summed over all rounds."""
    out = []
    for c in concurrency:
        at_c = [p for p in points if p["concurrency"] == c]
        if not at_c:
            continue
        valid = [p for p in at_c if p["valid"]]
        use = valid or at_c
        errors = {}
        for p in at_c:
            for k, v in p["errors"].items():
                errors[k] = errors.get(k, 0) + v
        out.append({"concurrency": c, "rounds": len(valid), "measured": len(at_c),
                    "req_per_s": median_of([p["req_per_s"] for p in use], 1),
                    "p50_ms": median_of([p["p50_ms"] for p in use]), "p99_ms": median_of([p["p99_ms"] for p in use]),
                    "errors": errors, "unfinished_rounds": sum(1 for p in at_c if p["requests"] == 0)})
    return out


def median_of(values, digits=3):
    """Median of the values that are not None (None when there is none), rounded."""
    values = sorted(v for v in values if v is not None)
    return round(median(values), digits) if values else None


def median(sorted_values):
    n = len(sorted_values)
    return sorted_values[n // 2] if n % 2 else 0.5 * (sorted_values[n // 2 - 1] + sorted_values[n // 2])


def short(text, limit=120):
    line = (text.splitlines() or [""])[0].replace("|", "/")
    return line if len(line) <= limit else line[:limit] + "…"


def fmt(v, digits=1):
    return "n/a" if v is None else f"{v:.{digits}f}"


def markdown(report):
    env, args = report["environment"], report["settings"]
    rounds = args["rounds"]
    lines = [f"## Serving overhead — {report['started']}", "",
             f"{env['cpus']} CPUs ({env['cpu_model']}), load average {env['loadavg_start']} at start, "
             f"{env['loadavg_end']} at end; wrk on loopback, {args['duration']} s per point after "
             f"{args['warmup']} s warm-up, {rounds} round(s), servers measured back to back per point; "
             + (f"FastAPI with {args['fastapi_workers']} uvicorn worker(s); " if "fastapi" in args["servers"] else "")
             + f"{env['berth_version']}; commit {env['git_commit']}.", ""]
    if env["loaded"]:
        lines += ["**Measured on a loaded, shared machine: the absolute numbers and the ratios are indicative "
                  "only.**", ""]
    lines += ["req/s, p50 and p99: median over the valid rounds (rounds: valid / measured; over all measured "
              "rounds when none is valid); errors: total over the rounds.", "",
              "| server | model | input | conc | rounds | req/s | p50 ms | p99 ms | errors |",
              "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for server in args["servers"]:
        s = report["results"].get(server, {})
        if "error" in s and not s.get("models"):
            lines.append(f"| {server} | – | – | – | – | – | – | – | not measured: {short(s['error'])} |")
            continue
        for model in args["models"]:
            m = s.get("models", {}).get(model, {})
            for p in m.get("medians", []):
                errs = ", ".join(f"{k} {v}" for k, v in p["errors"].items() if v) or "0"
                if p["unfinished_rounds"]:
                    errs += f" (no request finished in {p['unfinished_rounds']} round(s))"
                lines.append(f"| {server} | {model} | {m['encoding']} | {p['concurrency']} | "
                             f"{p['rounds']}/{p['measured']} | {fmt(p['req_per_s'])} | {fmt(p['p50_ms'], 2)} "
                             f"| {fmt(p['p99_ms'], 2)} | {errs} |")
            if "error" in m:
                what = "error" if m.get("points") else "not measured"
                lines.append(f"| {server} | {model} | – | – | – | – | – | – | {what}: {short(m['error'])} |")
    if rounds > 1:
        lines += ["", "req/s in each round (* = not valid: errors, or no request finished):", "",
                  "| server | model | conc | " + " | ".join(f"round {r}" for r in range(1, rounds + 1)) + " |",
                  "|---|---|---:|" + "---:|" * rounds]
        for server in args["servers"]:
            for model in args["models"]:
                points = report["results"].get(server, {}).get("models", {}).get(model, {}).get("points", [])
                for c in args["concurrency"]:
                    by_round = {p["round"]: p for p in points if p["concurrency"] == c}
                    if not by_round:
                        continue
                    cells = [fmt(by_round[r]["req_per_s"]) + ("" if by_round[r]["valid"] else "*")
                             if r in by_round else "–" for r in range(1, rounds + 1)]
                    lines.append(f"| {server} | {model} | {c} | " + " | ".join(cells) + " |")
    static = [m for m, x in report["results"].get("nginx", {}).get("models", {}).items()
              if x.get("nginx_response") == "static file"]
    if static:
        lines += ["", f"nginx answers {', '.join(static)} from a static file (the response is too long for an "
                  "inline `return`), the others from memory."]
    inproc = report["results"].get("in_process", {})
    if inproc:
        lines += ["", "| in-process `berth bench` | p50 ms | p99 ms | runs/s |", "|---|---:|---:|---:|"]
        for model, b in inproc.items():
            lines.append(f"| {model} | {fmt(b.get('p50_ms'), 3)} | {fmt(b.get('p99_ms'), 3)} | {fmt(b.get('runs_per_s'))} |")
    rss = {s: r.get("rss_mib") for s, r in report["results"].items() if isinstance(r, dict) and r.get("rss_mib")}
    if rss:
        lines += ["", "Server RSS after all runs (MiB, process tree): "
                  + ", ".join(f"{s} {v}" for s, v in rss.items()) + "."]
    r = report["ratios"]
    conc = [str(c) for c in args["concurrency"]]
    lines += ["", "| ratio (tiny_mlp) | " + " | ".join(f"c={c}" for c in conc) + " | peak | target | met |",
              "|---|" + "---:|" * len(conc) + "---:|---|---|"]
    for key, label, target in (("berth_over_fastapi_tiny", "Berth / FastAPI req/s", "≥ 10×"),
                               ("berth_over_nginx_tiny", "Berth / nginx req/s", "≥ 0.5×")):
        x = r[key]
        met = "n/a" if x["met"] is None else ("yes" if x["met"] else "no")
        lines.append(f"| {label} | " + " | ".join(fmt(x["per_concurrency"].get(c), 2) for c in conc)
                     + f" | {fmt(x['peak'], 2)} | {target} | {met} |")
    lines += ["", f"Each ratio is the {r['berth_over_fastapi_tiny']['method']}; a round's peak ratio is Berth's "
              "best valid req/s in that round ÷ the other server's best valid req/s in that round."]
    if rounds > 1:
        for key, label in (("berth_over_fastapi_tiny", "Berth / FastAPI"), ("berth_over_nginx_tiny", "Berth / nginx")):
            per_round = r[key]["per_round"]
            lines.append(f"- {label} per round peak: " + ", ".join(fmt(x["peak"], 2) for x in per_round) + "; "
                         + "; ".join(f"c={c}: " + ", ".join(fmt(x["per_concurrency"].get(c), 2) for x in per_round)
                                     for c in conc))
    o = r["berth_overhead_resnet18"]
    lines.append("")
    if o:
        lines += ["| overhead pair | in-process p50 ms | served p50 ms (c=1) | difference ms | % |",
                  "|---|---:|---:|---:|---:|"]
        for i, p in enumerate(o["pairs"], 1):
            lines.append(f"| {i} | {p['in_process_p50_ms']:.3f} | {p['served_p50_ms']:.3f} | {p['overhead_ms']:.3f} | "
                         f"{p['overhead_percent']:.1f} |")
        lines += ["", f"ResNet-18 server overhead ({o['method']}): served p50 − in-process p50 = "
                  f"{o['overhead_ms']:.2f} ms on an in-process p50 of {o['in_process_p50_ms']:.2f} ms = "
                  f"**{o['overhead_percent']:.1f} %** (target ≤ {o['target_percent']:.0f} %: "
                  f"{'met' if o['met'] else 'not met'})"
                  + ("; negative means the difference is inside this machine's noise." if o["overhead_ms"] < 0 else ".")]
    else:
        lines.append("ResNet-18 server overhead: n/a (needs Berth serving resnet18 and --overhead-rounds > 0).")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------

def main(argv):
    args = parse_args(argv)
    started = datetime.datetime.now().astimezone()
    if "berth" in args.servers:
        if not os.access(args.berth, os.X_OK):
            sys.exit(f"bench_serve: no berth binary at '{args.berth}' (build it: tools/build.sh berth, or pass --berth)")
    tmp = tempfile.mkdtemp(prefix="berth-bench-serve-")
    repo = os.path.join(tmp, "repo")
    servers = []

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    report = {"started": started.isoformat(timespec="seconds"), "settings": {
        "rounds": args.rounds, "duration": args.duration, "warmup": args.warmup, "concurrency": args.concurrency,
        "servers": args.servers, "models": args.models, "resnet_encoding": args.resnet_encoding,
        "fastapi_workers": args.fastapi_workers, "wrk_timeout": args.wrk_timeout,
        "bench_iterations": args.bench_iterations, "overhead_rounds": args.overhead_rounds,
        "overhead_seconds": args.overhead_seconds}, "results": {}}
    try:
        log(f"making models in {repo}")
        paths = models.make_repository(repo, args.models)
        import onnxruntime as ort
        inputs = {}
        for model in args.models:
            x = models.make_input(model)
            ref = ort.InferenceSession(paths[model], providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
            encoding = args.resnet_encoding if model == "resnet18" else "json"
            body, header_length = models.request_body(model, x, encoding)
            body_path = os.path.join(tmp, f"{model}.{encoding}.body")
            with open(body_path, "wb") as f:
                f.write(body)
            headers = {"Content-Type": "application/json"}
            if header_length is not None:
                headers = {"Content-Type": "application/octet-stream",
                           "Inference-Header-Content-Length": str(header_length)}
            inputs[model] = {"body": body, "body_path": body_path, "header_length": header_length,
                             "headers": headers, "encoding": encoding, "reference": ref,
                             "response": models.response_body(model, ref)}

        env = {"cpus": os.cpu_count(), "cpu_model": cpu_model(), "platform": platform.platform(),
               "loadavg_start": loadavg(), "berth_version": berth_version(args.berth),
               "wrk": tool_version(["wrk", "-v"]), "nginx": tool_version(["nginx", "-v"]),
               "git_commit": git_commit()}
        report["environment"] = env

        results = report["results"]
        if "berth" in args.servers:
            results["in_process"] = {}
        live = []  # started and ready: they all stay up until the end
        for name in args.servers:
            if name == "berth":
                server = BerthServer(tmp, args.berth, repo)
            elif name == "fastapi":
                server = FastApiServer(tmp, repo, args.fastapi_workers)
            else:
                server = NginxServer(tmp, {m: inputs[m]["response"] for m in args.models})
            servers.append(server)
            result = results.setdefault(name, {"models": {}})
            try:
                server.start(args.startup_timeout)
            except BenchError as e:
                log(str(e))
                result["error"] = str(e)
                server.stop()
                continue
            log(f"{name}: ready on port {server.port}")
            live.append(server)

        baselines = {}  # (server, model) -> idle latency, for the pairs that answer right
        for server in live:
            for model in args.models:
                m = results[server.name]["models"].setdefault(model, {"encoding": inputs[model]["encoding"],
                                                                      "points": []})
                if server.name == "nginx":
                    m["nginx_response"] = server.how[model]
                try:
                    baselines[(server.name, model)] = prepare_model(server, model, inputs[model], m)
                except BenchError as e:
                    log(str(e))
                    m["error"] = str(e)

        measure_rounds(live, baselines, inputs, paths, results, args)

        berth = next((s for s in live if s.name == "berth"), None)
        if berth and ("berth", "resnet18") in baselines and args.overhead_rounds > 0:
            try:
                results["overhead_pairs"] = measure_overhead(berth, "resnet18", inputs["resnet18"],
                                                             paths["resnet18"], args)
            except (BenchError, subprocess.TimeoutExpired) as e:
                log(str(e))
                results["berth"]["models"]["resnet18"]["error"] = str(e)

        for server in live:
            for m in results[server.name]["models"].values():
                m["medians"] = medians(m["points"], args.concurrency)
            results[server.name]["rss_mib"] = server.rss_mib()
        for server in live:
            result = results[server.name]
            server.stop()
            result["exit_code"] = server.exit_code
            log(f"{server.name}: stopped (exit code {server.exit_code}), RSS before stop {result['rss_mib']} MiB")

        env["loadavg_end"] = loadavg()
        # Judged by the load before the run only: wrk and the servers themselves keep the load average
        # near 2 during it, so the load at the end says nothing about other tenants.
        env["loaded"] = bool(env["loadavg_start"] and env["loadavg_start"][0] > 0.5 * (env["cpus"] or 1))
        report["ratios"] = ratios(results, args)
        table = markdown(report)
        os.makedirs(args.out, exist_ok=True)
        stem = os.path.join(args.out, "serve-" + started.strftime("%Y%m%d-%H%M%S"))
        with open(stem + ".json", "w") as f:
            json.dump(report, f, indent=2)
        with open(stem + ".md", "w") as f:
            f.write(table)
        print(table)
        log(f"wrote {stem}.json and {stem}.md")
        return 0
    except KeyboardInterrupt as e:
        log(f"interrupted ({e}); stopping servers")
        return 130
    finally:
        for server in servers:
            server.stop(timeout=10)
        if args.keep_temp:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def tool_version(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (r.stdout + r.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return None


def berth_version(binary):
    return tool_version([binary, "--version"]) if os.access(binary, os.X_OK) else None


def git_commit():
    try:
        r = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                           timeout=10)
        return r.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
