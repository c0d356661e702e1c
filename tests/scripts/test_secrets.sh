#!/usr/bin/env bash
# needs: lab
# variant: normal
# The AUTH password reaches nothing but the server: not the output (text,
# JSON), the Markdown report, the --debug trace, the manual-mode history
# or :save file, the process's environment, nor a core file: while it is
# held the process is not dumpable, so a SIGABRT leaves no core at all.
# Files that may hold a session are created mode 0600. (Normal build only:
# ASan turns core files off itself, so the core check would prove nothing.)
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose.
# shellcheck disable=SC2016
set -u
# shellcheck source=tests/scripts/tmux_lib.sh
. "$(dirname "$0")/tmux_lib.sh"
pass='lab-password'
# Every form it could leak in: itself, and AUTH LOGIN's and PLAIN's base64.
forms=("$pass" "$(printf %s "$pass" | base64)" "$(printf '\0probe\0%s' "$pass" | base64)")
# leaks FILE...: the files that hold any form of the password.
leaks() {
	local f form
	for f in "$@"; do
		for form in "${forms[@]}"; do
			if grep -qaF -- "$form" "$f" 2>/dev/null; then echo "$f"; break; fi
		done
	done
}
lab=(--dns 127.0.0.1:5353 --ca-file "$CA")

# --- a run with AUTH: every output ------------------------------------------
(umask 022; cd "$tmp" && MAILFLOW_PASSWORD=$pass timeout 60 "$bin" "${lab[@]}" -a probe \
	--debug "$tmp/debug.log" --report "$tmp/report.md" auth.lab.test >"$tmp/out.txt" 2>"$tmp/err.txt")
(cd "$tmp" && MAILFLOW_PASSWORD=$pass timeout 60 "$bin" "${lab[@]}" -a probe --json \
	auth.lab.test >"$tmp/out.json" 2>>"$tmp/err.txt")
check "the run authenticated (235), so there was a password to leak" \
	'grep -q "235 2.7.0" "$tmp/out.txt" && grep -q "235 2.7.0" "$tmp/out.json"'
check "the debug trace and the report were written" '[ -s "$tmp/debug.log" ] && [ -s "$tmp/report.md" ]'
bad=$(leaks "$tmp/out.txt" "$tmp/out.json" "$tmp/err.txt" "$tmp/debug.log" "$tmp/report.md")
check "no output, report or trace holds the password or its base64 (${bad:-none})" '[ -z "$bad" ]'
check "the Markdown report is created mode 0600 (umask 022)" \
	'[ "$(stat -c %a "$tmp/report.md")" = 600 ]'
check "the --debug trace is created mode 0600" '[ "$(stat -c %a "$tmp/debug.log")" = 600 ]'

# --- while it is held: environment and core ------------------------------
# The silent host never greets: the password is held for the whole --timeout.
core_run() {  # core_run DIR ARGS...: mailflow on the silent host, SIGABRT after 1 s
	local dir=$1 pid; shift
	mkdir -p "$dir"
	(
		cd "$dir" || exit 1
		ulimit -c unlimited
		exec env MAILFLOW_PASSWORD=$pass "$bin" --batch --timeout 20 -s 127.0.0.15 "$@" \
			>/dev/null 2>&1
	) &
	pid=$!
	sleep 1
	tr '\0' '\n' <"/proc/$pid/environ" >"$dir/environ" 2>/dev/null
	kill -ABRT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
core_run "$tmp/control"
core_run "$tmp/held" -a probe
if [ "$(cat /proc/sys/kernel/core_pattern)" != core ] || ! ls "$tmp"/control/core* >/dev/null 2>&1; then
	skip "a SIGABRT while the password is held leaves no core" \
		"this system writes no core file in the working directory (core_pattern $(cat /proc/sys/kernel/core_pattern))"
else
	ok "control: without a password, SIGABRT leaves a core (so the check below can fail)"
	bad=$(leaks "$tmp"/held/core*)
	check "a SIGABRT while the password is held leaves no core ($(ls "$tmp/held")) ${bad:+and it holds the password}" \
		'! ls "$tmp"/held/core* >/dev/null 2>&1'
fi
check "the running process's environment no longer shows MAILFLOW_PASSWORD's value" \
	'[ -s "$tmp/held/environ" ] && [ -z "$(leaks "$tmp/held/environ")" ]'

# --- manual mode: history and :save ------------------------------------------
start 100 30 "HOME='$tmp'" "XDG_STATE_HOME='$tmp/state'" "XDG_CONFIG_HOME='$tmp/config'" \
	-- --helo probe.lab.test --manual mx.auth.lab.test
expect() { if wait_for "$2" "${3:-5}"; then ok "$1"; else nok "$1: no '$2' on: $(cap | tail -25)"; fi; }
expect "manual mode on the AUTH host" "continuing by hand after banner"
type_line "EHLO probe.lab.test"
type_line ":starttls"
expect ":starttls" "TLS is up" 5
type_line "EHLO probe.lab.test"
type_line ":auth plain probe"
expect ":auth asks for the password" "Password for probe"
type_line "$pass"
expect ":auth plain: 235" "S: 235 2.7.0 Authentication successful" 5
type_line ":save $tmp/session.txt"
wait_for "session.txt" 3
check "the history was written" '[ -s "$tmp/state/mailflow/history" ]'
bad=$(leaks "$tmp/state/mailflow/history" "$tmp/session.txt" "$tmp/stderr")
check "neither the history nor the :save file holds the password (${bad:-none})" '[ -z "$bad" ]'
check ":save creates its file mode 0600" '[ "$(stat -c %a "$tmp/session.txt" 2>/dev/null)" = 600 ]'
check "the history file is created mode 0600" \
	'[ "$(stat -c %a "$tmp/state/mailflow/history")" = 600 ]'
