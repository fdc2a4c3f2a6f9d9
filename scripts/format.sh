#!/usr/bin/env bash
# The C sources against .clang-format (clang-format 14, Debian bookworm): every file git tracks
# under the tree, .c and .h. Usage: scripts/format.sh [--fix]
#   (default) check: list the files clang-format would change, exit 1 if any
#   --fix: rewrite them in place
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
command -v clang-format >/dev/null || { echo "format: clang-format not installed" >&2; exit 77; }
mapfile -t files < <(git ls-files '*.c' '*.h')
if [ "${1:-}" = --fix ]; then
	clang-format -i "${files[@]}"
	exit 0
fi
bad=0
for f in "${files[@]}"; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "format: $f differs from .clang-format (scripts/format.sh --fix)"
		bad=1
	fi
done
[ $bad = 0 ] && echo "format: ${#files[@]} files as .clang-format wants them"
exit $bad
