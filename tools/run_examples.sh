#!/usr/bin/env bash
# Quick start: installs what Berth needs to build and run (no test tools), builds the `berth`
# binary, runs each bundled example model once on its example inputs (examples/inputs/<name>/), then
# serves examples/models with `berth serve` on port 8000 until Ctrl-C.
#
#   tools/run_examples.sh [--no-install] [SERVE FLAGS...]   e.g. --http-port 9000
#
# BERTH_BUILD_DIR picks the build folder (default build).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BERTH_BUILD_DIR:-build}"
BERTH="$BUILD_DIR/berth"

if [[ "${1:-}" == --no-install ]]; then
  shift
else
  tools/install_deps.sh --runtime-only
fi
echo "==> building $BERTH"
tools/build.sh berth

# Show each example model once through `berth run` (output summary), then serve them all.
for dir in examples/models/*/; do
  name="$(basename "$dir")"
  echo "==> $BERTH run examples/models/$name/1/model.onnx --input-dir examples/inputs/$name"
  "$BERTH" run "examples/models/$name/1/model.onnx" --input-dir "examples/inputs/$name"
done

echo
echo "==> $BERTH serve --model-repository examples/models $*"
echo "    try: curl localhost:8000/v2/models/tiny_mlp   (README.md, section Serving, has more)"
exec "$BERTH" serve --model-repository examples/models "$@"
