#!/usr/bin/env bash
# needs: no-lab
# variant: normal
# The lab's own controls and make deps' refusal: a taken address is named
# and refused, a crashed lab restarts, the watchdog stops the lab after its
# TTL, stop leaves nothing behind. Runs before the runner starts the lab.
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
lab=tests/lab
state=$LAB_DIR

listening() { ss -Hltn "src 127.0.0.11:25" | grep -q .; }
pids_alive() {  # any recorded PID still running?
	[ -f "$state/lab.pids" ] || return 1
	while read -r pid _; do kill -0 "$pid" 2>/dev/null && return 0; done <"$state/lab.pids"
	return 1
}

# make deps without apt: names the packages, fails.
out=$(MAILFLOW_DPKG_QUERY=/nonexistent/dpkg-query MAILFLOW_APT_GET=/nonexistent/apt-get bash tests/deps 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "libc-ares-dev" <<<"$out" && grep -q "Install these by hand" <<<"$out"; then
	ok "make deps without apt lists the packages and exits $rc"
else nok "make deps without apt: exit $rc: $out"; fi

$lab/stop >/dev/null 2>&1

# A foreign listener on a lab address: start refuses and names it.
smtp-sink -u nobody 127.0.0.12:25 16 >/dev/null 2>&1 &
blocker=$!
for _ in $(seq 50); do ss -Hltn "src 127.0.0.12:25" | grep -q . && break; sleep 0.1; done
out=$($lab/start 2>&1); rc=$?
kill "$blocker"; wait "$blocker" 2>/dev/null
if [ $rc -ne 0 ] && grep -q "127.0.0.12:25 is already in use" <<<"$out"; then
	ok "start refuses a taken address and names it (exit $rc)"
else nok "start with 127.0.0.12:25 taken: exit $rc: $out"; fi
if ! listening; then ok "nothing of the lab was left running after the refusal"
else nok "the refused start left 127.0.0.11:25 listening"; $lab/stop >/dev/null 2>&1; fi

# Crash: kill -9 the DNS server, start again, it works.
if $lab/start >/dev/null 2>&1; then ok "start"; else nok "start failed"; fi
nsd_pid=$(awk '$3 == "nsd" { print $1 }' "$state/lab.pids")
kill -9 "$nsd_pid" 2>/dev/null
sleep 0.5
if $lab/start >/dev/null 2>&1 && dig +short +time=2 @127.0.0.1 -p 5353 healthy.lab.test MX | grep -q mx1; then
	ok "start after the DNS server was killed -9 works and answers"
else nok "start after a crash failed"; fi
$lab/stop >/dev/null 2>&1
if ! listening && ! pids_alive && ! ss -Hlun "src 127.0.0.1:5353" | grep -q .; then
	ok "stop leaves no lab listener and no recorded process"
else nok "stop left something running: $(ss -Hltnu | grep -E '127\.0\.0\.(1:5353|1[1-9]:25|20:25)')"; fi

# The watchdog: with a TTL of 3 s the lab stops itself.
if MAILFLOW_LAB_TTL=3 $lab/start >/dev/null 2>&1; then
	for _ in $(seq 100); do listening || break; sleep 0.1; done
	sleep 1
	for _ in $(seq 100); do listening || break; sleep 0.1; done
	if ! listening && ! pids_alive; then ok "MAILFLOW_LAB_TTL=3: the lab stopped itself"
	else nok "the lab was still running after its TTL"; $lab/stop >/dev/null 2>&1; fi
else nok "start with a TTL of 3 s failed"; fi
