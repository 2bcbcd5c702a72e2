#!/usr/bin/env bash
# Quick start: installs what Berth needs to build and run (no test tools), builds the `berth`
# binary and runs the bundled example models (examples/models/<name>/1/model.onnx) on their example
# inputs (examples/inputs/<name>/input_<i>.pb), printing each output and a latency figure.
#
#   tools/run_examples.sh [--no-install]
#
# BERTH_BUILD_DIR picks the build folder (default build).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BERTH_BUILD_DIR:-build}"
BERTH="$BUILD_DIR/berth"

if [[ "${1:-}" != --no-install ]]; then
  tools/install_deps.sh --runtime-only
fi
echo "==> building $BERTH"
tools/build.sh berth

# One model at a time through `berth run`. (When `berth serve` lands, this is the place to start
# the server on examples/models and send the same inputs over HTTP instead.)
run_example() {
  local name="$1"
  local model="examples/models/$name/1/model.onnx"
  local inputs="examples/inputs/$name"
  echo
  echo "==> $BERTH run $model --input-dir $inputs"
  "$BERTH" run "$model" --input-dir "$inputs"
  "$BERTH" run "$model" --input-dir "$inputs" --quiet --repeat 100
}

for dir in examples/models/*/; do
  run_example "$(basename "$dir")"
done
