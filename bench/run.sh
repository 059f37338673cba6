#!/usr/bin/env bash
# bench/run.sh: end-to-end wall time, CPU time and peak memory of
# `installer-sbom inspect --json` and `compose` next to the reference tools,
# on three installers built once into .bench/ (README.md, Performance):
#   cpython MSI  wixl MSI of go-embed-python's CPython 3.11.11 windows-amd64
#                tree (fixtures/msibuild/cmd/cpython-msi; MSZIP cabinet)
#   cpython pkg  universal2 product archive of the whole CPython 3.11.11
#                darwin tree (fixtures/bigbuild/cmd/bigbuild pkg; gzip cpio)
#   big MSI      ~1 GB synthetic MSI: 121 copies of the CPython Windows
#                binaries, one cabinet folder each (bigbuild msi)
# Reference tools: msiextract and 7zz extract into a tmpfs, sha256sum hashes
# the extracted tree; "floor" is decompress + SHA-256 of the same bytes in
# one pass (msi: inspect/msi's BenchmarkMSIListAndHash, one goroutine, MSI
# read from memory; pkg: 7zz -so | gzip -dc | sha256sum).
# The commands of one installer run in rounds, each round running every
# command once in turn (paired: a slow moment hits all of them alike);
# small installers get RUNS_SMALL rounds (default 7), the big one RUNS_BIG
# (default 1). Each column is the median over the rounds. Wall time depends
# on what else the machine runs; CPU time (user+sys) much less so, which is
# why both are printed and compared.
#   BIG_SIZE=1G    size of the synthetic MSI
#   BASE_REV=REV   also measure installer-sbom built from git revision REV
#                  ("inspect@base", "compose@base"): before/after in one run
#   PROFILE=1      print the top of a CPU profile of one inspect run of each
#                  installer (CPUPROFILE, the whole process)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=.bench
BIG_SIZE=${BIG_SIZE:-1G}
RUNS_SMALL=${RUNS_SMALL:-7}
RUNS_BIG=${RUNS_BIG:-1}
BIN=bin/installer-sbom
PY311=3.11.11-20241219-1

die() { echo "bench/run.sh: $*" >&2; exit 1; }
/usr/bin/time -f %e true >/dev/null 2>&1 || die "GNU time (/usr/bin/time) missing: apt-get install time"
for t in msiextract msiinfo 7zz sha256sum wixl gzip; do
	command -v $t >/dev/null || die "$t not installed (make deps)"
done
lipo=$(command -v llvm-lipo || ls /usr/bin/llvm-lipo-* 2>/dev/null | sort | tail -1 || true)
[ -n "$lipo" ] || die "llvm-lipo not installed (make deps)"
go build -o "$BIN" ./cmd/installer-sbom || die "go build failed"
BASE_BIN=
if [ -n "${BASE_REV:-}" ]; then
	# The baseline is built from a clean export of that revision, so the
	# working tree's changes never leak into it.
	base_src=$(mktemp -d)
	git archive "$BASE_REV" | tar -x -C "$base_src" || die "git archive $BASE_REV failed"
	BASE_BIN=$PWD/bin/installer-sbom-base
	(cd "$base_src" && go build -o "$BASE_BIN" ./cmd/installer-sbom) || die "building $BASE_REV failed"
	rm -rf "$base_src"
fi

mkdir -p "$BENCH"
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$shm/installer-sbom-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

embed=$(go mod download -json "github.com/kluctl/go-embed-python@v0.0.0-$PY311" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')/python/internal/data
[ -d "$embed" ] || die "go-embed-python $PY311 not downloaded"

# fresh OUT KEY CMD...: run CMD unless OUT exists and was built from KEY
# (the generator's sources and parameters).
fresh() {
	local out=$1 key=$2
	shift 2
	if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
		return
	fi
	rm -f "$out" "$out.key"
	"$@" >/dev/null
	echo "$key" >"$out.key"
}
srckey() { cat "$@" | sha256sum | cut -c1-16; }

msi=$BENCH/cpython-$PY311-amd64.msi
pkg=$BENCH/python-3.11.11-universal2.pkg
big=$BENCH/big-$BIG_SIZE.msi
echo "== building the installers into $BENCH/ (once; reused while their generators do not change)"
fresh "$msi" "$(srckey fixtures/msibuild/*.go fixtures/msibuild/cmd/cpython-msi/*.go)" \
	go run ./fixtures/msibuild/cmd/cpython-msi -o "$BENCH"
fresh "$pkg" "$(srckey fixtures/pkgbuild/*.go fixtures/bigbuild/*.go)-$lipo" \
	go run ./fixtures/bigbuild/cmd/bigbuild pkg -embed "$embed" -version "$PY311" -lipo "$lipo" -o "$pkg"
fresh "$big" "$(srckey fixtures/msibuild/*.go fixtures/bigbuild/*.go fixtures/bigbuild/cmd/bigbuild/*.go)-$BIG_SIZE" \
	go run ./fixtures/bigbuild/cmd/bigbuild msi -embed "$embed" -size "$BIG_SIZE" -o "$big"

# Results, one line each: installer tool wall cpu rss_mib exit
results=$tmp/results
: >"$results"

# Commands of the installer being measured: tool names and command lines
# (one string each, run with bash -c so that pipelines work).
tools=() cmds=()
# cmd TOOL COMMAND: add a command to the current installer's round.
cmd() { tools+=("$1"); cmds+=("$2"); }
# rounds INSTALLER: run every command RUNS times in paired rounds and
# append each tool's medians (wall, CPU, peak RSS) and last exit code.
rounds() {
	local inst=$1 i k rc
	for ((i = 0; i < RUNS; i++)); do
		for k in "${!tools[@]}"; do
			rm -rf "$tmp/x"
			rc=0
			/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" bash -c "${cmds[$k]}" >/dev/null 2>"$tmp/stderr" || rc=$?
			echo "$k $(tail -1 "$tmp/time") $rc" >>"$tmp/samples"
			if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
				echo "bench/run.sh: ${tools[$k]} on $inst exited $rc:" >&2
				head -5 "$tmp/stderr" >&2
			fi
		done
	done
	rm -rf "$tmp/x"
	for k in "${!tools[@]}"; do
		awk -v k="$k" -v inst="$inst" -v tool="${tools[$k]}" '
			function median(a, n,   i, j, t) {
				for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
				return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
			}
			$1 == k { n++; w[n] = $2; c[n] = $3 + $4; m[n] = $5; rc = $6 }
			END { printf "%s %s %.2f %.2f %.0f %s\n", inst, tool, median(w, n), median(c, n), median(m, n) / 1024, rc }' "$tmp/samples" >>"$results"
	done
	: >"$tmp/samples"
	tools=() cmds=()
}

# ours INSTALLER FILE: inspect and compose of FILE (and the baseline's).
ours() {
	cmd inspect "$BIN inspect --json '$2'"
	cmd compose "$BIN compose '$2' -o '$tmp/sbom.json'"
	if [ -n "$BASE_BIN" ]; then
		cmd inspect@base "$BASE_BIN inspect --json '$2'"
		cmd compose@base "$BASE_BIN compose '$2' -o '$tmp/sbom.json'"
	fi
}

# profile INSTALLER FILE: the top of a CPU profile of one inspect run.
profile() {
	[ "${PROFILE:-}" = 1 ] || return 0
	CPUPROFILE=$tmp/cpu.out "$BIN" inspect --json "$2" >/dev/null 2>&1 || true
	echo "-- CPU profile of inspect on $1 (flat, top 15)"
	go tool pprof -top -nodecount 15 "$BIN" "$tmp/cpu.out" 2>/dev/null | sed -n '/flat%/,$p'
}

# add INSTALLER NEWTOOL TOOL1 TOOL2: a row that is the sum of two rows.
add() {
	awk -v i="$1" -v n="$2" -v a="$3" -v b="$4" '$1 == i && ($2 == a || $2 == b) { w += $3; c += $4; if ($5 > m) m = $5; k++ }
		END { if (k == 2) printf "%s %s %.2f %.2f %.0f 0\n", i, n, w, c, m }' "$results" >>"$results"
}

# floor_msi INSTALLER MSI: decode + SHA-256 of every file, from the Go benchmark.
floor_msi() {
	local out ns
	out=$(ISBOM_TEST_CPYTHON_MSI=$PWD/$2 go test -run '^$' -bench '^BenchmarkMSIListAndHash$' -benchtime "${RUNS}x" ./inspect/msi)
	ns=$(echo "$out" | awk '$1 ~ /^BenchmarkMSIListAndHash/ { for (i = 2; i < NF; i++) if ($(i + 1) == "ns/op") print $i }')
	[ -n "$ns" ] || { echo "$out" >&2; die "BenchmarkMSIListAndHash gave no result"; }
	awk -v i="$1" -v ns="$ns" 'BEGIN { printf "%s floor:decode+sha256(go) %.2f - - 0\n", i, ns / 1e9 }' >>"$results"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$tmp/samples"
for pair in "cpython-msi:$msi" "big-msi:$big"; do
	name=${pair%%:*} f=${pair#*:}
	RUNS=$RUNS_SMALL
	[ $name = big-msi ] && RUNS=$RUNS_BIG
	echo "== $name: $f ($(stat -c %s "$f") bytes)"
	ours "$name" "$f"
	cmd msiextract "msiextract -C '$tmp/x' '$f'"
	cmd 7zz-x "7zz x -y -o'$tmp/x' '$f'"
	rounds "$name"
	msiextract -C "$tmp/tree" "$f" >/dev/null
	cmd "sha256sum(tree)" "find '$tmp/tree' -type f -print0 | xargs -0 sha256sum"
	rounds "$name"
	rm -rf "$tmp/tree"
	add "$name" "msiextract+sha256sum" "msiextract" "sha256sum(tree)"
	floor_msi "$name" "$f"
	profile "$name" "$f"
done

RUNS=$RUNS_SMALL
echo "== cpython-pkg: $pkg ($(stat -c %s "$pkg") bytes)"
ours cpython-pkg "$pkg"
cmd '7zz-x(xar+gzip+cpio)' "7zz x -y -o'$tmp/x' '$pkg' && 7zz x -y -o'$tmp/x/p' '$tmp/x/Python_Framework.pkg/Payload' && 7zz x -y -snl -o'$tmp/x/c' '$tmp/x/p/'*"
cmd 'floor:7zz-so|gzip-dc|sha256sum' "7zz e -so '$pkg' Python_Framework.pkg/Payload | gzip -dc | sha256sum"
rounds cpython-pkg
profile cpython-pkg "$pkg"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "installer-sbom end to end, $(nproc) CPUs; load average before $load_before, after $load_after"
printf '%-12s %-30s %9s %9s %10s %5s\n' installer tool wall_s cpu_s peak_MiB exit
awk '{ printf "%-12s %-30s %9s %9s %10s %5s\n", $1, $2, $3, $4, $5, $6 }' "$results"

# ratio INSTALLER TOOL_A TOOL_B [COLUMN]: wall time (or CPU time, column 4)
# of A divided by that of B.
ratio() { awk -v i="$1" -v a="$2" -v b="$3" -v c="${4:-3}" '$1 == i && $2 == a { x = $c } $1 == i && $2 == b { y = $c } END { printf "%.2f", (y > 0 ? x / y : 0) }' "$results"; }
rss() { awk -v i="$1" -v t="$2" '$1 == i && $2 == t { print $5 }' "$results"; }
verdict() { awk -v v="$1" -v lim="$2" 'BEGIN { print (v + 0 <= lim + 0) ? "met" : "NOT met" }'; }

echo
echo "aims (issue 9):"
for i in cpython-msi big-msi; do
	r=$(ratio $i inspect msiextract)
	c=$(ratio $i inspect msiextract 4)
	printf '  %-12s inspect / msiextract alone            = %5sx wall, %5sx CPU  (aim <= 1.00 wall: %s)\n' $i "$r" "$c" "$(verdict "$r" 1.00)"
	r=$(ratio $i inspect msiextract+sha256sum)
	c=$(ratio $i inspect msiextract+sha256sum 4)
	printf '  %-12s inspect / (msiextract + sha256sum)    = %5sx wall, %5sx CPU  (aim <= 1.50 wall: %s)\n' $i "$r" "$c" "$(verdict "$r" 1.50)"
	r=$(ratio $i inspect "floor:decode+sha256(go)")
	printf '  %-12s inspect / Go decode+sha256 floor      = %5sx wall               (aim <= 1.50 wall: %s)\n' $i "$r" "$(verdict "$r" 1.50)"
done
r=$(ratio cpython-pkg inspect '7zz-x(xar+gzip+cpio)')
c=$(ratio cpython-pkg inspect '7zz-x(xar+gzip+cpio)' 4)
printf '  %-12s inspect / 7zz x (xar+gzip+cpio)       = %5sx wall, %5sx CPU\n' cpython-pkg "$r" "$c"
r=$(ratio cpython-pkg inspect 'floor:7zz-so|gzip-dc|sha256sum')
c=$(ratio cpython-pkg inspect 'floor:7zz-so|gzip-dc|sha256sum' 4)
printf '  %-12s inspect / gunzip+sha256 floor         = %5sx wall, %5sx CPU  (aim <= 1.50 wall: %s)\n' cpython-pkg "$r" "$c" "$(verdict "$r" 1.50)"
r=$(rss cpython-msi inspect)
printf '  %-12s inspect peak RSS %5s MiB (aim < 150 MiB, 30 MB-class installer: %s)\n' cpython-msi "$r" "$(verdict "$r" 149)"
r=$(rss big-msi inspect)
printf '  %-12s inspect peak RSS %5s MiB (aim < 300 MiB, 1 GB installer: %s)\n' big-msi "$r" "$(verdict "$r" 299)"
r=$(rss cpython-pkg inspect)
printf '  %-12s inspect peak RSS %5s MiB (aim < 150 MiB, 30 MB-class installer: %s)\n' cpython-pkg "$r" "$(verdict "$r" 149)"

echo
echo "aims (issue 19):"
for t in inspect compose; do
	r=$(ratio cpython-msi $t msiextract)
	c=$(ratio cpython-msi $t msiextract 4)
	printf '  %-12s %-7s / msiextract                = %5sx wall, %5sx CPU  (aim <= 1.00 wall: %s)\n' cpython-msi $t "$r" "$c" "$(verdict "$r" 1.00)"
done
r=$(ratio big-msi inspect msiextract)
printf '  %-12s inspect / msiextract                = %5sx wall               (aim <= 0.90 wall: %s)\n' big-msi "$r" "$(verdict "$r" 0.90)"
r=$(ratio cpython-pkg inspect '7zz-x(xar+gzip+cpio)')
printf '  %-12s inspect / 7zz x of the payload      = %5sx wall               (aim <= 1.00 wall: %s)\n' cpython-pkg "$r" "$(verdict "$r" 1.00)"
if [ -n "$BASE_BIN" ]; then
	echo
	echo "this tree / $BASE_REV (wall, CPU):"
	for i in cpython-msi big-msi cpython-pkg; do
		for t in inspect compose; do
			printf '  %-12s %-7s %5sx wall, %5sx CPU\n' $i $t "$(ratio $i $t $t@base)" "$(ratio $i $t $t@base 4)"
		done
	done
fi
