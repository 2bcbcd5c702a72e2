#!/usr/bin/env python3
"""Dynamic batching and admission control on one machine (issue 4), side by side in one run.

One `berth serve` process serves each model twice from a temporary repository: `<model>_off`
(max_batch_size set, no dynamic_batching: one execution per request) and `<model>_on` (dynamic
batching with a short queue delay). wrk POSTs a one-row KServe v2 JSON request at each concurrency;
the table gives throughput, p50/p99 and the mean rows per execution (from /metrics), and the on/off
ratios. An overload phase then offers far more concurrent work than the model can take to a copy with
a small max_queue_size: the excess must be refused quickly (429) while accepted requests keep a
bounded latency and memory stays flat.

    bench/scale/bench_batching.py                      # about 3 minutes
    bench/scale/bench_batching.py --duration 2 --concurrency 1 16

Needs wrk (apt) and the venv (onnx, numpy). Not a test: nothing fails because of a number.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import e2e_models  # noqa: E402  (small ONNX models written with onnx.helper)

import numpy as np  # noqa: E402

BATCHING = "dynamic_batching {{ max_queue_delay_microseconds: {delay} preferred_batch_size: [ 8, 16 ] }}\n"


def write_repo(repo, delay_us, instances):
    models = {}
    shutil.copytree(os.path.join(ROOT, "examples", "models", "tiny_mlp", "1"), os.path.join(repo, "mlp_off", "1"))
    shutil.copytree(os.path.join(ROOT, "examples", "models", "tiny_mlp", "1"), os.path.join(repo, "mlp_on", "1"))
    group = f"instance_group {{ count: {instances} }}\n"
    with open(os.path.join(repo, "mlp_off", "config.pbtxt"), "w") as f:
        f.write("max_batch_size: 32\n" + group)
    with open(os.path.join(repo, "mlp_on", "config.pbtxt"), "w") as f:
        f.write("max_batch_size: 32\n" + group + BATCHING.format(delay=delay_us))
    models["mlp"] = ("features", [1, 4])
    e2e_models.save(repo, "slow_off", e2e_models.slow(), config="max_batch_size: 32\n" + group)
    e2e_models.save(repo, "slow_on", e2e_models.slow(),
                    config="max_batch_size: 32\n" + group + BATCHING.format(delay=delay_us))
    e2e_models.save(repo, "slow_overload", e2e_models.slow(),
                    config="max_batch_size: 32\n" + group + "dynamic_batching { max_queue_delay_microseconds: "
                    f"{delay_us} default_queue_policy {{ max_queue_size: 16 }} }}\n")
    models["slow"] = ("x", [1, e2e_models.SLOW_WIDTH])
    return models


def body_file(directory, name, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    body = {"inputs": [{"name": name, "shape": shape, "datatype": "FP32", "data": x.ravel().tolist()}]}
    path = os.path.join(directory, f"body_{name}.json")
    with open(path, "w") as f:
        json.dump(body, f)
    return path


def start_server(binary, repo, log_path):
    log = open(log_path, "wb")
    process = subprocess.Popen([binary, "serve", "--model-repository", repo, "--http-address", "127.0.0.1",
                                "--http-port", "0", "--grpc-port", "0"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with open(log_path, "rb") as f:
            m = re.search(rb'"event":"server_listening".*?"port":(\d+)', f.read())
        if m:
            url = f"http://127.0.0.1:{int(m.group(1))}"
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(url + "/v2/health/ready", timeout=5) as r:
                        if r.status == 200:
                            return process, url
                except OSError:
                    time.sleep(0.1)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise SystemExit("berth serve did not become ready; see " + log_path)


def metrics(url):
    with urllib.request.urlopen(url + "/metrics", timeout=30) as r:
        return r.read().decode()


def metric(text, name, **labels):
    total = None
    for line in text.splitlines():
        if (line.startswith(name + "{") or line.startswith(name + " ")) and \
                all(f'{k}="{v}"' in line for k, v in labels.items()):
            total = (total or 0.0) + float(line.rsplit(" ", 1)[1])
    return total


def run_wrk(url, body_path, concurrency, seconds):
    threads = max(1, min(concurrency, os.cpu_count() or 1))
    env = dict(os.environ, BENCH_BODY=body_path, BENCH_HEADER_LENGTH="")
    cmd = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s", "--timeout", "30s",
           "--latency", "-s", os.path.join(ROOT, "bench", "serve", "infer.lua"), url]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 90)
    for line in r.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT "):])
    raise SystemExit(f"wrk gave no result: {r.stdout[-500:]} {r.stderr[-500:]}")


def point(url, model, body, concurrency, seconds, warmup):
    run_wrk(f"{url}/v2/models/{model}/infer", body, concurrency, warmup)
    before = metrics(url)
    raw = run_wrk(f"{url}/v2/models/{model}/infer", body, concurrency, seconds)
    after = metrics(url)
    labels = {"model": model, "version": "1"}
    execs = (metric(after, "berth_inference_exec_count", **labels) or 0) - \
            (metric(before, "berth_inference_exec_count", **labels) or 0)
    rows = (metric(after, "berth_inference_batch_size_sum", **labels) or 0) - \
           (metric(before, "berth_inference_batch_size_sum", **labels) or 0)
    secs = raw["duration_us"] / 1e6
    return {"model": model, "concurrency": concurrency, "req_per_s": raw["requests"] / secs,
            "p50_ms": raw["latency_us"]["p50"] / 1000, "p99_ms": raw["latency_us"]["p99"] / 1000,
            "non_2xx": raw["errors"]["status"], "rows_per_exec": rows / execs if execs else None,
            "rss_mb": (metric(after, "process_resident_memory_bytes") or 0) / 2**20}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--berth", default=os.path.join(ROOT, "build", "berth"))
    p.add_argument("--duration", type=float, default=5)
    p.add_argument("--warmup", type=float, default=1)
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16, 64])
    p.add_argument("--delay-us", type=int, default=1000, help="max_queue_delay_microseconds of the _on models")
    p.add_argument("--instances", type=int, default=1, help="instance_group count of every model")
    p.add_argument("--overload-concurrency", type=int, default=128)
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    args = p.parse_args()
    duration, warmup = max(1, round(args.duration)), max(1, round(args.warmup))

    work = tempfile.mkdtemp(prefix="berth_scale_")
    repo = os.path.join(work, "models")
    os.makedirs(repo)
    models = write_repo(repo, args.delay_us, args.instances)
    process, url = start_server(args.berth, repo, os.path.join(work, "berth.log"))
    rows = []
    try:
        for base, (name, shape) in models.items():
            body = body_file(work, name, shape)
            for c in args.concurrency:
                for mode in ("off", "on"):
                    r = point(url, f"{base}_{mode}", body, c, duration, warmup)
                    rows.append(r)
                    print(f"{r['model']:>12} c={c:<3} {r['req_per_s']:9.1f} req/s  p50 {r['p50_ms']:7.2f} ms  "
                          f"p99 {r['p99_ms']:7.2f} ms  rows/exec {r['rows_per_exec'] or 0:5.2f}  "
                          f"non-2xx {r['non_2xx']}", flush=True)
        # Overload: far more concurrent work than the model can take; max_queue_size 16.
        body = body_file(work, "x", models["slow"][1])
        rss_before = (metric(metrics(url), "process_resident_memory_bytes") or 0) / 2**20
        overload = point(url, "slow_overload", body, args.overload_concurrency, duration, warmup)
        overload["rss_before_mb"] = rss_before
        text = metrics(url)
        overload["rejected_queue_full"] = metric(text, "berth_inference_request_failure", model="slow_overload",
                                                 reason="queue_full")
        print(f"overload c={args.overload_concurrency}: {overload['req_per_s']:.1f} answers/s, "
              f"{overload['non_2xx']} non-2xx (429), p50 {overload['p50_ms']:.2f} ms, p99 {overload['p99_ms']:.2f} ms "
              f"(all answers), RSS {rss_before:.0f} -> {overload['rss_mb']:.0f} MB", flush=True)
    finally:
        process.terminate()
        process.wait(timeout=60)

    lines = ["| model | concurrency | off req/s | on req/s | on/off | off p50 ms | on p50 ms | off p99 ms | "
             "on p99 ms | rows/exec on |", "|---|---|---|---|---|---|---|---|---|---|"]
    for base in models:
        for c in args.concurrency:
            off = next(r for r in rows if r["model"] == f"{base}_off" and r["concurrency"] == c)
            on = next(r for r in rows if r["model"] == f"{base}_on" and r["concurrency"] == c)
            lines.append(f"| {base} | {c} | {off['req_per_s']:.0f} | {on['req_per_s']:.0f} | "
                         f"{on['req_per_s'] / off['req_per_s']:.2f} | {off['p50_ms']:.2f} | {on['p50_ms']:.2f} | "
                         f"{off['p99_ms']:.2f} | {on['p99_ms']:.2f} | {on['rows_per_exec'] or 0:.2f} |")
    table = "\n".join(lines)
    print("\n" + table)
    os.makedirs(args.out, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(args.out, f"scale-{stamp}.json"), "w") as f:
        json.dump({"args": vars(args), "points": rows, "overload": overload, "cpus": os.cpu_count()}, f, indent=1)
    with open(os.path.join(args.out, f"scale-{stamp}.md"), "w") as f:
        f.write(table + "\n")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
