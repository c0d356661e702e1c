#!/usr/bin/env bash
# A failed TLS handshake is not the end of the story (issue 12, point 8).
# Against fakesmtp on a loopback port of its own (no lab): the first
# connection offers STARTTLS, answers it 220 and then speaks no TLS; a
# second connection works without TLS. With opportunistic TLS (the
# default) mailflow records the TLS failure (fail), retries in plaintext on
# a new connection, as sending MTAs do, and reports the later steps from
# that retry; with --tls require it does not retry. With implicit TLS the
# advice names `openssl s_client -connect host:port`, not -starttls smtp.
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose, and the variables only it reads (text, next) are used.
# shellcheck disable=SC2016,SC2034
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
fake=${BUILD:-build/normal}/tests/fakesmtp
if [ ! -x "$fake" ] || ! command -v jq >/dev/null; then
	skip "TLS fallback" "needs $fake (make tests builds it) and jq"
	exit 0
fi
tmp=$(mktemp -d /tmp/mailflow-fallback.XXXXXX)
fake_pid=
cleanup() {
	if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
export XDG_CONFIG_HOME=$tmp/config HOME=$tmp

# The first connection: STARTTLS offered and answered, then plaintext
# where the server's TLS handshake should be (a broken TLS setup).
cat >"$tmp/badtls.script" <<-'EOF'
send 220 fallback.test ESMTP
expect EHLO
send 250-fallback.test
send 250-STARTTLS
send 250 8BITMIME
expect STARTTLS
send 220 2.0.0 Ready to start TLS
# Apart from the 220, or it would be a STARTTLS injection.
sleep 200
send this is not TLS
close
EOF
# The retry without TLS: a plain working routine.
plain() {
	cat <<-EOF
	send 220 fallback.test ESMTP
	expect EHLO
	send 250-fallback.test
	send 250-STARTTLS
	send 250 8BITMIME
	expect MAIL
	send 250 2.1.0 Ok
	expect RCPT
	send $1
	expect RCPT
	send 550 5.7.1 Relay access denied
	expect RSET
	send 250 2.0.0 Ok
	expect QUIT
	send 221 2.0.0 Bye
	EOF
}
plain "250 2.1.5 Ok" >"$tmp/plain.script"
plain "550 5.1.1 No such user" >"$tmp/nouser.script"
# Implicit TLS: plaintext at once where the TLS handshake should be.
printf 'send 220 not TLS at all\nclose\n' >"$tmp/implicit.script"

# serve SCRIPT...: a fresh fakesmtp (so its connections count from one)
# with these scripts for its first, second... connection; sets port.
serve() {
	local s args=()

	if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; fi
	for s in "$@"; do args+=(-s "$tmp/$s.script"); done
	: >"$tmp/fake.log"
	for _ in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 12000))
		"$fake" -l "127.0.0.1:$port" "${args[@]}" -o "$tmp/fake.log" 2>"$tmp/fake.err" &
		fake_pid=$!
		for _ in $(seq 50); do
			(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
			kill -0 "$fake_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; fake_pid=
	done
	echo "fakesmtp would not start: $(cat "$tmp/fake.err")" >&2
	return 1
}
# The probe's own connection check above counts as a connection: the
# scripts start after it with an empty one.
printf 'close\n' >"$tmp/ping.script"

# run [OPTION...]: mailflow --json against the fake server; sets json, rc.
run() {
	json=$(timeout 60 "$MAILFLOW" --json --dns 127.0.0.1:9 --timeout 5 --helo probe.test \
		-s "127.0.0.1:$port" "$@" postmaster@fallback.test 2>"$tmp/err"); rc=$?
}
verdict() {
	jq -r --arg id "$1" '.hosts[0].addresses[0].checklist[] | select(.id==$id) | .verdict' <<<"$json" 2>/dev/null
}
title() {
	jq -r --arg id "$1" '.hosts[0].addresses[0].checklist[] | select(.id==$id) | .title' <<<"$json" 2>/dev/null
}
is() {  # is WHAT GOT WANTED
	if [ "$2" = "$3" ]; then ok "$1: $2"; else nok "$1: '$2', wanted '$3'"; fi
}
connections() { grep -c 'connection from' "$tmp/fake.log"; }

# ---- opportunistic TLS (the default): the plaintext retry ----------------------

serve ping badtls plain || exit 1
run --report "$tmp/fallback.html"
is "exit status (the TLS failure is a fail)" "$rc" 1
check "the HTML timing picture shows both connections (the retry's too)" \
	'[ "$(grep -c "data-step=\"connect\"" "$tmp/fallback.html")" -eq 2 ] &&
	 [ "$(grep -c "data-step=\"banner\"" "$tmp/fallback.html")" -eq 2 ]'
is "host.starttls stays fail" "$(verdict host.starttls)" fail
is "a second connection was made" "$(connections)" 3
check "the second connection sent no STARTTLS but MAIL FROM" \
	'sed -n "/connection from/h; //!H; \${x;p}" "$tmp/fake.log" | grep -q "C: MAIL FROM" &&
	 ! sed -n "/connection from/h; //!H; \${x;p}" "$tmp/fake.log" | grep -q "C: STARTTLS"'
is "host.rcpt comes from the retry" "$(verdict host.rcpt)" pass
check "host.rcpt says it was without TLS" \
	'[[ $(title host.rcpt) == *"without TLS (after the TLS failure)"* ]]'
is "host.relay from the retry" "$(verdict host.relay)" pass
is "host.quit from the retry" "$(verdict host.quit)" pass
is "host.tls-fallback: mail arrives, unencrypted" "$(verdict host.tls-fallback)" warn
check "host.tls-fallback names RCPT" '[[ $(title host.tls-fallback) == "Without TLS, mail is accepted (RCPT 250 2.1.5)" ]]'
is "JSON tls_fallback.tried" "$(jq -r '.hosts[0].addresses[0].session.tls_fallback.tried' <<<"$json")" true
is "JSON tls_fallback.done" "$(jq -r '.hosts[0].addresses[0].session.tls_fallback.done' <<<"$json")" true
if python3 -c 'import jsonschema' 2>/dev/null; then
	check "the document with a fallback fits docs/mailflow.schema.json" \
		'python3 "$(dirname "$0")/schema_check.py" - <<<"$json"'
fi
is "JSON tls_fallback's own starttls step" "$(jq -r '.hosts[0].addresses[0].session.tls_fallback.steps[] | select(.step=="starttls") | .state' <<<"$json")" skipped
is "JSON steps: starttls is the TLS failure" "$(jq -r '.hosts[0].addresses[0].session.steps[] | select(.step=="starttls") | .reason' <<<"$json")" tls
check "JSON steps: rcpt's detail says without TLS" \
	'jq -r ".hosts[0].addresses[0].session.steps[] | select(.step==\"rcpt\") | .detail" <<<"$json" | grep -qF "without TLS (after the TLS failure)"'
marker="--- retrying without TLS (opportunistic TLS falls back, as sending MTAs do)"
is "the transcript marks the retry" \
	"$(jq -r --argjson n "$(jq '.hosts[0].addresses[0].session.tls_fallback.line_from' <<<"$json")" \
	   '.hosts[0].addresses[0].session.transcript[$n].text' <<<"$json")" "$marker"
check "the retry's lines follow the marker" \
	'jq -r ".hosts[0].addresses[0].session.transcript[].text" <<<"$json" | grep -A2 -F -- "$marker" | grep -q "^220 fallback.test"'

# The text report says the same: no "not reached" after the TLS failure.
serve ping badtls plain || exit 1
text=$(timeout 60 "$MAILFLOW" --batch --dns 127.0.0.1:9 --timeout 5 -s "127.0.0.1:$port" \
	--report "$tmp/r.md" postmaster@fallback.test 2>&1)
check "text report: RCPT accepted without TLS" \
	'grep -qF "RCPT TO accepted: 250 2.1.5, without TLS (after the TLS failure)" <<<"$text"'
check "text report: host.tls-fallback" 'grep -qE "WARN +host.tls-fallback +Without TLS, mail is accepted" <<<"$text"'
check "text report: nothing 'not reached'" '! grep -q "not reached" <<<"$text"'
check "text report: the transcript has the marker" 'grep -qF -- "$marker" <<<"$text"'
check "Markdown report: the retry and its result" \
	'grep -qF -- "$marker" "$tmp/r.md" && grep -qF "Without TLS, mail is accepted" "$tmp/r.md"'

# --quit-after: the retry stops at the same point.
serve ping badtls plain || exit 1
run --quit-after mail
check "--quit-after mail: the retry sends MAIL, then QUIT, no RCPT" \
	'grep -q "C: MAIL FROM" "$tmp/fake.log" && ! grep -q "C: RCPT" "$tmp/fake.log"'
is "--quit-after mail: host.tls-fallback" "$(verdict host.tls-fallback)" warn
is "--quit-after mail: host.mail from the retry" "$(verdict host.mail)" pass

# The retry refused too: mail does not arrive either way.
serve ping badtls nouser || exit 1
run
is "refused without TLS too: host.rcpt" "$(verdict host.rcpt)" fail
is "refused without TLS too: host.tls-fallback" "$(verdict host.tls-fallback)" fail
check "refused without TLS too: named" '[[ $(title host.tls-fallback) == "Without TLS too, rcpt was refused: 550 5.1.1" ]]'

# ---- --tls require: no fallback ------------------------------------------------

serve ping badtls plain || exit 1
run --tls require
is "--tls require: one connection only" "$(connections)" 2
is "--tls require: host.starttls" "$(verdict host.starttls)" fail
is "--tls require: host.tls-fallback" "$(verdict host.tls-fallback)" skip
check "--tls require: said why" '[[ $(title host.tls-fallback) == *"(--tls require)"* ]]'
check "--tls require: host.rcpt says no retry" '[[ $(title host.rcpt) == *"no retry without TLS"* ]]'
is "--tls require: JSON tls_fallback.tried" "$(jq -r '.hosts[0].addresses[0].session.tls_fallback.tried' <<<"$json")" false
is "--tls require: JSON tls_fallback.why_not" "$(jq -r '.hosts[0].addresses[0].session.tls_fallback.why_not' <<<"$json")" policy
if python3 -c 'import jsonschema' 2>/dev/null; then
	check "--tls require: the document fits docs/mailflow.schema.json" \
		'python3 "$(dirname "$0")/schema_check.py" - <<<"$json"'
fi

# ---- implicit TLS: no plaintext to fall back to; the 465 advice ----------------

serve ping implicit || exit 1
run --tls-on-connect
is "implicit TLS: host.starttls" "$(verdict host.starttls)" fail
next=$(jq -r '.hosts[0].addresses[0].checklist[] | select(.id=="host.starttls") | .next' <<<"$json")
check "implicit TLS: the advice is openssl s_client -connect host:port" \
	'[[ $next == *"openssl s_client -connect 127.0.0.1:$port"* && $next != *"-starttls"* ]]'
is "implicit TLS: no retry" "$(connections)" 2
is "implicit TLS: host.tls-fallback" "$(verdict host.tls-fallback)" skip
serve ping badtls plain || exit 1
run --tls require
next=$(jq -r '.hosts[0].addresses[0].checklist[] | select(.id=="host.starttls") | .next' <<<"$json")
check "STARTTLS: the advice is openssl s_client -starttls smtp" \
	'[[ $next == *"openssl s_client -starttls smtp -connect 127.0.0.1:$port"* ]]'

# A run without any TLS failure has no fallback at all.
serve ping nouser || exit 1
run --tls off
is "no TLS failure: JSON tls_fallback" "$(jq -r '.hosts[0].addresses[0].session |
	if has("tls_fallback") then .tls_fallback | tostring else "absent" end' <<<"$json")" null
check "no TLS failure: no host.tls-fallback item" '[ -z "$(verdict host.tls-fallback)" ]'
