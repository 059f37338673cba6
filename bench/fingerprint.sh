#!/bin/sh
# Fingerprinting throughput over the gunzipped CPython 3.11 windows-amd64 tree
# (go-embed-python): BenchmarkScan is the one-pass anchor scan alone,
# BenchmarkIdentify the whole per-file work (scan, regexp verification,
# PE/Mach-O parsing). Both run on one goroutine. "MB/s" is wall-clock and
# drops when other work shares the CPU; "MB/cpu-s" is bytes per second of CPU
# actually used, i.e. per-core throughput.
set -eu
cd "$(dirname "$0")/.."
benchtime="${BENCHTIME:-10x}"
go test -run '^$' -bench 'Benchmark(Scan|Identify)$' -benchtime "$benchtime" -count "${COUNT:-1}" ./inspect/fingerprint |
	awk '/^Benchmark/ {
		name=$1; sub(/-[0-9]+$/, "", name)
		for (i = 2; i <= NF; i++) {
			if ($i == "MB/s") wall=$(i-1)
			if ($i == "MB/cpu-s") cpu=$(i-1)
		}
		printf "%-20s %10s MB/s wall  %10s MB/s per core (CPU time)\n", name, wall, cpu
	}
	/^(ok|FAIL)/ {print}'
