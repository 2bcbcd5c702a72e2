#!/usr/bin/env bash
# Serving overhead: Berth vs FastAPI + onnxruntime vs nginx, side by side, on loopback.
#
#   bench/serve/run.sh [--duration S] [--warmup S] [--concurrency 1,8,64] [--servers berth,fastapi,nginx]
#                      [--models tiny_mlp,resnet18] [--resnet-encoding binary|json] [--berth PATH] ...
#
# Prints a markdown table and writes bench/out/serve-<time>.{json,md}. `--help` lists every option.
# Needs: build/berth (tools/build.sh berth), wrk and nginx (apt-get install wrk nginx), and the project venv
# with bench/requirements.txt (.venv/bin/pip install -r bench/requirements.txt).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="$ROOT/.venv/bin/python"

missing=()
[[ -x "$PY" ]] || missing+=("the venv $ROOT/.venv (tools/install_deps.sh makes it)")
command -v wrk >/dev/null || missing+=("wrk (apt-get install wrk)")
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=("nginx (apt-get install nginx)")
if [[ -x "$PY" ]] && ! "$PY" -c "import fastapi, uvicorn, uvloop, httptools, onnxruntime, onnx, torch, torchvision" 2>/dev/null; then
  missing+=("Python packages: $ROOT/.venv/bin/pip install -r $ROOT/bench/requirements.txt")
fi
if ((${#missing[@]})); then
  printf 'bench/serve/run.sh: missing %s\n' "${missing[@]}" >&2
  exit 1
fi
export PATH="$PATH:/usr/sbin"
exec "$PY" "$ROOT/bench/serve/bench_serve.py" "$@"
