"""Runs one model in ONNX Runtime or PyTorch in this (fresh) process and prints one JSON line with
the same keys as `berth bench --json`, so that peak RSS is this engine's alone.

    python run_one.py --engine ort|torch --model-dir DIR --input X.npy --batch B --threads T \
        [--warmup W] [--iterations K] [--time-limit S] [--output-dir OUT]

ONNX Runtime: CPU provider, intra_op_num_threads=T, inter_op_num_threads=1, sequential execution,
ORT_ENABLE_ALL; load_ms is InferenceSession() creation. PyTorch: torch.set_num_threads(T), eval
mode, torch.inference_mode(); load_ms is building the module and loading its state dict.
"""

import argparse
import json
import math
import os
import resource
import sys
import time

import numpy as np


def peak_rss_mib():
    """VmHWM: ru_maxrss would start from the parent's RSS when the parent spawned us with vfork."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def current_rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def load_ort(model_dir, threads):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    t0 = time.perf_counter()
    sess = ort.InferenceSession(os.path.join(model_dir, "model.onnx"), so, providers=["CPUExecutionProvider"])
    load_ms = (time.perf_counter() - t0) * 1000
    input_name = sess.get_inputs()[0].name

    def run(x):
        return sess.run(None, {input_name: x})

    return run, load_ms, f"onnxruntime {ort.__version__}"


def load_torch(model_dir, threads):
    import torch

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import models

    torch.set_num_threads(threads)
    with open(os.path.join(model_dir, "meta.json")) as f:
        name = json.load(f)["name"]
    t0 = time.perf_counter()
    model = models.build(name)
    model.load_state_dict(torch.load(os.path.join(model_dir, "weights.pt")))
    model.eval()
    load_ms = (time.perf_counter() - t0) * 1000

    def run(x):
        with torch.inference_mode():
            out = model(torch.from_numpy(x))
        return [out.numpy()]

    return run, load_ms, f"torch {torch.__version__}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engine", choices=["ort", "torch"], required=True)
    p.add_argument("--model-dir", required=True)
    p.add_argument("--input", required=True, help=".npy with the batch to run")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iterations", type=int, default=50)
    p.add_argument("--time-limit", type=float, default=0,
                   help="warm-up and timed runs each stop after S seconds (at least one run; 0: no limit)")
    p.add_argument("--output-dir", help="write the last run's outputs as output_<i>.npy")
    args = p.parse_args()

    rss_before = current_rss_mib()
    x = np.load(args.input)
    run, load_ms, version = (load_ort if args.engine == "ort" else load_torch)(args.model_dir, args.threads)
    rss_after_load = peak_rss_mib()
    warm_start = time.perf_counter()
    warmup = 0
    while warmup < args.warmup:  # like `berth bench`: --time-limit bounds the warm-up too
        run(x)
        warmup += 1
        if args.time_limit > 0 and time.perf_counter() - warm_start >= args.time_limit:
            break
    ms = []
    start = time.perf_counter()
    out = None
    for _ in range(args.iterations):
        r0 = time.perf_counter()
        out = run(x)
        ms.append((time.perf_counter() - r0) * 1000)
        if args.time_limit > 0 and time.perf_counter() - start >= args.time_limit:
            break
    total_s = time.perf_counter() - start
    if args.output_dir:
        os.makedirs(args.output_dir, exist_ok=True)
        for i, o in enumerate(out):
            np.save(os.path.join(args.output_dir, f"output_{i}.npy"), np.asarray(o))
    s = sorted(ms)

    def pct(q):  # nearest rank, as `berth bench`
        return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]

    runs_per_s = len(ms) / total_s if total_s > 0 else 0.0
    print(json.dumps({
        "engine": args.engine, "version": version, "batch": args.batch, "threads": args.threads,
        "iterations": len(ms), "warmup": warmup, "load_ms": load_ms,
        "p50_ms": pct(0.5), "p90_ms": pct(0.9), "p99_ms": pct(0.99), "min_ms": s[0], "max_ms": s[-1],
        "mean_ms": sum(ms) / len(ms), "runs_per_s": runs_per_s, "samples_per_s": runs_per_s * args.batch,
        "rss_before_load_mib": rss_before, "peak_rss_after_load_mib": rss_after_load,
        "peak_rss_mib": peak_rss_mib()}))


if __name__ == "__main__":
    main()
