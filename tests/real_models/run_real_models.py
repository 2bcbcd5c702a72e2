#!/usr/bin/python3
"""Real-architecture tests: exports real model architectures from PyTorch to ONNX, runs each through
`berth run` and compares berth's outputs with PyTorch's.

For every (model, opset) case the script
  1. builds the model with a fixed seed (random weights; BatchNorm statistics are calibrated on random
     data so that BN is not an identity), makes a random input,
  2. exports it with torch.onnx.export and saves input_<i>.pb plus PyTorch's outputs as output_<i>.pb
     (onnx TensorProto), in WORK/<key>/<case>/ where <key> hashes this script and the torch version,
     so that a rerun skips the export,
  3. runs `berth run model.onnx --input-dir test_data_set_0 --output-dir berth_out` and compares
     every output (shape, dtype, values with |got - want| <= atol + rtol * |want|).
It prints one line per case and ends with the line `N passed, M failed`; the exit status is 1 when a
case failed, 77 when torch/torchvision/onnx cannot be imported (ctest reports the test as skipped).

Usage:
  tests/real_models/run_real_models.py [--berth build/berth] [--work-dir build/real_models]
      [--filter REGEX] [--export-only] [--self-check] [--list]
Run it with Debian's /usr/bin/python3 (or .venv/bin/python, which sees the same packages).
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import warnings

RTOL = 1e-3
ATOL = 1e-4
SEED = 20240601
SKIP_EXIT_CODE = 77

try:
    import numpy as np
    import onnx
    from onnx import numpy_helper
    import torch
    import torchvision
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"real_models: skipped, cannot import {e.name} (run tools/install_deps.sh)")
    sys.exit(SKIP_EXIT_CODE)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --------------------------------------------------------------------------------------------------
# Models. Each builder returns (module, [input arrays], [input names], [output names]) and optionally
# a dynamic_axes dict for torch.onnx.export as a fifth element.
# Inputs are small so that the naive reference kernels stay fast.

def _image(rng, size=64, batch=1):
    return rng.standard_normal((batch, 3, size, size)).astype(np.float32)


def _calibrate_batchnorm(model, example_shape, rng):
    """Gives BatchNorm layers non-trivial running statistics: a few training-mode passes over random
    data with a cumulative average (momentum None). Without it eval-mode BN is (nearly) the identity
    and the test would not check how BN is folded or computed."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(2):
            shape = (4,) + tuple(example_shape[1:])
            model(torch.from_numpy(rng.standard_normal(shape).astype(np.float32)))
    model.eval()


def _torchvision(name, size=64, **kwargs):
    def build(rng):
        model = getattr(torchvision.models, name)(weights=None, **kwargs)
        x = _image(rng, size)
        _calibrate_batchnorm(model, x.shape, rng)
        return model, [x], ["image"], ["logits"]
    return build


class TextEncoder(torch.nn.Module):
    """BERT-style: token + position embeddings, post-norm TransformerEncoder with a key padding mask
    built from an attention mask input, LayerNorm, a pooled classifier head on the first token."""

    def __init__(self, vocab=100, d_model=64, heads=4, layers=2, max_len=32, classes=3):
        super().__init__()
        self.tok = torch.nn.Embedding(vocab, d_model)
        self.pos = torch.nn.Parameter(torch.randn(1, max_len, d_model) * 0.02)
        layer = torch.nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=4 * d_model,
                                                 dropout=0.1, activation="gelu", batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = torch.nn.LayerNorm(d_model)
        self.pool = torch.nn.Linear(d_model, d_model)
        self.head = torch.nn.Linear(d_model, classes)

    def forward(self, input_ids, attention_mask):
        t = input_ids.shape[1]
        h = self.tok(input_ids) + self.pos[:, :t]
        h = self.encoder(h, src_key_padding_mask=attention_mask == 0)
        h = self.norm(h)
        pooled = torch.tanh(self.pool(h[:, 0]))
        return h, self.head(pooled)


class CausalLM(torch.nn.Module):
    """GPT-style: pre-norm TransformerEncoder with a causal mask computed from the sequence length
    (Range/comparison/Where in the graph, not a constant), tied LM head."""

    def __init__(self, vocab=100, d_model=64, heads=4, layers=2, max_len=32):
        super().__init__()
        self.tok = torch.nn.Embedding(vocab, d_model)
        self.pos = torch.nn.Embedding(max_len, d_model)
        layer = torch.nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=4 * d_model,
                                                 dropout=0.1, activation="gelu", batch_first=True,
                                                 norm_first=True)
        self.blocks = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = torch.nn.LayerNorm(d_model)

    def forward(self, input_ids):
        t = input_ids.shape[1]
        positions = torch.arange(t, device=input_ids.device)
        h = self.tok(input_ids) + self.pos(positions)[None]
        future = positions[None, :] > positions[:, None]
        mask = torch.zeros(t, t).masked_fill(future, float("-inf"))
        h = self.blocks(h, mask=mask)
        return self.norm(h) @ self.tok.weight.t()


class Recurrent(torch.nn.Module):
    """2-layer bidirectional LSTM or GRU (batch_first) returning the sequence and the final states."""

    def __init__(self, kind, input_size=16, hidden=24):
        super().__init__()
        cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
        self.rnn = cls(input_size, hidden, num_layers=2, bidirectional=True, batch_first=True)

    def forward(self, x):
        out, state = self.rnn(x)
        if isinstance(state, tuple):
            return (out,) + state
        return out, state


def _text_encoder(rng):
    ids = rng.integers(0, 100, size=(2, 16)).astype(np.int64)
    mask = np.ones((2, 16), dtype=np.int64)
    mask[0, 11:] = 0  # first sequence padded after 11 tokens, second not padded
    # Batch and sequence length are symbolic so the shape arithmetic stays in the graph.
    dynamic = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
               "hidden": {0: "batch", 1: "seq"}, "logits": {0: "batch"}}
    return TextEncoder(), [ids, mask], ["input_ids", "attention_mask"], ["hidden", "logits"], dynamic


def _causal_lm(rng):
    ids = rng.integers(0, 100, size=(2, 12)).astype(np.int64)
    dynamic = {"input_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}}
    return CausalLM(), [ids], ["input_ids"], ["logits"], dynamic


def _recurrent(kind):
    def build(rng):
        x = rng.standard_normal((2, 7, 16)).astype(np.float32)
        names = ["output", "h_n", "c_n"] if kind == "lstm" else ["output", "h_n"]
        return Recurrent(kind), [x], ["x"], names
    return build


def _mlp(rng):
    model = torch.nn.Sequential(
        torch.nn.Linear(32, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 64), torch.nn.GELU(),
        torch.nn.Linear(64, 10), torch.nn.LogSoftmax(dim=-1))
    return model, [rng.standard_normal((4, 32)).astype(np.float32)], ["x"], ["log_probs"]


BOTH = (13, 17)
MODELS = [
    # name, builder, opsets
    ("resnet18", _torchvision("resnet18"), BOTH),
    ("mobilenet_v2", _torchvision("mobilenet_v2"), BOTH),
    ("mobilenet_v3_small", _torchvision("mobilenet_v3_small"), BOTH),
    ("efficientnet_b0", _torchvision("efficientnet_b0"), BOTH),
    ("densenet121", _torchvision("densenet121"), BOTH),
    ("squeezenet1_0", _torchvision("squeezenet1_0"), BOTH),
    ("shufflenet_v2_x0_5", _torchvision("shufflenet_v2_x0_5"), BOTH),
    ("googlenet", _torchvision("googlenet", aux_logits=False, init_weights=True), BOTH),
    ("convnext_tiny", _torchvision("convnext_tiny"), BOTH),
    ("regnet_y_400mf", _torchvision("regnet_y_400mf"), BOTH),
    # ViT-B/16 at 32x32: 2x2 patches + class token, the full 12-layer, 768-wide encoder.
    ("vit_b_16", _torchvision("vit_b_16", size=32, image_size=32), BOTH),
    ("bert_encoder", _text_encoder, BOTH),
    ("gpt_decoder", _causal_lm, BOTH),
    ("lstm", _recurrent("lstm"), BOTH),
    ("gru", _recurrent("gru"), BOTH),
    ("mlp", _mlp, BOTH),
    ("resnet50", _torchvision("resnet50", size=224), (17,)),  # full-size input, once
]


def cases():
    for name, build, opsets in MODELS:
        for opset in opsets:
            yield f"{name}_op{opset}", name, build, opset


# --------------------------------------------------------------------------------------------------
# Export

def _seed_for(name):
    return SEED + int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)


def cache_key():
    with open(os.path.abspath(__file__), "rb") as f:
        script = f.read()
    h = hashlib.sha256(script)
    h.update(f"torch={torch.__version__} torchvision={torchvision.__version__} "
             f"onnx={onnx.__version__} numpy={np.__version__}".encode())
    return h.hexdigest()[:16]


def _flatten(outputs):
    if isinstance(outputs, torch.Tensor):
        return [outputs]
    flat = []
    for o in outputs:
        flat.extend(_flatten(o))
    return flat


def export_case(case_dir, name, build, opset):
    """Writes case_dir/model.onnx and case_dir/test_data_set_0/{input,output}_<i>.pb unless done."""
    done = os.path.join(case_dir, "done")
    if os.path.exists(done):
        return False
    shutil.rmtree(case_dir, ignore_errors=True)
    data_dir = os.path.join(case_dir, "test_data_set_0")
    os.makedirs(data_dir)

    # Same seed for both opsets of a model: the two exports share weights and inputs.
    seed = _seed_for(name)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model, inputs, input_names, output_names, *rest = build(rng)
    dynamic_axes = rest[0] if rest else None
    model.eval()
    args = tuple(torch.from_numpy(x) for x in inputs)
    # Grad stays enabled (parameters require grad) so that PyTorch takes the same composite path
    # for attention in the eager reference run as in the traced export, not its fused fast path.
    with torch.enable_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.onnx's tracer warnings are noise here
        expected = [t.detach().numpy() for t in _flatten(model(*args))]
        model_path = os.path.join(case_dir, "model.onnx")
        torch.onnx.export(model, args, model_path, opset_version=opset,
                          input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, do_constant_folding=True)
    if len(expected) != len(output_names):
        raise RuntimeError(f"{name}: model returned {len(expected)} outputs, "
                           f"expected {len(output_names)}")

    # The files follow the graph's own input/output order (the `berth run` contract).
    graph = onnx.load(model_path, load_external_data=False).graph
    initializers = {i.name for i in graph.initializer}
    graph_inputs = [i.name for i in graph.input if i.name not in initializers]
    by_name = dict(zip(input_names, inputs))
    for i, input_name in enumerate(graph_inputs):
        if input_name not in by_name:
            raise RuntimeError(f"{name}: graph input '{input_name}' is not one of {input_names}")
        _save(numpy_helper.from_array(by_name[input_name], input_name),
              os.path.join(data_dir, f"input_{i}.pb"))
    out_by_name = dict(zip(output_names, expected))
    for i, out in enumerate(graph.output):
        _save(numpy_helper.from_array(out_by_name[out.name], out.name),
              os.path.join(data_dir, f"output_{i}.pb"))
    open(done, "w").close()
    return True


def _save(tensor, path):
    with open(path, "wb") as f:
        f.write(tensor.SerializeToString())


def load_tensor(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


# --------------------------------------------------------------------------------------------------
# Comparison

def compare(got, want, rtol=RTOL, atol=ATOL):
    """Returns None when `got` matches `want`, else a one-line reason."""
    if got.dtype != want.dtype:
        return f"dtype {got.dtype}, expected {want.dtype}"
    if got.shape != want.shape:
        return f"shape {list(got.shape)}, expected {list(want.shape)}"
    if got.size == 0:
        return None
    if want.dtype.kind not in "fc":
        bad = got != want
        if bad.any():
            idx = np.unravel_index(np.argmax(bad), got.shape)
            return f"{int(bad.sum())}/{got.size} elements differ, first at {list(idx)}: " \
                   f"{got[idx]} vs {want[idx]}"
        return None
    g = got.astype(np.float64)
    w = want.astype(np.float64)
    nan_mismatch = np.isnan(g) != np.isnan(w)
    both_inf = np.isinf(w) & (g == w)
    with np.errstate(invalid="ignore"):
        err = np.abs(g - w)
        bad = ~(err <= atol + rtol * np.abs(w)) & ~both_inf & ~(np.isnan(g) & np.isnan(w))
    bad |= nan_mismatch
    if not bad.any():
        return None
    idx = np.unravel_index(np.argmax(np.where(bad, np.nan_to_num(err, nan=np.inf), -1)), g.shape)
    finite = np.isfinite(err) & bad
    max_err = float(err[finite].max()) if finite.any() else float("nan")
    return (f"{int(bad.sum())}/{got.size} elements off, max abs err {max_err:.3g}, "
            f"worst at {list(idx)}: {got[idx]!r} vs {want[idx]!r}")


def self_test_compare():
    """Checks that compare() accepts what it should and rejects what it should."""
    a = np.array([1.0, -2.0, 1e-6, np.inf], dtype=np.float32)
    assert compare(a.copy(), a) is None
    assert compare(a * (1 + 5e-4), a) is None  # within rtol
    assert compare(a + np.float32(5e-5), a) is None  # within atol
    assert compare(a * (1 + 5e-3), a) is not None
    assert compare(a.astype(np.float64), a) is not None
    assert compare(a[:3], a) is not None
    nan = a.copy()
    nan[0] = np.nan
    assert compare(nan, a) is not None
    assert compare(nan, nan) is None
    assert compare(np.array([1, 2]), np.array([1, 3])) is not None
    assert compare(np.array([1, 2]), np.array([1, 2])) is None
    assert compare(np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32)) is None


# --------------------------------------------------------------------------------------------------
# Running berth

def run_berth(berth, case_dir, timeout):
    """Returns (None or reason, seconds)."""
    data_dir = os.path.join(case_dir, "test_data_set_0")
    out_dir = os.path.join(case_dir, "berth_out")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    cmd = [berth, "run", os.path.join(case_dir, "model.onnx"), "--input-dir", data_dir,
           "--output-dir", out_dir]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"berth run timed out after {timeout}s", time.monotonic() - start
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        lines = [l for l in (proc.stderr + proc.stdout).strip().splitlines() if l.strip()]
        why = lines[-1].replace(case_dir + os.sep, "") if lines else "(no message)"
        return f"berth run exited {proc.returncode}: {why}", seconds
    return check_outputs(data_dir, out_dir), seconds


def run_onnxruntime(case_dir):
    """Triage aid: runs the case through onnxruntime instead of berth (when it is importable), to
    tell an exporter problem from a berth problem."""
    import onnxruntime
    data_dir = os.path.join(case_dir, "test_data_set_0")
    start = time.monotonic()
    sess = onnxruntime.InferenceSession(os.path.join(case_dir, "model.onnx"),
                                        providers=["CPUExecutionProvider"])
    feeds = {i.name: load_tensor(os.path.join(data_dir, f"input_{n}.pb"))
             for n, i in enumerate(sess.get_inputs())}
    out_dir = os.path.join(case_dir, "onnxruntime_out")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    for n, value in enumerate(sess.run(None, feeds)):
        _save(numpy_helper.from_array(value), os.path.join(out_dir, f"output_{n}.pb"))
    return check_outputs(data_dir, out_dir), time.monotonic() - start


def check_outputs(data_dir, out_dir):
    expected = sorted((f for f in os.listdir(data_dir) if re.fullmatch(r"output_\d+\.pb", f)),
                      key=lambda f: int(f[7:-3]))
    reasons = []
    for fname in expected:
        path = os.path.join(out_dir, fname)
        if not os.path.exists(path):
            reasons.append(f"{fname}: missing")
            continue
        try:
            got = load_tensor(path)
        except Exception as e:  # a malformed file is a failure, not a crash of the script
            reasons.append(f"{fname}: unreadable ({e})")
            continue
        reason = compare(got, load_tensor(os.path.join(data_dir, fname)))
        if reason:
            reasons.append(f"{fname}: {reason}")
    return "; ".join(reasons) or None


# --------------------------------------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--berth", default=os.path.join(REPO, "build", "berth"))
    p.add_argument("--work-dir", default=os.path.join(REPO, "build", "real_models"),
                   help="where exported models are cached (keyed by a hash of this script)")
    p.add_argument("--filter", default="", help="only cases whose name matches this regex")
    p.add_argument("--timeout", type=int, default=600, help="seconds per `berth run`")
    p.add_argument("--export-only", action="store_true", help="export and stop")
    p.add_argument("--self-check", action="store_true",
                   help="instead of running berth, check the saved PyTorch outputs against "
                        "themselves (tests the export and comparison code)")
    p.add_argument("--onnxruntime", action="store_true",
                   help="run the models with onnxruntime instead of berth (triage aid; needs "
                        "`pip install onnxruntime`)")
    p.add_argument("--list", action="store_true", help="print the case names and exit")
    args = p.parse_args()

    selected = [c for c in cases() if re.search(args.filter, c[0])]
    if args.list:
        print("\n".join(c[0] for c in selected))
        return 0
    self_test_compare()
    if not (args.export_only or args.self_check or args.onnxruntime) and not os.access(args.berth, os.X_OK):
        print(f"real_models: berth binary not found at {args.berth} (build it or pass --berth)")
        return 1

    torch.set_num_threads(1)  # exports are small; leave the cores to the build and berth
    key_dir = os.path.join(args.work_dir, cache_key())
    if os.path.isdir(args.work_dir):  # drop exports made by other versions of this script
        for old in os.listdir(args.work_dir):
            if os.path.join(args.work_dir, old) != key_dir:
                shutil.rmtree(os.path.join(args.work_dir, old), ignore_errors=True)

    passed = failed = 0
    total_start = time.monotonic()
    for case, name, build, opset in selected:
        case_dir = os.path.join(key_dir, case)
        start = time.monotonic()
        try:
            exported = export_case(case_dir, name, build, opset)
        except Exception as e:
            shutil.rmtree(case_dir, ignore_errors=True)
            msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            print(f"FAIL {case:28s} export failed: {type(e).__name__}: {msg}", flush=True)
            failed += 1
            continue
        export_s = time.monotonic() - start
        note = f"export {export_s:5.1f}s" if exported else "cached      "
        if args.export_only:
            print(f"ok   {case:28s} {note}", flush=True)
            passed += 1
            continue
        if args.self_check:
            data_dir = os.path.join(case_dir, "test_data_set_0")
            reason, seconds = check_outputs(data_dir, data_dir), 0.0
        elif args.onnxruntime:
            reason, seconds = run_onnxruntime(case_dir)
        else:
            reason, seconds = run_berth(args.berth, case_dir, args.timeout)
        if reason:
            print(f"FAIL {case:28s} {note}  run {seconds:6.1f}s  {reason}", flush=True)
            failed += 1
        else:
            print(f"PASS {case:28s} {note}  run {seconds:6.1f}s", flush=True)
            passed += 1
    print(f"total {time.monotonic() - total_start:.1f}s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
