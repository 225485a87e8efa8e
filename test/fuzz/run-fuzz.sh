#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run one libFuzzer target: first every input kept in test/fuzz/corpus/<target>/
# (seeds and the reproducers of bugs found so far) once, then mutate for a while.
#
#   test/fuzz/run-fuzz.sh                          fuzz_tcprx, 30 s (as the suite runs it)
#   test/fuzz/run-fuzz.sh --target device          another target: tcprx, device, devargs,
#                                                  dmabuf_spec, hrx_config, tokens
#   test/fuzz/run-fuzz.sh --target tokens --minutes 30    a long run; new inputs accumulate
#                                                  in build-fuzz/fuzz-corpus/<target>/
#   test/fuzz/run-fuzz.sh --runs 10000000 ...      stop after that many executions
#   test/fuzz/run-fuzz.sh --jobs 2 ...             parallel workers (libFuzzer -fork; each
#                                                  job starts an EAL, so only worth it on many cores)
#
# Build it first with config/build.sh fuzz. A crash, leak or oracle failure
# leaves the input in build-fuzz/fuzz-artifacts/<target>/ and exits non-zero;
# reproduce with build-fuzz/test/fuzz/fuzz_<target> <file>, and once fixed copy
# the file into test/fuzz/corpus/<target>/ so it is replayed by every run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
target=tcprx bin= seconds=30 long=0 jobs=0 runs=-1
extra=()

usage() { sed -n '4,20p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
	case $1 in
	--target) target=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--minutes) seconds=$(( $2 * 60 )); long=1; shift 2 ;;
	--runs) runs=$2; long=1; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--binary) bin=$2; shift 2 ;;
	--help|-h) usage 0 ;;
	--) shift; extra=("$@"); break ;;
	*) echo "run-fuzz: unknown option '$1'" >&2; usage 2 >&2 ;;
	esac
done
case $seconds$jobs${runs#-} in *[!0-9]*) echo "run-fuzz: --seconds/--minutes/--runs/--jobs take whole numbers" >&2; exit 2 ;; esac
case $target in *[!a-z0-9_]*|'') echo "run-fuzz: bad --target '$target'" >&2; exit 2 ;; esac
bin=${bin:-$top/build-fuzz/test/fuzz/fuzz_$target}
[ -x "$bin" ] || { echo "run-fuzz: $bin is missing: run config/build.sh fuzz first" >&2; exit 2; }
kept=$here/corpus/$target
mkdir -p "$kept"

artifacts=$top/build-fuzz/fuzz-artifacts/$target
mkdir -p "$artifacts"
if [ "$long" = 1 ]; then
	work=$top/build-fuzz/fuzz-corpus/$target
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allow_user_segv_handler=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# libFuzzer reports a crash with exit status 77 by default, which meson counts as
# a skip: a finding must fail the test.
common=(-artifact_prefix="$artifacts/" -error_exitcode=1 -timeout=10 -rss_limit_mb=4096 -max_len=4096 -print_final_stats=1)

echo "run-fuzz: $target: replaying $(ls "$kept" | wc -l) kept inputs"
"$bin" "${common[@]}" -runs=0 "$kept" 2>&1 | tail -n 3
echo "run-fuzz: $target: fuzzing for ${seconds} s (new inputs in $work)"
fork=()
[ "$jobs" -gt 0 ] && fork=(-fork="$jobs" -ignore_crashes=0)
# A long run's whole log (pulse lines: executions so far and the rate) is kept, so it can be
# watched with tail -f while it runs.
log=/dev/null
if [ "$long" = 1 ]; then
	log=$top/build-fuzz/fuzz-logs/$target.log
	mkdir -p "${log%/*}"
	echo "run-fuzz: $target: full log in $log"
fi
"$bin" "${common[@]}" "${fork[@]}" -max_total_time="$seconds" -runs="$runs" "${extra[@]}" "$work" "$kept" 2>&1 |
	tee "$log" | grep -vE '^#[0-9]+\s+(NEW|REDUCE|pulse)' | tail -n 25
exit "${PIPESTATUS[0]}"
