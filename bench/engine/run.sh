#!/usr/bin/env bash
# Engine speed: Berth vs ONNX Runtime vs PyTorch on ResNet-50/18, MobileNetV2, EfficientNet-B0, a
# BERT-base-sized encoder and a small MLP, batch 1 and 8, side by side in one run.
#
#   bench/engine/run.sh [--quick] [--models resnet50,bert_base] [--batches 1,8] [--threads 2]
#                       [--rounds 2] [--time-limit 3] [--berth build/berth] [--berth-args '--reference-only']
#
# Prints a markdown table and writes bench/out/engine-<time>.{json,md}. `--help` lists every option.
# Needs: build/berth (tools/build.sh berth), Debian's python3-torch/torchvision/onnx (exporting and the
# PyTorch runs), and the project venv with onnxruntime (tools/install_deps.sh --bench).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="$ROOT/.venv/bin/python"

missing=()
[[ -x "$PY" ]] || missing+=("the venv $ROOT/.venv (tools/install_deps.sh makes it)")
if [[ -x "$PY" ]] && ! "$PY" -c "import onnxruntime, numpy" 2>/dev/null; then
  missing+=("onnxruntime in the venv: tools/install_deps.sh --bench")
fi
if ! /usr/bin/python3 -c "import torch, torchvision, onnx" 2>/dev/null; then
  missing+=("Debian's PyTorch: apt-get install python3-torch python3-torchvision python3-onnx")
fi
if ((${#missing[@]})); then
  printf 'bench/engine/run.sh: missing %s\n' "${missing[@]}" >&2
  exit 1
fi
exec "$PY" "$ROOT/bench/engine/bench_engine.py" "$@"
