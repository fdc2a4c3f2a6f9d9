#!/usr/bin/env bash
# Configure (once) and build brint into BUILD (default: build/). Extra args go to meson setup.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$top" "$@"
fi
ninja -C "$build"
