#!/usr/bin/env bash
# needs: lab
# DANE with a peer we did not write as the oracle (issue 14): Postfix's
# posttls-finger -l dane against every DANE scenario of the lab
# (tests/lab/dane/setup.sh), through the lab's validating Unbound, its
# outcome as a verdict class (pass: verified by DANE; fail: TLSA that
# matches nothing, or a bogus lookup; warn: DANE not applicable, falls
# back), asserted against the table in tests/lab/README.md; then mailflow's
# host.dane verdict for the same domain must be the same class.
set -u
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
LAB=${MAILFLOW_LAB_DIR:-/tmp/mailflow-lab}
CA=$LAB/tls/ca.crt
ANCHOR=$LAB/dnssec/anchor.key
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# posttls-finger reads libc's resolver and a Postfix main.cf: ours, in a
# private mount namespace, so the machine's /etc/resolv.conf is untouched.
# glibc passes the AD bit on only with trust-ad.
printf 'nameserver 127.0.20.53\noptions trust-ad\n' >"$tmp/resolv.conf"
mkdir "$tmp/pf" && : >"$tmp/pf/main.cf"

# finger DOMAIN: posttls-finger's output.
finger() {
	# shellcheck disable=SC2016  # a script for sh: its $ expand there
	timeout 30 unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf &&
		MAIL_CONFIG="$2" exec /usr/sbin/posttls-finger -c -l dane -P "$3" "$4"' \
		_ "$tmp/resolv.conf" "$tmp/pf" "$LAB/tls" "$1" 2>&1
}
# class OUTPUT: pass, fail or warn (or unknown).
class() {
	if grep -q 'Matched DANE' <<<"$1" && grep -q '^posttls-finger: Verified TLS connection' <<<"$1"; then
		echo pass
	elif grep -qE 'no matching DANE TLSA records|lookup failed|try again' <<<"$1"; then
		echo fail
	elif grep -q 'Untrusted TLS connection established' <<<"$1"; then
		echo warn
	else
		echo unknown
	fi
}

expected="ee pass
ta pass
nomatch fail
cname pass
bogus fail
insecure warn
pkix warn
sha512 pass"

declare -A oracle
while read -r d want; do
	out=$(finger "$d.dane.test")
	got=$(class "$out")
	oracle[$d]=$got
	if [ "$got" = "$want" ]; then ok "posttls-finger: $d.dane.test is $want"
	else nok "posttls-finger: $d.dane.test is $got, wanted $want: $(tr '\n' ' ' <<<"$out" | head -c 600)"; fi
done <<<"$expected"

# Until mailflow validates DNSSEC itself (--dnssec-anchor, issue 14's
# validator), TLSA it cannot validate must never read as DANE: host.dane
# is a skip on every scenario, whatever posttls-finger found, and dns.tlsa
# is no pass (the hand-made DANE-EE compare of before passed ee and sha512).
if ! "$MAILFLOW" --help 2>&1 | grep -q -- --dnssec-anchor; then
	while read -r d _; do
		json=$(timeout 60 "$MAILFLOW" --json --dns 127.0.0.1:5353 --ca-file "$CA" \
			--timeout 5 "$d.dane.test" 2>"$tmp/err")
		got=$(jq -r '[.hosts[].addresses[].checklist[] | select(.id=="host.dane") | .verdict] | first // "none"' \
			<<<"$json" 2>/dev/null)
		tlsa=$(jq -r '[.. | objects | select(.id? == "dns.tlsa") | .verdict] | first // "none"' \
			<<<"$json" 2>/dev/null)
		if [ "$got" = skip ] && [ "$tlsa" != pass ] && [ "$tlsa" != none ]; then
			ok "without DNSSEC validation $d.dane.test's host.dane is skip, dns.tlsa $tlsa"
		else nok "without DNSSEC validation $d.dane.test: host.dane '$got', dns.tlsa '$tlsa': $(head -c 300 "$tmp/err")"; fi
	done <<<"$expected"
	echo "1..$n"
	exit 0
fi
# mailflow's class: the host.dane verdict of the scenario's MX address.
while read -r d _; do
	json=$(timeout 60 "$MAILFLOW" --json --dns 127.0.0.1:5353 --ca-file "$CA" \
		--dnssec-anchor "$ANCHOR" --timeout 5 "$d.dane.test" 2>"$tmp/err")
	got=$(jq -r '[.hosts[].addresses[].checklist[] | select(.id=="host.dane") | .verdict] | first // "none"' \
		<<<"$json" 2>/dev/null)
	if [ "$got" = "${oracle[$d]}" ]; then ok "mailflow agrees with posttls-finger on $d.dane.test: $got"
	else nok "mailflow's host.dane on $d.dane.test is '$got', posttls-finger's is ${oracle[$d]}: $(head -c 300 "$tmp/err")"; fi
done <<<"$expected"
echo "1..$n"
