#!/usr/bin/env bash
# needs: lab
# --explain probes the host the bounce names besides the recipient's
# domain (README "Explaining a bounce"): a bounce from nouser.lab.test's
# MX quotes that host's answer now; one that names a host which is no MX of
# nouser.lab.test now (mx1.healthy.lab.test, which accepts every user, or
# a name that no longer exists) says so plainly, and that host is probed on
# its own with RCPT TO the same recipient.
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose.
# shellcheck disable=SC2016,SC2034
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME=$tmp/config HOME=$tmp
M=("$MAILFLOW" --dns 127.0.0.1:5353 --ca-file "$CA" --banner-timeout 3 --timeout 5 --batch --no-transcripts)

# shellcheck source=tests/scripts/explain_dsn.sh
. "$(dirname "$0")/explain_dsn.sh"

# 1. The bounce came from the MX: its answer now is quoted, nothing else probed.
dsn mx.nouser.lab.test 127.0.0.17 >"$tmp/mx.eml"
out=$("${M[@]}" --explain "$tmp/mx.eml" 2>&1); rc=$?
check "the bounce names the MX: its answer now, said to be that host's (exit $rc)" \
	'[ $rc -eq 1 ] && [[ $out == *"Now: ghost@nouser.lab.test: the server still refuses this recipient: 550 5.1.1 (the same reply as in the bounce) from mx.nouser.lab.test (the host the bounce names)"* ]]'
check "... no 'not an MX', and only the domain is probed" \
	'[[ $out != *"which is not an MX"* && $(grep -c "^mailflow " <<<"$out") -eq 1 ]]'
"${M[@]}" --explain "$tmp/mx.eml" --json >"$tmp/mx.json" 2>/dev/null
check "--json: now.remote is mx" \
	'jq -e ".explain.recipients[0].now | .remote == \"mx\" and .state == \"refused\" and .host == \"mx.nouser.lab.test\"" "$tmp/mx.json" >/dev/null'

# 2. A host that is not an MX of the domain (it accepts every user).
dsn mx1.healthy.lab.test 127.0.0.11 >"$tmp/other.eml"
out=$("${M[@]}" --explain "$tmp/other.eml" 2>&1); rc=$?
check "a host that is no MX now: said plainly" \
	'[[ $out == *"The bounce names mx1.healthy.lab.test, which is not an MX of nouser.lab.test now"* ]]'
check "... the domain's MX still refuses" \
	'[[ $out == *"Now: ghost@nouser.lab.test: the server still refuses this recipient: 550 5.1.1 (the same reply as in the bounce) from mx.nouser.lab.test"* ]]'
check "... and the named host is probed on its own, RCPT TO the same recipient: it accepts" \
	'[[ $out == *"Now: ghost@nouser.lab.test: the server accepts this recipient now"*"from mx1.healthy.lab.test (the host the bounce names, probed on its own)"* ]]'
check "... two runs: the domain, then the host (exit $rc)" \
	'[ $rc -eq 1 ] && [ "$(grep -c "^mailflow " <<<"$out")" -eq 2 ]'
"${M[@]}" --explain "$tmp/other.eml" --json >"$tmp/other.json" 2>/dev/null
check "--json: an array, the domain's now.remote not-mx, the host's alone" \
	'jq -e "length == 2 and .[0].explain.recipients[0].now.remote == \"not-mx\" and .[1].explain.recipients[0].now.remote == \"alone\" and .[1].explain.recipients[0].now.state == \"accepted\"" "$tmp/other.json" >/dev/null'

# 3. A name that is gone from the DNS (a pasted Postfix line).
out=$("${M[@]}" --explain '<ghost@nouser.lab.test>: host mx.old.nouser.lab.test[127.0.0.99] said: 550 5.1.1 User unknown (in reply to RCPT TO command)' 2>&1)
check "a pasted line naming a host that no longer exists: not an MX, probed, not found" \
	'[[ $out == *"The bounce names mx.old.nouser.lab.test, which is not an MX of nouser.lab.test now"* && $(grep -c "^mailflow " <<<"$out") -eq 2 ]]'

# 4. -s: the user chose the host; nothing else is probed.
out=$("${M[@]}" --explain "$tmp/other.eml" -s mx.nouser.lab.test 2>&1)
check "-s another host: said, and only that host probed" \
	'[[ $out == *"The bounce names mx1.healthy.lab.test; this run probed mx.nouser.lab.test only (-s)"* && $(grep -c "^mailflow " <<<"$out") -eq 1 ]]'

# 5. A bounce that quotes a reply and names no server but the one that
# wrote it (Microsoft 365's "Generating server"): that one is tested.
cat >"$tmp/reporter.eml" <<'DSN'
From: postmaster@mx1.healthy.lab.test
To: alice@sender.lab.test
Subject: Undeliverable: report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.healthy.lab.test

Final-Recipient: rfc822; ghost@nouser.lab.test
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 RESOLVER.ADR.RecipNotFound; not found

--b--
DSN
out=$("${M[@]}" --explain "$tmp/reporter.eml" 2>&1)
check "no Remote-MTA: the server that wrote the bounce is the one named" \
	'[[ $out == *"Server: mx1.healthy.lab.test"*"(it wrote the bounce, which names no other server)"* && $out == *"The bounce names mx1.healthy.lab.test, which is not an MX of nouser.lab.test now"* ]]'
check "... and it is probed on its own, RCPT TO the same recipient" \
	'[[ $out == *"from mx1.healthy.lab.test (the host the bounce names, probed on its own)"* && $(grep -c "^mailflow " <<<"$out") -eq 2 ]]'
"${M[@]}" --explain "$tmp/reporter.eml" --json >"$tmp/reporter.json" 2>/dev/null
check "--json: remote_is_reporter" \
	'jq -e ".[0].explain.recipients[0] | .remote_is_reporter == true and .remote_mta == \"mx1.healthy.lab.test\"" "$tmp/reporter.json" >/dev/null'
