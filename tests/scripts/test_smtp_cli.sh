#!/usr/bin/env bash
# needs: lab
# The SMTP options of the program against the lab: -s with an address (no
# DNS at all), --bind, -4/-6, --quit-after, --tls, AUTH with the password
# from the environment, and bad values refused before any connection.
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
has()   { if grep -qF -- "$2" <<<"$out"; then ok "$1"; else nok "$1: no '$2' in: $(head -c 3000 <<<"$out")"; fi; }
hasnt() { if grep -qF -- "$2" <<<"$out"; then nok "$1: '$2' found"; else ok "$1"; fi; }
run() { out=$(timeout 60 "$MAILFLOW" "$@" 2>&1); rc=$?; }

# -s with an IP: no DNS server is needed (port 9 would fail any query).
run --dns 127.0.0.1:9 --ca-file "$CA" -s 127.0.0.11 postmaster@healthy.lab.test
if [ $rc -eq 0 ]; then ok "-s 127.0.0.11: exit 0"; else nok "-s IP: exit $rc"; fi
has "-s IP: the session ran to QUIT" "quit      ok"
has "-s IP: TLS verified with the lab CA" "chain verified; name does not match"
has "-s IP: RCPT to the given address" "RCPT TO:<postmaster@healthy.lab.test>"

# -s with a name and a port: A lookup, then the session; name check passes.
run --dns 127.0.0.1:5353 --ca-file "$CA" -s mx1.healthy.lab.test:25 --to postmaster@healthy.lab.test
has "-s NAME:25: certificate name matches the host" "chain verified; name matches"

run --dns 127.0.0.1:5353 --ca-file "$CA" --bind 127.0.0.5 -s 127.0.0.20
has "--bind: the session comes from that address" "from 127.0.0.5:"

run --dns 127.0.0.1:5353 -6 healthy.lab.test
hasnt "-6 on an IPv4-only domain: no session" "Session "

run --dns 127.0.0.1:5353 --ca-file "$CA" --quit-after banner healthy.lab.test
has "--quit-after banner: QUIT after the banner" "--quit-after banner: ending the session here"
hasnt "--quit-after banner: no EHLO" "C: EHLO"

run --dns 127.0.0.1:5353 --tls off healthy.lab.test
hasnt "--tls off: no STARTTLS" "C: STARTTLS"
has "--tls off: said so" "not tried (--tls off)"

MAILFLOW_PASSWORD=wrong-password run --dns 127.0.0.1:5353 --ca-file "$CA" -a nobody auth.lab.test
has "--auth-user: AUTH attempted over TLS" "C: AUTH "
hasnt "--auth-user: the password never appears" "wrong-password"
hasnt "--auth-user: nor its base64" "d3JvbmctcGFzc3dvcmQ"

for bad in "--quit-after data" "--tls maybe" "--port 0" "--timeout x" "-s [::1" "--ca-file /nonexistent/ca.pem"; do
	# shellcheck disable=SC2086
	run --dns 127.0.0.1:5353 $bad healthy.lab.test
	if [ $rc -eq 2 ] && [[ $out == mailflow:* ]] && ! grep -q "Session" <<<"$out"; then
		ok "'$bad' refused before any connection: ${out%%$'\n'*}"
	else nok "'$bad': exit $rc: $(head -3 <<<"$out")"; fi
done
