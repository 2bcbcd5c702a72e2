#!/usr/bin/env bash
# Scale on one machine (issue 4): tiny_mlp and ResNet-18, dynamic batching off/on, REST-binary (wrk)
# and gRPC (h2load), concurrency 1/8/64, then an overload test at 2x capacity, in one run.
#
#   bench/scale/run.sh [--quick] [--concurrency 1,8,64] [--models tiny_mlp,resnet18] [--no-overload]
#
# Prints markdown tables and writes bench/out/scale-<time>.{json,md}. `--help` lists every option.
# Needs: build/berth (tools/build.sh berth), wrk and h2load (apt: wrk nghttp2-client), the venv with
# onnxruntime and tritonclient (tools/install_deps.sh --bench), and Debian's python3-torch and
# python3-torchvision the first time (ResNet-18 export, cached in bench/out/engine-models).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="$ROOT/.venv/bin/python"

missing=()
[[ -x "$PY" ]] || missing+=("the venv $ROOT/.venv (tools/install_deps.sh makes it)")
if [[ -x "$PY" ]] && ! "$PY" -c "import onnxruntime, numpy, grpc, tritonclient.grpc" 2>/dev/null; then
  missing+=("onnxruntime/tritonclient[grpc] in the venv: tools/install_deps.sh --bench")
fi
command -v wrk >/dev/null || missing+=("wrk: apt-get install wrk")
command -v h2load >/dev/null || missing+=("h2load: apt-get install nghttp2-client")
if ((${#missing[@]})); then
  printf 'bench/scale/run.sh: missing %s\n' "${missing[@]}" >&2
  exit 1
fi
echo "uptime: $(uptime)" >&2
exec "$PY" "$ROOT/bench/scale/bench_scale.py" "$@"
