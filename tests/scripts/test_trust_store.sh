#!/usr/bin/env bash
# The system trust store is read as its hashed directory, certificate by
# certificate as chains need them (issue 18, figure 6: the bundle file cost
# 25-35 ms before the first screen): a chain to a CA in that directory
# verifies, one to a CA outside it does not. SSL_CERT_DIR points OpenSSL's
# default directory at a directory made here; fakesmtp on 127.0.10.20 (no lab).
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose.
# shellcheck disable=SC2016
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"

fake=${BUILD:-build/normal}/tests/fakesmtp
if [ ! -x "$fake" ]; then
	skip "trust store" "no $fake (make tests builds it)"
	exit 0
fi
tmp=$(mktemp -d)
fpid=
cleanup() { [ -n "$fpid" ] && kill "$fpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
q() { "$@" >/dev/null 2>&1; }

# A CA, a server certificate it signs, and two directories: one that holds
# the CA under its hash name (as c_rehash and Debian's update-ca-certificates
# write it), one that holds another CA.
q openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=trust-test-ca \
	-keyout "$tmp/ca.key" -out "$tmp/ca.crt"
q openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca \
	-keyout "$tmp/other.key" -out "$tmp/other.crt"
q openssl req -newkey rsa:2048 -nodes -subj /CN=trust.test -keyout "$tmp/srv.key" -out "$tmp/srv.csr"
printf 'subjectAltName=IP:127.0.10.20\n' >"$tmp/ext"
q openssl x509 -req -in "$tmp/srv.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
	-days 2 -extfile "$tmp/ext" -out "$tmp/srv.crt"
mkdir "$tmp/good" "$tmp/bad"
cp "$tmp/ca.crt" "$tmp/good/$(openssl x509 -hash -noout -in "$tmp/ca.crt").0"
cp "$tmp/other.crt" "$tmp/bad/$(openssl x509 -hash -noout -in "$tmp/other.crt").0"

cat >"$tmp/tls.script" <<'EOF2'
send 220 trust.test ESMTP
expect EHLO
send 250-trust.test
send 250 STARTTLS
expect STARTTLS
send 220 go ahead
starttls
expect EHLO
send 250 trust.test
expect QUIT
send 221 bye
EOF2
port=$((20000 + RANDOM % 12000))
"$fake" -l "127.0.10.20:$port" -s "$tmp/tls.script" -c "$tmp/srv.crt" -k "$tmp/srv.key" 2>"$tmp/fake.err" &
fpid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.10.20/$port") 2>/dev/null && break; sleep 0.05; done

chain() {
	SSL_CERT_DIR=$1 "$MAILFLOW" --batch --json -s "127.0.10.20:$port" --quit-after tls \
		--timeout 5 2>"$tmp/err" | jq -r '[.. | objects | select(has("chain_ok")) | .chain_ok][0]'
}
good=$(chain "$tmp/good")
bad=$(chain "$tmp/bad")
check "a chain to a CA in the system's hashed directory verifies (chain_ok $good)" '[ "$good" = true ]'
check "a chain to a CA that is not there does not (chain_ok $bad)" '[ "$bad" = false ]'
# The system's trust store is loaded by the first handshake, not at start
# (figure 6: with SSL_CERT_FILE set OpenSSL parses the whole bundle, 15-20
# ms before the first screen): a run that paints and makes no TLS session
# never opens the bundle; one that does TLS opens it and verifies by it.
if command -v strace >/dev/null; then
	cp "$tmp/ca.crt" "$tmp/bundle.pem"
	SSL_CERT_FILE=$tmp/bundle.pem SSL_CERT_DIR=$tmp/bad TERM=xterm-256color LINES=24 COLUMNS=80 \
		strace -f -qq -e trace=openat -o "$tmp/paint.trace" "$MAILFLOW" --bench-ui 20 \
		>/dev/null 2>&1 </dev/null
	opened=$(grep -c "bundle.pem" "$tmp/paint.trace")
	check "the first screen does not read the trust store (bundle opened $opened times)" \
		'[ -s "$tmp/paint.trace" ] && [ "$opened" = 0 ]'
	SSL_CERT_FILE=$tmp/bundle.pem SSL_CERT_DIR=$tmp/bad strace -f -qq -e trace=openat \
		-o "$tmp/tls.trace" "$MAILFLOW" --batch --json -s "127.0.10.20:$port" --quit-after tls \
		--timeout 5 2>/dev/null | jq -r '[.. | objects | select(has("chain_ok")) | .chain_ok][0]' \
		>"$tmp/lazy"
	lazy=$(cat "$tmp/lazy")
	check "the first handshake loads it and the chain verifies by it (chain_ok $lazy)" \
		'grep -q bundle.pem "$tmp/tls.trace" && [ "$lazy" = true ]'
else
	skip "trust store loaded late" "no strace (make deps installs it)"
fi
echo "1..$n"
