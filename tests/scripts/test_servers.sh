#!/usr/bin/env bash
# needs: root
# Issue 12's real servers, each with its own configuration on its own
# loopback address (tests/lab/servers: Exim 4.96 on 127.0.9.1/.4/.5,
# OpenSMTPD 6.8 on .2, aiosmtpd 1.4 on .3; make deps unpacks and installs
# them): mailflow's verdict and explanation for each real reply, read in
# the context of the command it answers.  2xx pass, 4xx warn, 5xx fail.
# The suite starts the servers itself and stops exactly them (by the PIDs
# it recorded) when it ends.  No lab DNS: every run is -s ADDRESS.
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
SRV=$(cd "$(dirname "$0")/../lab/servers" && pwd)
# The lab's one AUTH user, which the servers' start gives Exim and aiosmtpd.
read -r LAB_AUTH_USER LAB_AUTH_PASSWORD < <(
	# shellcheck source=tests/lab/lib.sh
	. "$SRV/../lib.sh"
	echo "$LAB_AUTH_USER $LAB_AUTH_PASSWORD")

dir=$(mktemp -d /tmp/mailflow-servers.XXXXXX)
cleanup() {
	bash "$SRV/stop" "$dir" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT
start_out=$(bash "$SRV/start" "$dir" 2>&1)
start_rc=$?
if [ $start_rc -ne 0 ]; then
	# 2: this machine lacks them (make deps); CI must run everything.
	if [ $start_rc -eq 2 ] && [ "${CI:-}" != true ]; then
		skip "Exim, OpenSMTPD, aiosmtpd" "$start_out"
	else
		nok "the servers start: exit $start_rc: $start_out"
	fi
	exit 0
fi
ok "Exim, OpenSMTPD and aiosmtpd start and greet"
CERT=$dir/tls/ca.crt

# mf ARGS...: one batch run, its JSON document in $json, its exit in $rc.
mf() { json=$(timeout 30 "$MAILFLOW" --json "$@" 2>/dev/null); rc=$?; }
# field ID FIELD: that checklist item's field, of the (only) address.
field() {
	jq -r --arg id "$1" --arg f "$2" \
		'[.hosts[].addresses[].checklist[] | select(.id == $id)][0][$f] // ""' <<<"$json"
}
# is WHAT ID VERDICT [FIELD WORDS]...: the item has that verdict, and each
# FIELD (explanation, next, title, code, enhanced) holds its WORDS (any case).
is() {
	local what=$1 id=$2 want=$3 got f w v
	shift 3
	got=$(field "$id" verdict)
	if [ "$got" != "$want" ]; then
		nok "$what: $id is '$got', not '$want': $(field "$id" title) / $(field "$id" explanation)"
		return
	fi
	while [ $# -ge 2 ]; do
		f=$1 w=$2
		shift 2
		v=$(field "$id" "$f")
		if ! grep -qiF -- "$w" <<<"$v"; then
			nok "$what: $id $f lacks '$w': $v"
			return
		fi
	done
	ok "$what: $id $want"
}
# lacks WHAT ID FIELD WORDS: the field does not say WORDS (any case).
lacks() {
	local v
	v=$(field "$2" "$3")
	if grep -qiF -- "$4" <<<"$v"; then nok "$1: $2 $3 says '$4': $v"; else ok "$1"; fi
}
exit_is() { if [ "$rc" -eq "$2" ]; then ok "$1: exit $2"; else nok "$1: exit $rc, not $2"; fi; }

# ---- Exim 4.96, the MX on 127.0.9.1 ----
MAILFLOW_PASSWORD=$LAB_AUTH_PASSWORD mf -s 127.0.9.1 --ca-file "$CERT" -a "$LAB_AUTH_USER" postmaster@exim.lab.test
exit_is "Exim, STARTTLS and AUTH" 0
is "Exim banner" host.banner pass code 220
is "Exim EHLO: the extensions, not RCPT or relaying" host.ehlo pass explanation extensions
lacks "Exim EHLO is not explained as RCPT" host.ehlo explanation RCPT
lacks "Exim EHLO is not explained as relaying" host.ehlo explanation relay
is "Exim STARTTLS (its self-signed certificate trusted)" host.starttls pass title TLSv1
is "Exim certificate" host.cert pass
is "Exim 235 Authentication succeeded" host.auth pass code 235 explanation "accepted the user name and password"
lacks "Exim's 235 is a success, not a policy block" host.auth explanation blocked
is "Exim relays for the authenticated user" host.relay info explanation "after AUTH"

MAILFLOW_PASSWORD=wrong-password mf -s 127.0.9.1 --ca-file "$CERT" -a "$LAB_AUTH_USER" postmaster@exim.lab.test
is "Exim 535 Incorrect authentication data" host.auth fail code 535 explanation password
exit_is "Exim, a wrong password" 1

mf -s 127.0.9.1 --tls off nobody@exim.lab.test
is "Exim 550 Unrouteable address" host.rcpt fail code 550 explanation "no such recipient" explanation permanent
is "Exim 550 relay not permitted" host.relay pass explanation "refuses to pass mail"
exit_is "Exim, an unknown user" 1

mf -s 127.0.9.1 --tls off greylist@exim.lab.test
is "Exim 451 4.7.1 from an ACL's defer" host.rcpt warn enhanced 4.7.1 explanation temporary next retry
exit_is "Exim, a deferred recipient (4xx is no failure)" 0

mf -s 127.0.9.1 --tls off --send postmaster@exim.lab.test
is "Exim takes a message (queue_only)" host.data pass code 250 explanation queued

# RFC 6066: no SNI for an address.  Exim logs the SNI a client sent on the
# message's "<=" line (log_selector +tls_sni); swaks, which sends one, shows
# that it would be seen.
mf -s 127.0.9.1 --ca-file "$CERT" --send postmaster@exim.lab.test
swaks -s 127.0.9.1 --tls --tls-sni mx.exim.lab.test -t postmaster@exim.lab.test >/dev/null 2>&1
arrivals=$(grep -F ' <= ' "$dir/exim-log/mainlog" 2>/dev/null)
if grep -F 'P=esmtps' <<<"$arrivals" | grep -F 'H=(mailflow' | grep -qvF 'SNI='; then
	if grep -qF 'SNI=mx.exim.lab.test' <<<"$arrivals"; then
		ok "-s IP: no SNI sent over TLS (Exim logs swaks' but none from mailflow)"
	else nok "Exim logs no SNI even from swaks: $arrivals"; fi
else nok "-s IP: Exim saw an SNI or no TLS message from mailflow: $arrivals"; fi

# ---- Exim, the submission-like listener on 127.0.9.4 ----
mf -s 127.0.9.4 --tls off postmaster@exim.lab.test
is "Exim 530 5.7.0 Authentication required at MAIL" host.mail fail code 530 enhanced 5.7.0 \
	explanation "log in" next "-a"
lacks "Exim's 530 at MAIL is not the STARTTLS text" host.mail explanation STARTTLS
exit_is "Exim, MAIL without AUTH" 1

MAILFLOW_PASSWORD=$LAB_AUTH_PASSWORD mf -s 127.0.9.4 --ca-file "$CERT" -a "$LAB_AUTH_USER" postmaster@exim.lab.test
is "Exim submission: AUTH after STARTTLS" host.auth pass code 235
is "Exim submission: MAIL after AUTH" host.mail pass code 250

# AUTH only after STARTTLS, and --tls off: the advice is to start TLS.
MAILFLOW_PASSWORD=$LAB_AUTH_PASSWORD mf -s 127.0.9.4 --tls off -a "$LAB_AUTH_USER" --allow-plaintext-auth postmaster@exim.lab.test
is "Exim offers AUTH only after STARTTLS, with --tls off" host.auth warn title "start TLS first" next "drop --tls off"
lacks "Exim's AUTH after STARTTLS: not 'use port 587'" host.auth next 587

# ---- Exim, one connection per address on 127.0.9.5 ----
# Hold one connection; mailflow's is the second and gets Exim's own 421.
if exec {hold}<>/dev/tcp/127.0.9.5/25 && read -r -t 2 banner <&"$hold" && [[ $banner == 220* ]]; then
	mf -s 127.0.9.5 --tls off postmaster@exim.lab.test
	is "Exim 421 Too many concurrent SMTP connections: temporary" host.banner warn code 421 \
		explanation "retry later" explanation connections
	exit_is "Exim, 421 at the greeting (4xx is no failure)" 0
	printf 'QUIT\r\n' >&"$hold"
	exec {hold}>&-
else
	nok "a first connection to 127.0.9.5 is greeted: '${banner:-}'"
fi

# ---- OpenSMTPD 6.8 on 127.0.9.2 ----
mf -s 127.0.9.2 --tls off nobody@opensmtpd.lab.test
is "OpenSMTPD 524 5.2.4 for an unknown virtual user" host.rcpt fail code 524 enhanced 5.2.4 \
	explanation "user does not exist" next "virtual table"
is "OpenSMTPD 550 Invalid recipient for an outside domain" host.relay pass explanation "refuses to pass mail"
exit_is "OpenSMTPD, an unknown user" 1

mf -s 127.0.9.2 --tls off nosuchuser@local.opensmtpd.lab.test
is "OpenSMTPD 550 Invalid recipient for an unknown system user" host.rcpt fail code 550 \
	explanation "no such recipient"

mf -s 127.0.9.2 --tls off --send postmaster@opensmtpd.lab.test
is "OpenSMTPD takes mail for a known virtual user" host.rcpt pass code 250
is "OpenSMTPD takes the message" host.data pass code 250

# Debian 12's OpenSMTPD 6.8 fails every TLS handshake with OpenSSL 3
# (OpenSMTPD issue #1171): a real server's real failure.
mf -s 127.0.9.2 --ca-file "$CERT" postmaster@opensmtpd.lab.test
is "OpenSMTPD's failing TLS handshake (after 220 2.0.0)" host.starttls fail explanation handshake
exit_is "OpenSMTPD, a failed STARTTLS" 1

# ---- aiosmtpd 1.4 on 127.0.9.3 ----
mf -s 127.0.9.3 --send postmaster@aiosmtpd.lab.test
is "aiosmtpd 552 Error: Too much mail data: a size limit" host.data fail code 552 \
	explanation larger next SIZE
lacks "aiosmtpd's 552 is not a rate limit" host.data explanation rate
is "aiosmtpd takes any outside recipient: an open relay" host.relay fail title "open relay"
is "aiosmtpd offers no STARTTLS" host.starttls warn title "not offered"

MAILFLOW_PASSWORD=$LAB_AUTH_PASSWORD mf -s 127.0.9.3 -a "$LAB_AUTH_USER" --allow-plaintext-auth postmaster@aiosmtpd.lab.test
is "aiosmtpd 235 2.7.0 Authentication successful" host.auth pass code 235 enhanced 2.7.0 \
	explanation "accepted the user name and password"
lacks "aiosmtpd's 2.7.0 is a success, not a policy block" host.auth explanation "security or policy"

MAILFLOW_PASSWORD=wrong-password mf -s 127.0.9.3 -a "$LAB_AUTH_USER" --allow-plaintext-auth postmaster@aiosmtpd.lab.test
is "aiosmtpd 535 5.7.8 Authentication credentials invalid" host.auth fail code 535 enhanced 5.7.8 \
	explanation password

MAILFLOW_PASSWORD=$LAB_AUTH_PASSWORD mf -s 127.0.9.3 -a "$LAB_AUTH_USER" postmaster@aiosmtpd.lab.test
is "aiosmtpd: no credentials without TLS unless allowed" host.auth warn title "no TLS" next "--allow-plaintext-auth"

# ---- stop: exactly the recorded processes, and nothing left listening ----
bash "$SRV/stop" "$dir" >/dev/null 2>&1
left=$(ss -Hltn 2>/dev/null | grep -E '127\.0\.9\.[1-5]:25 ' || true)
if [ -z "$left" ]; then ok "stop leaves nothing on 127.0.9.1-5:25"; else nok "still listening after stop: $left"; fi
