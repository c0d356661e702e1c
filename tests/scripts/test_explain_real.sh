#!/usr/bin/env bash
# --explain end to end with real bounces: two Postfix instances of their
# own (tests/explain/postfix-bounces.sh, on 127.0.22.1-2) make a failure,
# a delay notice and an expiry, and Exim (tests/explain/exim-bounces.sh,
# from 127.0.22.3, when make deps has unpacked it) a failure; mailflow
# explains each and probes the receiver that refused (-s 127.0.22.2: no
# DNS), which still refuses, still defers, or (once the user exists)
# accepts.
# needs: root
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose.
# shellcheck disable=SC2016,SC2034
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
cleanup() { [ -x "$tmp/stop" ] && "$tmp/stop"; rm -rf "$tmp"; }
trap cleanup EXIT

if ! KEEP=1 bash tests/explain/postfix-bounces.sh "$tmp" >"$tmp/list" 2>"$tmp/err"; then
	nok "postfix-bounces.sh made the bounces: $(tail -3 "$tmp/err")"
	exit 0
fi
mapfile -t made <"$tmp/list"
failed=$(grep -l '^Status: 5.1.1' "${made[@]}" | head -n 1)
delayed=$(grep -l '^Action: delayed' "${made[@]}" | head -n 1)
check "a real Postfix made a failure notice and a delay notice" '[ -n "$failed" ] && [ -n "$delayed" ]'

run() { "$MAILFLOW" --explain "$1" -s 127.0.22.2 --batch --no-transcripts --timeout 10 "${@:2}"; }

out=$(run "$failed" 2>&1); rc=$?
check "the failure: explained (Postfix, RCPT TO, 550 5.1.1, permanent, recipient's side)" \
	'[[ $out == *"written by Postfix"* && $out == *"FAIL nobody@refuse.test: failed"* && $out == *"In answer to: RCPT TO"* && $out == *"550 5.1.1"* && $out == *"permanent"* && $out == *"Who acts: the recipient"* ]]'
check "... then probed: the server still refuses, the same reply as in the bounce (exit $rc)" \
	'[ $rc -eq 1 ] && [[ $out == *"Now: nobody@refuse.test: the server still refuses this recipient: 550 5.1.1 (the same reply as in the bounce)"* ]]'
check "... and the usual report follows, RCPT TO that recipient" \
	'[[ $out == *"FAIL  host.rcpt       RCPT TO refused: 550 5.1.1"* ]]'

run "$failed" --json >"$tmp/j" 2>&1
check "--json: the run's document carries explain, now refused with the same reply" \
	'jq -e ".explain.recipients[0].now | .state == \"refused\" and .code == 550 and .same == true" "$tmp/j" >/dev/null'

out=$(run "$delayed" 2>&1)
check "the delay notice: temporary, and the server still defers now" \
	'[[ $out == *"WARN later@refuse.test: delayed"* && $out == *"temporary"* && $out == *"Now: later@refuse.test: the server defers this recipient now"*"450 4.2.0"* ]]'

run "$failed" --report "$tmp/r.md" >/dev/null 2>&1
check "--report: the explanation opens the Markdown report, with the state now" \
	'grep -q "^## Explained: a delivery status notification" "$tmp/r.md" && grep -q "Now\*\*: the server still refuses" "$tmp/r.md"'

# Exim's bounce of the same refusal.
if eximb=$(bash tests/explain/exim-bounces.sh "$tmp" 2>"$tmp/exim.err"); then
	out=$(run "$eximb" 2>&1)
	check "a real Exim bounce: a DSN written by Exim, RCPT TO, 550 5.1.1, still refused" \
		'[[ $out == *"written by Exim"* && $out == *"FAIL nobody@refuse.test: failed"* && $out == *"In answer to: RCPT TO"* && $out == *"Now: nobody@refuse.test: the server still refuses this recipient: 550 5.1.1"* ]]'
elif grep -q 'make deps unpacks it' "$tmp/exim.err"; then
	skip "a real Exim bounce" "$(cat "$tmp/exim.err")"
else
	nok "exim-bounces.sh made a bounce: $(tail -3 "$tmp/exim.err")"
fi

# The user is made: the problem has gone.
printf 'known@refuse.test x\nlater@refuse.test x\nnobody@refuse.test x\n' >"$tmp/receiver/etc/users"
postfix -c "$tmp/receiver/etc" reload >/dev/null 2>&1
sleep 1
out=$(run "$failed" 2>&1); rc=$?
check "once the recipient exists: 'accepts this recipient now: the problem has gone' (exit $rc)" \
	'[[ $out == *"Now: nobody@refuse.test: the server accepts this recipient now: the problem has gone"* ]]'

out=$("$MAILFLOW" --explain "$failed" --no-probe 2>&1)
check "--no-probe: explained, nothing probed" '[[ $out == *"nobody@refuse.test"* && $out != *"Now:"* && $out != *"host.rcpt"* ]]'
