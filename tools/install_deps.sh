#!/usr/bin/env bash
# Installs what Berth needs on Debian 12 (bookworm): system packages through apt, then a Python
# virtual environment at .venv for the test tools.
#
#   tools/install_deps.sh                 everything: build, tests, fuzzers, real-model tests
#   tools/install_deps.sh --runtime-only  only what building and running `berth` needs (no torch,
#                                         no Python venv)
#   tools/install_deps.sh --bench         everything, plus bench/: wrk, nginx, bench/requirements.txt
#
# Idempotent: apt is only touched when a package is missing (then `apt-get update` runs once), and
# the venv is only refreshed when tests/requirements.txt changed since the last run.
# Runs as root, or through sudo when not root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNTIME_ONLY=0
BENCH=0
for arg in "$@"; do
  case "$arg" in
    --runtime-only) RUNTIME_ONLY=1 ;;
    --bench) BENCH=1 ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install_deps.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

# Building and running: compiler, build tools and the libraries CMake looks for. GoogleTest is here
# too because the default CMake configuration builds the tests.
RUNTIME_PACKAGES=(
  cmake ninja-build ccache g++
  libonnx-dev libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev
  nlohmann-json3-dev libsimdjson-dev libjemalloc-dev libcli11-dev libspdlog-dev libfmt-dev libboost-dev
  libdnnl-dev prometheus-cpp-dev
  libgrpc++-dev protobuf-compiler-grpc
)
# Tests on top: clang + libFuzzer runtime for the fuzzers, the ONNX conformance data, Python with
# onnx/numpy/torch/torchvision for the real-architecture tests, and venv for the test tools.
TEST_PACKAGES=(
  clang lld libclang-rt-14-dev
  libonnx-testdata
  python3-onnx python3-numpy python3-torch python3-torchvision python3-venv
)

# Benchmarks (bench/serve, bench/grpc): the load generators and the HTTP ceiling Berth is compared with.
BENCH_PACKAGES=(wrk nginx nghttp2-client)  # nghttp2-client: h2load, the gRPC load of bench/grpc
if [[ $BENCH == 1 && $RUNTIME_ONLY == 1 ]]; then
  echo "install_deps.sh: --bench needs the venv, so it cannot go with --runtime-only" >&2; exit 2
fi

PACKAGES=("${RUNTIME_PACKAGES[@]}")
if [[ $RUNTIME_ONLY == 0 ]]; then
  PACKAGES+=("${TEST_PACKAGES[@]}")
fi
if [[ $BENCH == 1 ]]; then
  PACKAGES+=("${BENCH_PACKAGES[@]}")
fi

SUDO=()
if [[ $(id -u) != 0 ]]; then
  if command -v sudo >/dev/null; then SUDO=(sudo); else
    echo "install_deps.sh: not root and no sudo; install these yourself: ${PACKAGES[*]}" >&2
    exit 1
  fi
fi

is_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]})); then
  echo "install_deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -q
  # Fail loudly (naming the package) rather than silently dropping one that does not exist.
  for pkg in "${missing[@]}"; do
    if [[ -z "$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ && $2 != "(none)" {print $2}')" ]]; then
      echo "install_deps.sh: package '$pkg' is not available from the configured apt sources" >&2
      exit 1
    fi
  done
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install_deps.sh: all ${#PACKAGES[@]} apt packages present"
fi

if [[ $RUNTIME_ONLY == 1 ]]; then
  exit 0
fi

# Python venv for test tools. It is made from Debian's interpreter with --system-site-packages so
# that Debian's torch, torchvision, onnx and numpy are used as they are; the requirements file pins
# numpy<2 so pip never replaces the version those were built against (protobuf is replaced by 6.x,
# which tritonclient.grpc needs; see tests/requirements.txt).
VENV="$ROOT/.venv"
REQS="$ROOT/tests/requirements.txt"
if [[ ! -x "$VENV/bin/python" ]]; then
  echo "install_deps.sh: creating $VENV"
  /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi
stamp="$VENV/.requirements.sha256"
want="$(sha256sum "$REQS" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "install_deps.sh: pip install -r tests/requirements.txt"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQS"
  echo "$want" >"$stamp"
else
  echo "install_deps.sh: $VENV is up to date"
fi
"$VENV/bin/python" -c "import numpy, onnx, torch, torchvision, pytest, tritonclient.grpc" \
  || { echo "install_deps.sh: the venv cannot import numpy/onnx/torch/torchvision/pytest/tritonclient.grpc" >&2; exit 1; }

# Benchmark tools (FastAPI, uvicorn, onnxruntime) into the same venv; bench/requirements.txt keeps
# Debian's numpy and protobuf in place.
if [[ $BENCH == 1 ]]; then
  BENCH_REQS="$ROOT/bench/requirements.txt"
  bench_stamp="$VENV/.bench-requirements.sha256"
  bench_want="$(sha256sum "$BENCH_REQS" | cut -d' ' -f1)"
  if [[ ! -f "$bench_stamp" || "$(cat "$bench_stamp")" != "$bench_want" ]]; then
    echo "install_deps.sh: pip install -r bench/requirements.txt"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$BENCH_REQS"
    echo "$bench_want" >"$bench_stamp"
  fi
  "$VENV/bin/python" -c "import fastapi, uvicorn, uvloop, httptools, onnxruntime, numpy, torch" \
    || { echo "install_deps.sh: the venv cannot import the bench packages" >&2; exit 1; }
fi
