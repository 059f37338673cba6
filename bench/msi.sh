#!/usr/bin/env bash
# MSI listing + hashing throughput next to msiextract on the same file: the
# wixl MSI of go-embed-python's full CPython windows-amd64 tree (built once
# here, into a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

msi=$(go run ./fixtures/msibuild/cmd/cpython-msi -o "$tmp")
size=$(stat -c %s "$msi")
echo "MSI: $(basename "$msi") ($size bytes)"

echo "-- ours: open, resolve paths, decode and SHA-256 every file (go test -bench BenchmarkMSIListAndHash)"
ISBOM_TEST_CPYTHON_MSI="$msi" go test -run '^$' -bench '^BenchmarkMSIListAndHash$' -benchtime 5x -benchmem ./inspect/msi |
	grep '^Benchmark'

echo "-- msiextract: extract every file to a temporary directory (best of 3)"
best=""
for i in 1 2 3; do
	out="$tmp/x$i"
	start=$(date +%s.%N)
	msiextract -C "$out" "$msi" >/dev/null
	end=$(date +%s.%N)
	t=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
	bytes=$(find "$out" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
	rm -rf "$out"
	best=$(awk -v t="$t" -v b="${best:-}" 'BEGIN { print (b == "" || t < b) ? t : b }')
done
awk -v t="$best" -v n="$bytes" 'BEGIN { printf "msiextract  %.3f s/op  %.2f MB/s (%d file bytes)\n", t, n / t / 1e6, n }'
