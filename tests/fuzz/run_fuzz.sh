#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Run libFuzzer targets for a bounded time each.
# usage: run_fuzz.sh CORPUS_DIR TARGET... (env FUZZ_SECONDS per target, default 30;
#        FUZZ_ARTIFACTS where crashing inputs are kept, default ./fuzz-artifacts)
# Each target's seeds are CORPUS_DIR/<target name without "fuzz_">; the working corpus is a
# temporary copy, removed afterwards. Exit status: 0, or the first failing target's.
set -uo pipefail
secs=${FUZZ_SECONDS:-30}
seeds=$1
shift
art=${FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}
mkdir -p "$art"
tmp=$(mktemp -d /tmp/brint-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
rc=0
for t in "$@"; do
	name=$(basename "$t")
	corpus=$tmp/${name#fuzz_}
	mkdir -p "$corpus"
	cp "$seeds/${name#fuzz_}"/* "$corpus"/ 2>/dev/null || true
	echo "== $name for ${secs}s"
	# -timeout: one input taking more than 10 s is a hang; -rss_limit_mb: a leak or blow-up
	timeout $((secs + 120)) "$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$art/$name-" "$corpus" \
		>"$tmp/$name.log" 2>&1
	r=$?
	grep -E "^(stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)" \
		"$tmp/$name.log" | tr '\n' ' '
	echo
	if [ $r -ne 0 ]; then
		echo "$name FAILED (exit $r); crash inputs in $art"
		tail -n 60 "$tmp/$name.log"
		[ $rc -eq 0 ] && rc=$r
	fi
done
exit $rc
