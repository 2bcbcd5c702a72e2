#!/usr/bin/python3
"""Exports the engine benchmark's models once into a cache folder (Debian's python3-torch).

    /usr/bin/python3 bench/engine/export_models.py --out bench/out/engine-models [--models a,b]

Writes <out>/<name>/{model.onnx, weights.pt, meta.json}; a model whose meta.json exists is kept.
"""

import argparse
import json
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

import torch  # noqa: E402


def export(name, out_dir):
    folder = os.path.join(out_dir, name)
    meta_path = os.path.join(folder, "meta.json")
    if os.path.exists(meta_path):
        return False
    os.makedirs(folder, exist_ok=True)
    seed = sorted(models.MODELS).index(name)
    torch.manual_seed(seed)
    model = models.build(name)
    models.calibrate_batchnorm(model, seed)
    input_name, shape, dtype, gflop, what = models.SPECS[name]
    model_path = os.path.join(folder, "model.onnx")
    started = time.time()
    # Grad stays enabled while tracing so that TransformerEncoder is traced through its composite
    # (exportable) path, not the fused inference fast path.
    with torch.enable_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (models.example_input(name, 1),), model_path + ".tmp",
                          opset_version=models.OPSET, input_names=[input_name], output_names=["output"],
                          dynamic_axes={input_name: {0: "batch"}, "output": {0: "batch"}},
                          do_constant_folding=True)
    os.replace(model_path + ".tmp", model_path)
    torch.save(model.state_dict(), os.path.join(folder, "weights.pt"))
    meta = {"name": name, "what": what, "input": input_name, "sample_shape": list(shape), "dtype": dtype,
            "gflop_per_sample": gflop, "opset": models.OPSET, "seed": seed, "torch": torch.__version__,
            "onnx_bytes": os.path.getsize(model_path)}
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=1)
    print(f"exported {name} ({meta['onnx_bytes'] / 2**20:.1f} MiB) in {time.time() - started:.1f} s",
          file=sys.stderr, flush=True)
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="cache folder")
    p.add_argument("--models", default=",".join(models.MODELS), help="comma-separated subset")
    args = p.parse_args()
    names = [n for n in args.models.split(",") if n]
    unknown = [n for n in names if n not in models.SPECS]
    if unknown:
        sys.exit(f"export_models.py: unknown model(s) {', '.join(unknown)}; known: {', '.join(models.MODELS)}")
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    for name in names:
        export(name, args.out)


if __name__ == "__main__":
    main()
