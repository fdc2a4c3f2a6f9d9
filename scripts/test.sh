#!/usr/bin/env bash
# The whole test suite: install what is missing, build, the sources' format (.clang-format),
# unit tests, unit tests again under ASan/UBSan, libFuzzer targets for a bounded time, then the
# integration tests (root, hugepages, real DPDK ports and real OVN).
# Ends with one line "N passed, N failed". Usage: scripts/test.sh [--unit-only]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
unit_only=0
[ "${1:-}" = --unit-only ] && unit_only=1

passed=0 failed=0 skipped=0
step() { # step NAME CMD...: run, count, keep going
	local name=$1 t0=$SECONDS rc
	shift
	echo "=== $name"
	"$@"
	rc=$?
	case $rc in
	0) passed=$((passed + 1)); echo "=== $name: PASS ($((SECONDS - t0)) s)" ;;
	77) skipped=$((skipped + 1)); echo "=== $name: SKIP ($((SECONDS - t0)) s)" ;;
	*) failed=$((failed + 1)); echo "=== $name: FAIL rc=$rc ($((SECONDS - t0)) s)" ;;
	esac
	return $rc
}

scripts/install-deps.sh || exit 1
if [ "$(id -u)" = 0 ]; then
	scripts/hugepages.sh "${BRINT_HUGEPAGES:-1024}" || true
fi
step build scripts/build.sh || { echo "0 passed, 1 failed"; exit 1; }
step format scripts/format.sh
step unit meson test -C build --suite unit --print-errorlogs
if [ ! -f build-asan/build.ninja ]; then
	meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Ddatapath=disabled \
		>/dev/null
fi
step asan-build ninja -C build-asan
step unit-asan env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --suite unit --print-errorlogs
# libFuzzer targets (clang): the packet parser, the OVSDB stream reader, the SB update
# application, each for FUZZ_SECONDS (default 30)
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzz=true -Ddatapath=disabled >/dev/null
fi
step fuzz-build ninja -C build-fuzz
step fuzz env FUZZ_SECONDS="${FUZZ_SECONDS:-30}" meson test -C build-fuzz --suite fuzz \
	--print-errorlogs
if [ $unit_only = 0 ]; then
	# meson suites other than unit (the OVN southbound tests: real ovsdb-server and northd)
	if [ -n "$(meson test -C build --list --no-suite unit 2>/dev/null | grep ' / ')" ]; then
		step meson-integration meson test -C build --no-suite unit --print-errorlogs \
			--timeout-multiplier 2
	fi
	step integration tests/integration/run.sh
fi
if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $failed = 0 ] && { [ "${CI:-}" != true ] || [ $skipped = 0 ]; }
