#!/usr/bin/env bash
# bench/cab.sh: CAB decoding throughput of inspect/cab next to `cabextract -t`
# (decode and checksum without writing) on the same files, one line each:
#   - LZX:21: the real Microsoft cabinet vcredis1.cab (shared fixtures)
#   - MSZIP: a gcab -z cabinet of the CPython 3.11 Windows DLLs
# BENCHTIME sets go test -benchtime (default 2s); RUNS the number of
# cabextract runs averaged (default 20). cabextract times include process
# start-up, which matters for the 0.6 MB LZX file: the line says so.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-2s}
RUNS=${RUNS:-20}
SHARED=${INSTALLER_SBOM_SHARED:-$(cd .. && pwd)/shared}
vcredis=$SHARED/fixtures-real/msi/vcredis1.cab
command -v cabextract >/dev/null || { echo "cabextract not installed (make deps)"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The MSZIP cabinet, built the way BenchmarkMSZIP builds it.
pydir=$(go mod download -json github.com/kluctl/go-embed-python@v0.0.0-3.11.11-20241219-1 |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')/python/internal/data/windows-amd64/DLLs
mkdir "$tmp/in"
for f in "$pydir"/*.gz; do
	b=$(basename "$f" .gz)
	gunzip -c "$f" >"$tmp/in/$b"
done
(cd "$tmp/in" && gcab -c -n -z "$tmp/dlls.cab" ./* >/dev/null)

out=$(go test -run '^$' -bench '^(BenchmarkLZXVcredis|BenchmarkMSZIP)$' -benchtime "$BENCHTIME" ./inspect/cab)

# ours NAME: MB/s reported by the Go benchmark.
ours() {
	echo "$out" | awk -v n="$1" '$1 ~ "^" n "(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i + 1) == "MB/s") print $i }'
}

# unpacked FILE: total uncompressed bytes listed by cabextract.
unpacked() {
	cabextract -l "$1" | awk '$2 == "|" && $1 ~ /^[0-9]+$/ { s += $1 } END { print s }'
}

# cabx FILE: seconds per `cabextract -t` run, averaged over RUNS runs.
cabx() {
	local start end
	start=$(date +%s.%N)
	for ((i = 0; i < RUNS; i++)); do cabextract -q -t "$1" >/dev/null; done
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" -v n="$RUNS" 'BEGIN { printf "%.6f", (e - s) / n }'
}

line() { # LABEL FILE BENCH
	local bytes secs mbs
	bytes=$(unpacked "$2")
	secs=$(cabx "$2")
	mbs=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", b / s / 1e6 }')
	printf '%-7s %-14s %9d B   inspect/cab %8s MB/s   cabextract -t %8s MB/s (%.1f ms/run incl. start-up)\n' \
		"$1" "$(basename "$2")" "$bytes" "$(ours "$3")" "$mbs" "$(awk -v s="$secs" 'BEGIN { print s * 1000 }')"
}

line "LZX:21" "$vcredis" BenchmarkLZXVcredis
line "MSZIP" "$tmp/dlls.cab" BenchmarkMSZIP
