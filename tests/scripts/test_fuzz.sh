#!/usr/bin/env bash
# test_fuzz — the libFuzzer targets of fuzz/ (make fuzz, fuzz/README):
# each one replays its committed corpus (the seeds and every crash found so
# far, which must stay fixed), then fuzzes for MAILFLOW_FUZZ_SECONDS (20;
# make fuzz-run gives 300) and must end clean: no crash, leak, hang
# (-timeout) or memory blow-up (-rss_limit_mb). Two run at once. Each says
# its speed in a "# bench: NAME N exec/s" line.
#
#   MAILFLOW_FUZZ_SECONDS=300 bash tests/scripts/test_fuzz.sh [NAME...]
#
# What a run finds is in build/fuzz/artifacts/ (the input that crashed) and
# build/fuzz/logs/NAME.log; new coverage goes to build/fuzz/corpus/NAME/,
# never into the committed fuzz/corpus/.
# variant: normal
# (The fuzzers are their own ASan+UBSan build: once is enough.)
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || exit 1

seconds=${MAILFLOW_FUZZ_SECONDS:-20}
jobs=${MAILFLOW_FUZZ_JOBS:-2}
out=build/fuzz

# The fuzzers need clang's libFuzzer (make deps installs it); without it
# this suite is skipped with the reason, except under CI, which must run it.
if ! command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		nok "fuzzers: ${FUZZ_CC:-clang} is missing (make deps installs it)"
	else
		skip "fuzzers" "${FUZZ_CC:-clang} is missing (make deps installs it)"
	fi
	exit 0
fi

# Always through make, so a fuzzer never runs against stale sources.
if ! make --no-print-directory -s fuzz >"$out.build.log" 2>&1; then
	nok "make fuzz builds the fuzzers (see $out.build.log)"
	sed 's/^/# /' "$out.build.log" | tail -n 20
	exit 0
fi
ok "make fuzz builds the fuzzers"

if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for f in fuzz/*-fuzzer.c; do
		t=${f#fuzz/}
		targets+=("${t%-fuzzer.c}")
	done
fi

# Longer inputs where the limits are long: a reply line is cut at 4096
# bytes, a list line at 2048.
max_len() {
	case $1 in
	reply|ehlo) echo 16384;;
	list|config) echo 8192;;
	explain) echo 65536;;   # a bounce with its parts is a few KB
	*) echo 4096;;
	esac
}

mkdir -p "$out/logs" "$out/artifacts"

# fuzz NAME: replay, then fuzz; the exit status of the worse of the two.
fuzz() {
	local t=$1 bin=$out/$1-fuzzer log=$out/logs/$1.log dict=()
	[ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
	mkdir -p "$out/corpus/$t"
	{
		echo "== replay of fuzz/corpus/$t"
		"$bin" -runs=0 -timeout=10 -rss_limit_mb=1024 \
			-artifact_prefix="$out/artifacts/$t-" "fuzz/corpus/$t" 2>&1 || return 1
		[ "$seconds" -gt 0 ] || return 0
		echo "== $seconds s"
		# The first directory gets what is new; fuzz/corpus/ is only read.
		"$bin" -max_total_time="$seconds" -max_len="$(max_len "$t")" \
			-timeout=10 -rss_limit_mb=1024 -print_final_stats=1 "${dict[@]}" \
			-artifact_prefix="$out/artifacts/$t-" \
			"$out/corpus/$t" "fuzz/corpus/$t" 2>&1
	} >"$log"
}

# wait_one: waits for the next fuzzer to end, keeps its status by pid.
declare -A pid_of=() rc_of=()
running=0
wait_one() {
	local pid rc=0
	wait -n -p pid || rc=$?
	rc_of[$pid]=$rc
	running=$((running - 1))
}
for t in "${targets[@]}"; do
	if [ ! -x "$out/$t-fuzzer" ]; then
		nok "$t: no fuzzer $out/$t-fuzzer (fuzz/$t-fuzzer.c)"
		continue
	fi
	[ "$running" -lt "$jobs" ] || wait_one
	fuzz "$t" &
	pid_of[$t]=$!
	running=$((running + 1))
done

while [ "$running" -gt 0 ]; do
	wait_one
done

for t in "${targets[@]}"; do
	[ -n "${pid_of[$t]:-}" ] || continue
	log=$out/logs/$t.log
	rc=${rc_of[${pid_of[$t]}]}
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		if [ "$seconds" -gt 0 ]; then
			ok "$t: replays fuzz/corpus/$t, then $seconds s clean (${runs:-?} runs)"
			echo "# bench: $t ${speed:-?} exec/s"
		else
			ok "$t: replays fuzz/corpus/$t clean"
		fi
	else
		nok "$t: exit $rc (log: $log; the input: $out/artifacts/$t-*)"
		# What went wrong, and where in our code (not libFuzzer's frames).
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written| in [^ ]+ [^ ]*/(src|fuzz)/' \
			"$log" | head -n 12 | sed 's/^/# /'
	fi
done
