#!/usr/bin/env bash
# Configures and builds Berth with CMake + Ninja (RelWithDebInfo, ccache when installed).
#
#   tools/build.sh [NINJA_TARGET...]      e.g. tools/build.sh berth
#
# Environment: BERTH_BUILD_DIR (default build), BERTH_JOBS (ninja -j; default: ninja's choice),
# BERTH_CMAKE_ARGS (extra configure arguments), CCACHE_DIR (default ~/.cache/ccache).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BERTH_BUILD_DIR:-build}"

export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
# Cache hits across checkouts in different folders (CI clones afresh): paths relative to the root.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"

# shellcheck disable=SC2086  # BERTH_CMAKE_ARGS is a list of words on purpose
cmake -G Ninja -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${BERTH_CMAKE_ARGS:-} >/dev/null
ninja -C "$BUILD_DIR" ${BERTH_JOBS:+-j "$BERTH_JOBS"} "$@"
