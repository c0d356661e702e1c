#!/usr/bin/env bash
# needs: lab
# The terminal at its worst: a resize storm while every session runs (100
# resizes in 2 s, down to 1x1), a 20x5 terminal, TERM=dumb or unknown,
# stdout to a file, and no terminal at all. No crash; where the TUI cannot
# start it says why in one line (unless nothing is a terminal) and the
# report is printed instead; batch mode still works.
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose.
# shellcheck disable=SC2016
set -u
# shellcheck source=tests/scripts/tmux_lib.sh
. "$(dirname "$0")/tmux_lib.sh"
expect() { if wait_for "$2" "${3:-5}"; then ok "$1"; else nok "$1: no '$2' on: $(cap | tail -25)"; fi; }
# The TUI's exit status is the batch mode's (0 or 1): never a signal's.
exited_cleanly() { wait_exit "${1:-5}" && [ "$(cat "$tmp/exit")" -le 1 ] &&
	! grep -qE "AddressSanitizer|runtime error|LeakSanitizer" "$tmp/stderr"; }
resize() { tmux -L "$sock" resize-window -t main -x "$1" -y "$2" 2>/dev/null; }

# --- a resize storm while the sessions run --------------------------------
start 100 30 -- demo.lab.test
expect "demo: the TUI is up" "q quit  Tab pane"
sizes=(80x24 20x5 1x1 200x60 60x20 100x30 10x3 132x43 81x25 79x23)
t0=$(date +%s%N)
# One tmux client per resize takes about 40 ms: they run side by side, one
# started every 5 ms, so the 100 land within about 2 s.
for i in $(seq 1 100); do
	s=${sizes[$((i % ${#sizes[@]}))]}
	resize "${s%x*}" "${s#*x}" &
	sleep 0.005
done
wait
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "# 100 resizes in $ms ms"
check "the storm was 100 resizes within about 2 s ($ms ms)" '[ "$ms" -le 4000 ]'
resize 100 30
expect "after the storm: the TUI draws at 100x30 again" "mx1.healthy.lab.test" 5
expect "after the storm: the run still finishes" "s  done" 20
check "after the storm: not 'too small' at 100x30" '! cap | grep -q "terminal too small"'
keys q
if exited_cleanly 5; then ok "after the storm: q exits with the run's status ($(cat "$tmp/exit"))"
else nok "after the storm: exit $(cat "$tmp/exit" 2>/dev/null), stderr: $(head -5 "$tmp/stderr")"; fi

# --- 20x5 from the start ----------------------------------------------------
start 20 5 -- healthy.lab.test
expect "20x5: says the terminal is too small" "terminal too small"
expect "20x5: says how to quit" "q quits"
sleep 1
keys q
if exited_cleanly 5; then ok "20x5: q exits cleanly ($(cat "$tmp/exit"))"
else nok "20x5: exit $(cat "$tmp/exit" 2>/dev/null), stderr: $(head -5 "$tmp/stderr")"; fi

# --- TERM=dumb and an unknown TERM: the report instead, with the reason ----
for term in dumb no-such-terminal; do
	start 100 30 "TERM=$term" -- --no-transcripts healthy.lab.test
	if exited_cleanly 20; then ok "TERM=$term: no crash, exit $(cat "$tmp/exit")"
	else nok "TERM=$term: exit $(cat "$tmp/exit" 2>/dev/null): $(head -3 "$tmp/stderr")"; fi
	check "TERM=$term: says why the TUI cannot start ($(head -1 "$tmp/stderr"))" \
		'grep -q "the terminal UI cannot start: TERM=$term" "$tmp/stderr"'
	check "TERM=$term: the reason is one line on stderr ($(wc -l <"$tmp/stderr") lines)" \
		'[ "$(wc -l <"$tmp/stderr")" = 1 ]'
	check "TERM=$term: the report is printed instead" 'cap | grep -q "host.rcpt"'
done
start 100 30 "TERM=dumb" -- --manual mx1.healthy.lab.test
wait_exit 5
check "TERM=dumb --manual: exit 2 with the reason ($(cat "$tmp/stderr"))" \
	'[ "$(cat "$tmp/exit")" = 2 ] && grep -q "manual needs a terminal: TERM=dumb" "$tmp/stderr"'

# --- stdout not a terminal, stderr one: the report, and one line why ------------
# (issue 13, bad input: no terminal falls back to the report with a reason.)
# 160 columns: the line is longer than 100 and must not wrap in the pane.
start_sh 160 30 "'$bin' --dns 127.0.0.1:5353 --ca-file $CA --no-transcripts healthy.lab.test >'$tmp/report.txt'"
wait_exit 20
check "stdout to a file: the text report is in it, exit $(cat "$tmp/exit")" \
	'[ "$(cat "$tmp/exit")" -le 1 ] && grep -q "host.rcpt" "$tmp/report.txt" &&
	 grep -q "^Mail to healthy.lab.test can be delivered" "$tmp/report.txt"'
said=$(cap | grep -v '^$')
check "stdout to a file: one line on the terminal says why there is no TUI ($said)" \
	'[ "$(wc -l <<<"$said")" = 1 ] && [ "$said" = "mailflow: the terminal UI cannot start: standard output is not a terminal; printing the report instead" ]'

# --- no terminal at all -------------------------------------------------------
# shellcheck disable=SC2034  # out is read by check's expression
out=$(setsid "$bin" --dns 127.0.0.1:5353 --ca-file "$CA" --no-transcripts healthy.lab.test \
	</dev/null 2>"$tmp/err"); rc=$?
check "no terminal (setsid, stdin /dev/null, stdout a pipe): the report, exit $rc" \
	'[ $rc -le 1 ] && [[ $out == *"host.rcpt"* ]]'
check "no terminal: nothing said on stderr (output to a pipe is the report)" '[ ! -s "$tmp/err" ]'
setsid "$bin" --manual mx1.healthy.lab.test </dev/null >/dev/null 2>"$tmp/err"; rc=$?
check "no terminal --manual: exit 2 and why ($(cat "$tmp/err"))" \
	'[ $rc -eq 2 ] && grep -q "manual needs a terminal" "$tmp/err"'
