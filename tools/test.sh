#!/usr/bin/env bash
# Builds Berth and runs every test; this is what CI runs (.ci/run).
#
#   tools/test.sh [--no-install] [--no-real-models] [--fuzz-seconds N]
#
#   --no-install       skip tools/install_deps.sh (apt packages and the .venv must already be there)
#   --no-real-models   skip the real-architecture tests (ctest label real_models; minutes)
#   --fuzz-seconds N   time per fuzz target (default 30; 0 skips fuzzing)
#
# Steps: install deps, configure + build (build/, or $BERTH_BUILD_DIR), ctest -j2, then a bounded
# libFuzzer run of each target under fuzz/ (built with clang into build-fuzz/). All test steps run
# even when one fails; the exit status is non-zero when any did. A timing summary ends the log.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BERTH_BUILD_DIR:-build}"
FUZZ_BUILD_DIR="${BERTH_FUZZ_BUILD_DIR:-build-fuzz}"
INSTALL=1
REAL_MODELS=1
FUZZ_SECONDS=30
while (($#)); do
  case "$1" in
    --no-install) INSTALL=0 ;;
    --no-real-models) REAL_MODELS=0 ;;
    --fuzz-seconds) FUZZ_SECONDS="${2:?--fuzz-seconds needs a number}"; shift ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
# Cache hits across checkouts in different folders (CI clones afresh): paths relative to the root.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"

SUMMARY=()
FAILED=0
# step NAME COMMAND...: runs a step, records its time and result.
step() {
  local name="$1"; shift
  echo "==> $name"
  local start=$SECONDS
  "$@"
  local rc=$?
  local took=$((SECONDS - start))
  if ((rc == 0)); then SUMMARY+=("ok    ${took}s  $name"); else
    SUMMARY+=("FAIL  ${took}s  $name (exit $rc)"); FAILED=1
  fi
  echo "<== $name: $([[ $rc == 0 ]] && echo ok || echo "FAILED (exit $rc)") in ${took}s"
  return $rc
}
summary() {
  echo "==> summary"
  printf '  %s\n' "${SUMMARY[@]}"
}

run_ctest() {
  local args=(--test-dir "$BUILD_DIR" --output-on-failure -j2)
  ((REAL_MODELS)) || args+=(-LE real_models)
  ctest "${args[@]}"
}

# Bounded fuzzing: every executable target under fuzz/ runs for FUZZ_SECONDS on a working corpus
# in the fuzz build dir, seeded from fuzz/seeds/<target>/ when that folder exists.
run_fuzzers() {
  CC=clang CXX=clang++ cmake -G Ninja -B "$FUZZ_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBERTH_BUILD_FUZZERS=ON -DBERTH_BUILD_TESTS=OFF >/dev/null || return
  ninja -C "$FUZZ_BUILD_DIR" ${BERTH_JOBS:+-j "$BERTH_JOBS"} || return
  local found=0 rc=0 fuzzer name corpus
  while IFS= read -r fuzzer; do
    found=1
    name="$(basename "$fuzzer")"
    corpus="$FUZZ_BUILD_DIR/corpus-$name"
    mkdir -p "$corpus"
    local seeds=()
    [[ -d "fuzz/seeds/$name" ]] && seeds=("fuzz/seeds/$name")
    # The model loader starts from real models: every ONNX conformance model, plus past crashes.
    if [[ $name == model_loader_fuzz ]]; then
      [[ -d fuzz/regressions/model_loader ]] && seeds+=(fuzz/regressions/model_loader)
      if [[ -d /usr/share/libonnx-testdata/data/node && ! -d "$FUZZ_BUILD_DIR/seeds-onnx" ]]; then
        mkdir -p "$FUZZ_BUILD_DIR/seeds-onnx"
        for m in /usr/share/libonnx-testdata/data/node/*/model.onnx; do
          cp "$m" "$FUZZ_BUILD_DIR/seeds-onnx/$(basename "$(dirname "$m")").onnx"
        done
      fi
      [[ -d "$FUZZ_BUILD_DIR/seeds-onnx" ]] && seeds+=("$FUZZ_BUILD_DIR/seeds-onnx")
    fi
    mkdir -p "$FUZZ_BUILD_DIR/artifacts-$name"
    echo "--- $name (${FUZZ_SECONDS}s)"
    if "$fuzzer" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
         -print_final_stats=1 -artifact_prefix="$FUZZ_BUILD_DIR/artifacts-$name/" \
         "$corpus" "${seeds[@]}" >"$FUZZ_BUILD_DIR/$name.log" 2>&1; then
      grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done' "$FUZZ_BUILD_DIR/$name.log"
    else
      tail -n 40 "$FUZZ_BUILD_DIR/$name.log"
      echo "--- $name FAILED (crash input saved in $FUZZ_BUILD_DIR/artifacts-$name/)"
      rc=1
    fi
  done < <(find "$FUZZ_BUILD_DIR/fuzz" -maxdepth 1 -type f -executable 2>/dev/null | sort)
  ((found)) || echo "(no fuzz targets built)"
  return $rc
}

if ((INSTALL)); then
  step "install dependencies" tools/install_deps.sh || { summary; exit 1; }
fi
step "configure + build" tools/build.sh || { summary; exit 1; }
step "ctest" run_ctest
if [[ -f fuzz/CMakeLists.txt ]] && ((FUZZ_SECONDS > 0)); then
  step "fuzz (${FUZZ_SECONDS}s per target)" run_fuzzers
fi
summary
exit $FAILED
