#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerate the logical-flow corpus with the installed ovn-northd into a temporary file
# and compile every match of it (0 failures is the bar; each failure is printed).
#   tests/golden/check_fresh.sh PATH/TO/test_lflow_corpus
# Exit 77 (skip) when OVN is not installed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${1:?usage: $0 PATH/TO/test_lflow_corpus}
out=$(mktemp /tmp/brint-lflows.XXXXXX) || exit 1
trap 'rm -f "$out"' EXIT
"$HERE/gen_lflows.sh" "$out" 2>"$out.log"
rc=$?
if [ $rc -ne 0 ]; then
	cat "$out.log" >&2
	rm -f "$out.log"
	exit $rc
fi
rm -f "$out.log"
"$BIN" "$out"
