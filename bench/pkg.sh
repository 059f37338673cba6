#!/usr/bin/env bash
# bench/pkg.sh: time to inventory a flat package with inspect/pkg next to
# 7-Zip on the same bytes. The package is the generated universal2
# Python.framework product archive (real CPython 3.11 darwin builds joined by
# llvm-lipo, gzip cpio payload), the one BenchmarkPkgWalk walks.
#   ours:  BenchmarkPkgWalk = open xar + TOC, verify checksums, gunzip the
#          Payload, walk the cpio stream, SHA-256 every file (no disk).
#   7zz x: extracts the xar (Payload still compressed) to a temp dir; the
#          second figure also extracts the Payload's gzip and cpio layers,
#          which is the work ours does.
# BENCHTIME sets go test -benchtime (default 3x); RUNS averages 7zz runs
# (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-3x}
RUNS=${RUNS:-5}
command -v 7zz >/dev/null || { echo "7zz not installed (make deps)"; exit 1; }
lipo=$(command -v llvm-lipo || ls /usr/bin/llvm-lipo-* 2>/dev/null | sort | tail -1 || true)
[ -n "$lipo" ] || { echo "llvm-lipo not installed (make deps)"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
embed=$(go mod download -json github.com/kluctl/go-embed-python@v0.0.0-3.11.11-20241219-1 |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')/python/internal/data
go run ./fixtures/pkgbuild/cmd/genpkg -embed "$embed" -lipo "$lipo" -o "$tmp/python.pkg"
size=$(stat -c %s "$tmp/python.pkg")

out=$(go test -run '^$' -bench '^BenchmarkPkgWalk$' -benchtime "$BENCHTIME" ./inspect/pkg)
ns=$(echo "$out" | awk '$1 ~ /^BenchmarkPkgWalk(-[0-9]+)?$/ { for (i = 2; i < NF; i++) if ($(i + 1) == "ns/op") print $i }')

# avg CMD...: seconds per run of a shell snippet, averaged over RUNS runs.
avg() {
	local start end
	start=$(date +%s.%N)
	for ((i = 0; i < RUNS; i++)); do rm -rf "$tmp/x"; eval "$1" >/dev/null 2>&1; done
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" -v n="$RUNS" 'BEGIN { printf "%.3f", (e - s) / n }'
}
xar_only=$(avg '7zz x -y -o"$tmp/x" "$tmp/python.pkg"')
full=$(avg '7zz x -y -o"$tmp/x" "$tmp/python.pkg" && 7zz x -y -o"$tmp/x/p" "$tmp/x/PythonFramework-3.11.pkg/Payload" && 7zz x -y -snl -o"$tmp/x/c" "$tmp/x/p/"*')

printf 'python.pkg %d B (universal2 libpython3.11 + Lib files, gzip payload)\n' "$size"
printf '  inspect/pkg walk + sha256 : %8.3f s/op\n' "$(awk -v n="$ns" 'BEGIN { print n / 1e9 }')"
printf '  7zz x (xar layer only)    : %8.3f s/run\n' "$xar_only"
printf '  7zz x + gzip + cpio       : %8.3f s/run (writes to disk)\n' "$full"
