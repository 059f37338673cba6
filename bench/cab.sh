#!/usr/bin/env bash
# bench/cab.sh: CAB decoding throughput of inspect/cab next to `cabextract -t`
# (decode and checksum without writing) on the same files, one line each:
#   - LZX:21: the real Microsoft cabinet vcredis1.cab (shared fixtures)
#   - MSZIP: a gcab -z cabinet of the CPython 3.11 Windows DLLs
# BENCHTIME sets go test -benchtime (default 2s); RUNS the number of
# cabextract runs averaged (default 20). Each side is shown as wall-clock MB/s
# and as MB per second of CPU time (user+sys), which stays meaningful when the
# machine is shared. cabextract's CPU time has its process start-up
# (measured on a 1-file cabinet) subtracted; its wall time includes it.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-2s}
RUNS=${RUNS:-20}
SHARED=${ISBOM_TEST_SHARED:-$(cd .. && pwd)/shared}
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

# ours NAME UNIT: a metric reported by the Go benchmark (MB/s or MB/cpu-s).
ours() {
	echo "$out" | awk -v n="$1" -v u="$2" '$1 ~ "^" n "(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i + 1) == u) print $i }'
}

# unpacked FILE: total uncompressed bytes listed by cabextract.
unpacked() {
	cabextract -l "$1" | awk '$2 == "|" && $1 ~ /^[0-9]+$/ { s += $1 } END { print s }'
}

# cabx FILE: "wall cpu" seconds per `cabextract -t` run, averaged over RUNS.
cabx() {
	/usr/bin/time -f "%e %U %S" -o "$tmp/time" bash -c \
		'for ((i = 0; i < $2; i++)); do cabextract -q -t "$1" >/dev/null; done' _ "$1" "$RUNS"
	awk -v n="$RUNS" '{ printf "%.6f %.6f\n", $1 / n, ($2 + $3) / n }' "$tmp/time"
}

startup=$(cabx "$SHARED/fixtures-real/msi/msi_with_external_cab.cab" | awk '{ print $2 }')

line() { # LABEL FILE BENCH
	local bytes wall cpu
	bytes=$(unpacked "$2")
	read -r wall cpu < <(cabx "$2")
	awk -v l="$1" -v f="$(basename "$2")" -v b="$bytes" -v w="$wall" -v c="$cpu" -v s="$startup" \
		-v ow="$(ours "$3" MB/s)" -v oc="$(ours "$3" MB/cpu-s)" 'BEGIN {
		c -= s; if (c <= 0) c = 1e-9
		printf "%-6s %-14s %9d B | inspect/cab %7.1f MB/s wall %7.1f MB/cpu-s | cabextract -t %7.1f MB/s wall (%.1f ms/run) %7.1f MB/cpu-s\n",
			l, f, b, ow, oc, b / w / 1e6, w * 1000, b / c / 1e6 }'
}

line "LZX:21" "$vcredis" BenchmarkLZXVcredis
line "MSZIP" "$tmp/dlls.cab" BenchmarkMSZIP
