"""Engine speed, side by side: Berth vs ONNX Runtime vs PyTorch on the same models, in one run.

Run it through bench/engine/run.sh, which checks the prerequisites. `--help` lists every option.

What one run does:
 1. Exports the models once with Debian's PyTorch (export_models.py, cached under bench/out/).
 2. Writes one input per (model, batch) with a fixed seed; all three engines run on that same file.
 3. For each round, model and batch, runs each engine in its own fresh process, one after the other
    (so peak RSS is that engine's alone and no two engines compete for the cores): `berth bench
    --json` for Berth, run_one.py for ONNX Runtime and for PyTorch. The engine order rotates from one
    (model, batch) to the next and from round to round, so slow drift in machine load does not always
    hit the same engine. Per engine the table shows the median over rounds of each round's p50.
 4. Checks that the engines computed the same thing: the largest absolute difference of Berth's and
    PyTorch's outputs from ONNX Runtime's (from the first round).
 5. Profiles Berth once per model at batch 1 (`berth bench --profile`) to show where its time goes.
 6. Prints a markdown table with ratios and writes bench/out/engine-<time>.{json,md}.
This is a benchmark, not a test: it fails only when something could not run.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
# models.py imports torch only inside functions that build models, so the SPECS are free to read.
import models  # noqa: E402

ENGINES = ("berth", "ort", "torch")
ENGINE_NAMES = {"berth": "Berth", "ort": "ORT", "torch": "PyTorch"}
# Peak fp32 FLOP/s of one core: an AVX-512 FMA loop on the Zen 4 cores this project is measured on
# (issue 5: ~117 GFLOP/s per core). Override with --peak-gflops-per-core on another machine.
PEAK_GFLOPS_PER_CORE = 117.0


def log(message):
    print(f"[bench-engine {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default=",".join(models.MODELS), help="comma-separated subset of: %(default)s")
    p.add_argument("--batches", default="1,8", help="comma-separated batch sizes (default %(default)s)")
    p.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset of: %(default)s")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="intra-op threads for every engine (default: all CPUs, %(default)s)")
    p.add_argument("--rounds", type=int, default=2, help="times every (engine, model, batch) runs (default %(default)s)")
    p.add_argument("--warmup", type=int, default=2, help="untimed runs per process (default %(default)s)")
    p.add_argument("--iterations", type=int, default=100, help="most timed runs per process (default %(default)s)")
    p.add_argument("--time-limit", type=float, default=3.0,
                   help="timed runs per process stop after this many seconds (default %(default)s)")
    p.add_argument("--quick", action="store_true",
                   help="one round, one warm-up run, 1 s of timed runs per process: a quick look")
    p.add_argument("--no-profile", action="store_true", help="skip the per-operator profile of Berth")
    p.add_argument("--berth", default=os.path.join(ROOT, "build", "berth"), help="berth binary (default build/berth)")
    p.add_argument("--berth-args", default="", help="extra arguments for `berth bench`, e.g. '--reference-only'")
    p.add_argument("--torch-python", default="/usr/bin/python3",
                   help="Python with torch/torchvision for exporting and the PyTorch runs (default %(default)s)")
    p.add_argument("--peak-gflops-per-core", type=float, default=PEAK_GFLOPS_PER_CORE,
                   help="fp32 peak of one core, for ResNet-50's fraction of peak (default %(default)s)")
    p.add_argument("--timeout", type=float, default=900, help="seconds one engine process may take (default %(default)s)")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "out"), help="results folder (default bench/out)")
    p.add_argument("--render", metavar="JSON", help="only print the table of an earlier run's engine-<time>.json")
    args = p.parse_args()
    if args.quick:
        args.rounds, args.warmup, args.time_limit = 1, 1, 1.0
    args.models = [m for m in args.models.split(",") if m]
    args.engines = [e for e in args.engines.split(",") if e]
    try:
        args.batches = [int(b) for b in args.batches.split(",") if b]
    except ValueError:
        p.error(f"--batches: '{args.batches}' is not a comma-separated list of numbers")
    for m in args.models:
        if m not in models.SPECS:
            p.error(f"--models: unknown model '{m}' (known: {', '.join(models.MODELS)})")
    for e in args.engines:
        if e not in ENGINES:
            p.error(f"--engines: unknown engine '{e}' (known: {', '.join(ENGINES)})")
    if any(b < 1 for b in args.batches) or args.threads < 1 or args.rounds < 1:
        p.error("--batches, --threads and --rounds must be positive")
    return args


def export_models(args, model_dir):
    log(f"exporting models not yet in {model_dir} (Debian PyTorch, opset {models.OPSET})")
    r = subprocess.run([args.torch_python, os.path.join(HERE, "export_models.py"), "--out", model_dir,
                        "--models", ",".join(args.models)], timeout=3600)
    if r.returncode != 0:
        sys.exit(f"bench-engine: exporting the models failed (exit {r.returncode})")


def make_input(name, batch, folder):
    """The batch every engine runs on: N(0,1) images, uniform token ids, N(0,1) vectors; seed fixed."""
    path = os.path.join(folder, f"{name}-b{batch}.npy")
    if not os.path.exists(path):
        _, shape, dtype, _, _ = models.SPECS[name]
        rng = np.random.default_rng(1000 + batch)
        if dtype == "int64":
            x = rng.integers(0, models.VOCAB, size=(batch,) + shape, dtype=np.int64)
        else:
            x = rng.standard_normal((batch,) + shape).astype(np.float32)
        np.save(path, x)
    return path


def run_engine(args, engine, name, model_dir, batch, input_path, output_dir, profile=False):
    """One fresh process; returns its JSON (plus load average and wall time) or {'error': ...}."""
    if engine == "berth":
        cmd = [args.berth, "bench", os.path.join(model_dir, "model.onnx"), "--json", "--batch", str(batch),
               "--threads", str(args.threads), "--warmup", str(args.warmup),
               "--iterations", str(args.iterations), "--time-limit", str(args.time_limit),
               "--input", f"{models.SPECS[name][0]}={input_path}"] + args.berth_args.split()
        if output_dir:
            cmd += ["--output-dir", output_dir]
        if profile:
            cmd += ["--profile", "--profile-top", "8"]
    else:
        python = sys.executable if engine == "ort" else args.torch_python
        cmd = [python, os.path.join(HERE, "run_one.py"), "--engine", engine, "--model-dir", model_dir,
               "--input", input_path, "--batch", str(batch), "--threads", str(args.threads),
               "--warmup", str(args.warmup), "--iterations", str(args.iterations),
               "--time-limit", str(args.time_limit)]
        if output_dir:
            cmd += ["--output-dir", output_dir]
    load_before = loadavg()
    t0 = time.time()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout:.0f} s"}
    wall = time.time() - t0
    if r.returncode != 0:
        return {"error": f"exit {r.returncode}: {(r.stderr or r.stdout).strip()[-400:]}"}
    try:
        result = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"no JSON in the output: {r.stdout[-300:]!r} {r.stderr[-300:]!r}"}
    result["loadavg_1m_before"] = load_before[0]
    result["wall_s"] = round(wall, 2)
    return result


def compare_outputs(dir_a, dir_b):
    """Largest |a - b| over all outputs, and the largest |b| (the scale), or an error string."""
    try:
        files = sorted(f for f in os.listdir(dir_b) if f.endswith(".npy"))
        if not files or sorted(f for f in os.listdir(dir_a) if f.endswith(".npy")) != files:
            return {"error": "different outputs"}
        diff, scale = 0.0, 0.0
        for f in files:
            a, b = np.load(os.path.join(dir_a, f)), np.load(os.path.join(dir_b, f))
            if a.shape != b.shape:
                return {"error": f"{f}: shape {list(a.shape)} vs {list(b.shape)}"}
            diff = max(diff, float(np.max(np.abs(a.astype(np.float64) - b))))
            scale = max(scale, float(np.max(np.abs(b))))
        return {"max_abs_diff": diff, "max_abs_ref": scale}
    except OSError as e:
        return {"error": str(e)}


def median(values):
    v = sorted(values)
    n = len(v)
    return None if n == 0 else (v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2)


def summarize(runs):
    """Median over rounds of p50, mean, load time; largest peak RSS."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return {"error": runs[0]["error"] if runs else "not run"}
    return {"p50_ms": median([r["p50_ms"] for r in ok]), "p50_ms_rounds": [r["p50_ms"] for r in ok],
            "p90_ms": median([r["p90_ms"] for r in ok]), "min_ms": min(r["min_ms"] for r in ok),
            "mean_ms": median([r["mean_ms"] for r in ok]), "load_ms": median([r["load_ms"] for r in ok]),
            "samples_per_s": median([r["samples_per_s"] for r in ok]),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in ok), "timed_runs": sum(r["iterations"] for r in ok)}


def fmt(x, digits=1):
    return "–" if x is None else f"{x:.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def render(results, args):
    lines = []
    eng = args.engines
    head = ["model", "batch"] + [f"{ENGINE_NAMES[e]} p50 ms" for e in eng]
    if "berth" in eng and "ort" in eng:
        head += ["Berth/ORT", "Berth/ORT best"]
    if "berth" in eng and "torch" in eng:
        head += ["Berth/PyTorch"]
    head += [f"{ENGINE_NAMES[e]} load ms" for e in eng if e != "torch"]
    head += [f"{ENGINE_NAMES[e]} peak RSS MiB" for e in eng]
    if "ort" in eng:
        head += [f"max abs diff {ENGINE_NAMES[e]}–ORT" for e in eng if e != "ort"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for key, r in results["points"].items():
        s = r["engines"]
        p50 = {e: s[e].get("p50_ms") for e in eng}
        row = [r["model"], str(r["batch"])]
        for e in eng:
            row.append(fmt(p50[e], 2) if p50[e] is not None else "error")
        if "berth" in eng and "ort" in eng:
            row.append(fmt(ratio(p50["berth"], p50["ort"]), 2) + "×" if p50["berth"] and p50["ort"] else "–")
            best = {e: min(s[e]["p50_ms_rounds"]) if s[e].get("p50_ms_rounds") else None for e in ("berth", "ort")}
            row.append(fmt(ratio(best["berth"], best["ort"]), 2) + "×" if best["berth"] and best["ort"] else "–")
        if "berth" in eng and "torch" in eng:
            row.append(fmt(ratio(p50["berth"], p50["torch"]), 2) + "×" if p50["berth"] and p50["torch"] else "–")
        row += [fmt(s[e].get("load_ms"), 0) for e in eng if e != "torch"]
        row += [fmt(s[e].get("peak_rss_mib"), 0) for e in eng]
        if "ort" in eng:
            for e in eng:
                if e == "ort":
                    continue
                c = r["agreement"].get(e, {})
                row.append(c["error"] if "error" in c else
                           (f"{c['max_abs_diff']:.2g} (of {c['max_abs_ref']:.2g})" if c else "–"))
        lines.append("| " + " | ".join(row) + " |")
    out = "\n".join(lines) + "\n"
    out += ("\np50 ms: median over rounds of each process's p50. \"Berth/ORT best\": ratio of each engine's "
            "lowest per-round p50 (on a shared machine the least disturbed round). Load ms: Session::Load "
            "vs InferenceSession creation. Peak RSS: VmHWM of the engine's own process (ORT and PyTorch "
            "include the Python interpreter, ~30 MiB before loading). max abs diff: from ORT's outputs, "
            "(of: largest |ORT output|).\n")

    # ResNet-50: achieved fraction of the machine's fp32 peak.
    peak = args.peak_gflops_per_core * args.threads
    frac = []
    for key, r in results["points"].items():
        gflop = models.SPECS[r["model"]][3]
        if r["model"] != "resnet50" or gflop is None:
            continue
        for e in eng:
            p = r["engines"][e].get("p50_ms")
            if p:
                achieved = gflop * r["batch"] / (p / 1000)
                frac.append(f"- ResNet-50 batch {r['batch']}, {ENGINE_NAMES[e]}: {achieved:.1f} GFLOP/s = "
                            f"{100 * achieved / peak:.1f} % of peak")
    if frac:
        out += (f"\nFraction of peak fp32 FLOP/s (assumed {args.peak_gflops_per_core:g} GFLOP/s per core × "
                f"{args.threads} threads = {peak:g} GFLOP/s; ResNet-50 = 8.2 GFLOP per 224×224 image):\n"
                + "\n".join(frac) + "\n")
        out += f"(floor at this peak: {8.2 / peak * 1000:.1f} ms per image)\n"

    if results.get("profiles"):
        out += "\nWhere Berth's time goes (batch 1, `berth bench --profile`, top operator groups):\n"
        for name, prof in results["profiles"].items():
            if "error" in prof:
                out += f"- {name}: {prof['error']}\n"
                continue
            tops = ", ".join(f"{o['op_type']}[{o['provider']}] {o['percent']:.0f}% ({o['ms_per_run']:.1f} ms)"
                             for o in prof["top"][:5])
            out += f"- {name} ({prof['ms_per_run']:.1f} ms/run profiled): {tops}\n"
    return out


def rerender(path):
    with open(path) as f:
        results = json.load(f)
    args = argparse.Namespace(**results["settings"])
    print(header_text(results, args) + render(results, args))


def header_text(results, args):
    header = (f"Engine benchmark {results['started']}: {results['cpu']}, {results['cpus']} CPUs, {args.threads} "
              f"threads per engine, {args.rounds} round(s), {args.warmup} warm-up run(s) and ≤{args.time_limit:g} s "
              f"(≤{args.iterations} runs) timed per process.\n"
              f"Load average (1/5/15 min) at start {results['loadavg_start']}, at end {results['loadavg_end']}.\n"
              f"Versions: {results['versions']}\n")
    if results["versions"].get("torch_blas") == "generic":
        header += ("Note: this PyTorch was built with BLAS_INFO=generic: its Linear/MatMul call the system's "
                   "libblas.so.3, which is netlib's reference BLAS unless OpenBLAS/BLIS is installed, so "
                   "PyTorch's BERT and MLP numbers (and partly MobileNetV2/EfficientNet-B0) are not its best.\n")
    return header + "\n"


def main():
    args = parse_args()
    if args.render:
        rerender(args.render)
        return
    if "berth" in args.engines and not os.access(args.berth, os.X_OK):
        sys.exit(f"bench-engine: no berth binary at {args.berth} (tools/build.sh berth, or --berth PATH)")
    model_dir = os.path.join(args.out, "engine-models")
    input_dir = os.path.join(args.out, "engine-inputs")
    os.makedirs(input_dir, exist_ok=True)
    export_models(args, model_dir)
    started = time.strftime("%Y%m%d-%H%M%S")
    results = {
        "started": started, "host": platform.node(), "cpu": _cpu_name(), "cpus": os.cpu_count(),
        "loadavg_start": loadavg(),
        "settings": {k: getattr(args, k) for k in ("models", "batches", "engines", "threads", "rounds", "warmup",
                                                   "iterations", "time_limit", "berth_args", "peak_gflops_per_core")},
        "versions": _versions(args), "points": {}, "profiles": {}}
    log(f"load average at start {results['loadavg_start']}; {args.threads} threads, {args.rounds} round(s)")
    work = tempfile.mkdtemp(prefix="bench-engine-")
    raw = {}
    try:
        points = [(m, b) for m in args.models for b in args.batches]
        for rnd in range(args.rounds):
            for i, (name, batch) in enumerate(points):
                x = make_input(name, batch, input_dir)
                shift = (rnd + i) % len(args.engines)
                order = args.engines[shift:] + args.engines[:shift]
                for engine in order:
                    out_dir = os.path.join(work, f"{name}-b{batch}-{engine}") if rnd == 0 else None
                    r = run_engine(args, engine, name, os.path.join(model_dir, name), batch, x, out_dir)
                    raw.setdefault((name, batch, engine), []).append(r)
                    log(f"round {rnd + 1} {name} b{batch} {engine}: "
                        + (r["error"] if "error" in r else
                           f"p50 {r['p50_ms']:.2f} ms, load {r['load_ms']:.0f} ms, RSS {r['peak_rss_mib']:.0f} MiB, "
                           f"{r['iterations']} runs, load avg {r['loadavg_1m_before']}"))
        for name, batch in points:
            point = {"model": name, "batch": batch, "engines": {}, "agreement": {}, "runs": {}}
            for engine in args.engines:
                point["engines"][engine] = summarize(raw[(name, batch, engine)])
                point["runs"][engine] = raw[(name, batch, engine)]
                if engine != "ort" and "ort" in args.engines:
                    a = os.path.join(work, f"{name}-b{batch}-{engine}")
                    b = os.path.join(work, f"{name}-b{batch}-ort")
                    if os.path.isdir(a) and os.path.isdir(b):
                        point["agreement"][engine] = compare_outputs(a, b)
            results["points"][f"{name}-b{batch}"] = point
        if "berth" in args.engines and not args.no_profile:
            for name in args.models:
                x = make_input(name, 1, input_dir)
                r = run_engine(args, "berth", name, os.path.join(model_dir, name), 1, x, None, profile=True)
                if "error" in r:
                    results["profiles"][name] = {"error": r["error"]}
                elif r.get("profile") is None:
                    results["profiles"][name] = {"error": "this berth build records no per-node times"}
                else:
                    results["profiles"][name] = r["profile"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["loadavg_end"] = loadavg()
    table = render(results, args)
    header = header_text(results, args)
    print(header + table)
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, f"engine-{started}")
    with open(base + ".json", "w") as f:
        json.dump(results, f, indent=1)
    with open(base + ".md", "w") as f:
        f.write(header + table)
    log(f"wrote {base}.json and {base}.md")
    failed = [k for k, p in results["points"].items() if any("error" in s for s in p["engines"].values())]
    if failed:
        log(f"some engines failed on: {', '.join(failed)} (see the JSON)")


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _versions(args):
    v = {}
    try:
        import onnxruntime
        v["onnxruntime"] = onnxruntime.__version__
    except ImportError:
        v["onnxruntime"] = None
    r = subprocess.run([args.torch_python, "-c", "import re, torch; print(torch.__version__); "
                        "print(re.search('BLAS_INFO=([^,]*)', torch.__config__.show()).group(1))"],
                       capture_output=True, text=True)
    lines = r.stdout.split()
    v["torch"] = lines[0] if lines else None
    v["torch_blas"] = lines[1] if len(lines) > 1 else None
    r = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"], capture_output=True, text=True)
    v["berth_git"] = r.stdout.strip() or None
    return v


if __name__ == "__main__":
    main()
