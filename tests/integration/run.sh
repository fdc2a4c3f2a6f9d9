#!/usr/bin/env bash
# Run every integration test (tests/integration/test_*.sh) one after the other, each under
# `timeout 300`, and print one line per test and a summary:
#   PASS test_daemon.sh (3 s)
#   FAIL test_vhost_xconnect.sh client (41 s): see /tmp/brint-run.XXXXXX/test_vhost_xconnect-client.log
#   4 passed, 1 failed
# Usage: run.sh [WORD...]   only the tests whose name contains one of the WORDs
# Exit status: 0 when none failed (and, with CI=true, none was skipped), 1 otherwise.
# Each test's output goes to a log under $BRINT_TEST_LOGS (default: a new /tmp/brint-run.*).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
logs=${BRINT_TEST_LOGS:-$(mktemp -d /tmp/brint-run.XXXXXX)}
mkdir -p "$logs" || exit 1

# Tests run more than once, with these arguments.
declare -A VARIANTS=(
	[test_vhost_xconnect.sh]="server client"
)

selected() {
	local name=$1 w
	[ $# -gt 1 ] || return 0
	shift
	for w in "$@"; do
		[[ $name == *"$w"* ]] && return 0
	done
	return 1
}

passed=0 failed=0 skipped=0
trap 'echo "interrupted" >&2; exit 130' INT TERM

for script in "$here"/test_*.sh; do
	[ -e "$script" ] || continue
	name=$(basename "$script")
	selected "$name" "$@" || continue
	read -r -a variants <<<"${VARIANTS[$name]:-}"
	[ ${#variants[@]} -gt 0 ] || variants=("")
	for v in "${variants[@]}"; do
		label=$name${v:+ $v}
		log=$logs/${name%.sh}${v:+-$v}.log
		start=$SECONDS
		# shellcheck disable=SC2086 # no variant: no argument at all
		timeout -k 30 "$TEST_TIMEOUT" bash "$script" $v </dev/null >"$log" 2>&1
		rc=$?
		secs=$((SECONDS - start))
		case $rc in
		0)
			passed=$((passed + 1))
			echo "PASS $label ($secs s)"
			;;
		77)
			skipped=$((skipped + 1))
			why=$(grep -m1 -o 'SKIP: .*' "$log" | cut -c7-)
			echo "SKIP $label ($secs s)${why:+: $why}"
			;;
		124 | 137)
			failed=$((failed + 1))
			echo "FAIL $label ($secs s): timed out after $TEST_TIMEOUT s; see $log"
			;;
		*)
			failed=$((failed + 1))
			echo "FAIL $label ($secs s): exit $rc; see $log"
			;;
		esac
	done
done

summary="$passed passed, $failed failed"
[ $skipped -eq 0 ] || summary="$summary, $skipped skipped"
echo "$summary"
[ $failed -eq 0 ] || exit 1
[ "${CI:-}" != true ] || [ $skipped -eq 0 ] || exit 1
exit 0
