#!/usr/bin/env bash
# bench/corpus.sh (make corpus): real installers built from the CPython
# trees of two releases in github.com/kluctl/go-embed-python, each inspected,
# composed into SPDX 2.3 JSON and validated, end to end with the built CLI:
#   embed  python-X.Y.Z-embed-amd64.zip   (fixtures/cmd/mkfixtures -what embed)
#   msi    cpython-...-amd64.msi          (fixtures/msibuild/cmd/cpython-msi; wixl)
#   pkg    python-X.Y.Z-universal2.pkg    (fixtures/bigbuild/cmd/bigbuild pkg)
# Installers and documents go to .corpus/. Prints a summary (files, bytes,
# problems, components with versions, seconds per step) and exits 1 when
# any command fails or any document does not validate.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=.corpus
BIN=bin/installer-sbom
VERSIONS=${VERSIONS:-"3.11.11-20241219-1 3.14.6-20260610-1"}

die() { echo "bench/corpus.sh: $*" >&2; exit 1; }
for t in wixl; do command -v $t >/dev/null || die "$t not installed (make deps)"; done
lipo=$(command -v llvm-lipo || ls /usr/bin/llvm-lipo-* 2>/dev/null | sort | tail -1 || true)
[ -n "$lipo" ] || die "llvm-lipo not installed (make deps)"
go build -o "$BIN" ./cmd/installer-sbom || die "go build failed"
go build -o "$OUT/corpussum" ./bench/corpussum || die "go build ./bench/corpussum failed"
mkdir -p "$OUT"

failed=0
summary=$OUT/summary.txt
: >"$summary"

# step NAME OUT CMD...: run CMD, its stdout to OUT and its stderr to $log;
# prints the seconds taken and records a failure.
step() {
	local name=$1 out=$2 start end rc
	shift 2
	start=$(date +%s.%N)
	"$@" >"$out" 2>>"$log"
	rc=$?
	end=$(date +%s.%N)
	if [ $rc != 0 ]; then
		echo "  FAILED ($name exit $rc): $*" >&2
		tail -5 "$log" | sed 's/^/    /' >&2
		failed=1
	fi
	awk -v s="$start" -v e="$end" -v rc=$rc 'BEGIN { printf "%.2f%s", e - s, (rc ? "!" : "") }'
}

for v in $VERSIONS; do
	full=${v%%-*}
	mm=$(echo "$full" | cut -d. -f1-2)
	embed=$(go mod download -json "github.com/kluctl/go-embed-python@v0.0.0-$v" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')/python/internal/data
	[ -d "$embed" ] || die "go-embed-python $v not downloaded"
	echo "== CPython $full ($v)"
	zip=$(go run ./fixtures/cmd/mkfixtures -what embed -python "$v" -out "$OUT") || { echo "  FAILED: embeddable zip" >&2; failed=1; zip=""; }
	msi=$(go run ./fixtures/msibuild/cmd/cpython-msi -version "$v" -o "$OUT") || { echo "  FAILED: MSI" >&2; failed=1; msi=""; }
	pkg=$OUT/python-$full-universal2.pkg
	go run ./fixtures/bigbuild/cmd/bigbuild pkg -embed "$embed" -version "$v" -lipo "$lipo" -o "$pkg" >/dev/null ||
		{ echo "  FAILED: pkg" >&2; failed=1; pkg=""; }
	for kind in embed msi pkg; do
		case $kind in embed) f=$zip name="Python embeddable package" ;; msi) f=$msi name="Python $full (64-bit)" ;; pkg) f=$pkg name="Python $full" ;; esac
		[ -n "$f" ] || continue
		base=$OUT/$(basename "$f")
		log=$base.log
		: >"$log"
		ti=$(step inspect "$base.inventory.json" "$BIN" inspect --json "$f")
		tc=$(step compose /dev/null "$BIN" compose "$f" -o "$base.spdx.json" --name "$name" --version "$full" \
			--supplier "Organization: Python Software Foundation" --creator "Organization: installer-sbom corpus")
		tv=$(step validate "$base.validate.txt" "$BIN" validate "$base.spdx.json")
		sum=$("$OUT/corpussum" "$base.inventory.json" 2>>"$log") || { sum="(no inventory)"; failed=1; }
		printf '%-8s %-6s %10d B  inspect %ss compose %ss validate %ss  %s\n' "$full" "$kind" "$(stat -c %s "$f")" "$ti" "$tc" "$tv" "$sum" |
			tee -a "$summary"
	done
done

echo
echo "summary (.corpus/summary.txt; '!' marks a failed step, logs in .corpus/*.log):"
printf '%-8s %-6s %11s %8s %8s %8s %6s %10s %8s %9s\n' version kind size inspect compose validate files bytes packages problems
awk '{ f = $11; b = $12; p = $13; q = $14; sub(/.*=/, "", f); sub(/.*=/, "", b); sub(/.*=/, "", p); sub(/.*=/, "", q)
	printf "%-8s %-6s %11s %8s %8s %8s %6s %10s %8s %9s\n", $1, $2, $3, $6, $8, $10, f, b, p, q }' "$summary"
echo "components (name@version; '-' = the bytes do not reveal it):"
awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^components=/) { sub(/^components=/, "", $i); printf "  %-8s %-6s %s\n", $1, $2, $i } }' "$summary"
if [ $failed != 0 ]; then
	echo "make corpus: FAILED" >&2
	exit 1
fi
echo "make corpus: all installers inspected, composed and validated"
