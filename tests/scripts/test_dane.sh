#!/usr/bin/env bash
# needs: lab
# DANE with a peer we did not write as the oracle (issue 14): Postfix's
# posttls-finger -l dane against every DANE scenario of the lab
# (tests/lab/dane/setup.sh), through the lab's validating Unbound, its
# outcome as a verdict class (pass: verified by DANE; fail: TLSA that
# matches nothing, or a bogus lookup; warn: DANE not applicable, falls
# back), asserted against the table in tests/lab/README.md; then mailflow's
# host.dane verdict for the same domain, validated in-process with the
# lab's trust anchor, must be the same class, and dns.dnssec the zone's
# state; without a chain of trust (the default root anchor against the
# lab's NSD, or --no-dnssec) nothing may read as DANE.
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

# mf DNS DOMAIN [OPTION...]: mailflow's JSON document for the domain.
mf() {
	local dns=$1 d=$2
	shift 2
	timeout 60 "$MAILFLOW" --json --dns "$dns" --ca-file "$CA" --timeout 5 "$@" "$d" 2>"$tmp/err"
}
# verdict JSON ID: the first verdict of the item (domain or address).
verdict() { jq -r --arg id "$2" '[.. | objects | select(.id? == $id) | .verdict] | first // "none"' <<<"$1" 2>/dev/null; }

# mailflow validates in-process (libunbound) with the lab's trust anchor,
# the lab's NSD as forwarder: host.dane must be posttls-finger's class on
# every scenario, and dns.dnssec the zone's state.
dnssec_expected="ee pass
ta pass
nomatch pass
cname pass
bogus fail
insecure info
pkix pass
sha512 pass"
declare -A zone
while read -r d want; do zone[$d]=$want; done <<<"$dnssec_expected"
while read -r d _; do
	json=$(mf 127.0.0.1:5353 "$d.dane.test" --dnssec-anchor "$ANCHOR")
	got=$(verdict "$json" host.dane)
	if [ "$got" = "${oracle[$d]}" ]; then ok "mailflow agrees with posttls-finger on $d.dane.test: $got"
	else nok "mailflow's host.dane on $d.dane.test is '$got', posttls-finger's is ${oracle[$d]}: $(head -c 300 "$tmp/err")"; fi
	got=$(verdict "$json" dns.dnssec)
	if [ "$got" = "${zone[$d]}" ]; then ok "dns.dnssec of $d.dane.test is $got"
	else nok "dns.dnssec of $d.dane.test is '$got', wanted ${zone[$d]}: $(jq -c '.domain.mx_dnssec' <<<"$json" 2>&1 | head -c 300)"; fi
done <<<"$expected"

json=$(mf 127.0.0.1:5353 cname.dane.test --dnssec-anchor "$ANCHOR")
check_json() {
	if jq -e "$2" >/dev/null 2>&1 <<<"$json"; then ok "$1"
	else nok "$1: $(jq -c "$3" <<<"$json" 2>&1 | head -c 400)"; fi
}
check_json "cname: TLSA taken at the secure CNAME's target (RFC 7672 2.2.2)" \
	'.hosts[0].dane_tlsa.base == "mx.target.dane.test" and (.hosts[0].dane_tlsa.records | length) == 1' \
	'.hosts[0].dane_tlsa'
check_json "cname: the validator's resolver mode and anchor are in the JSON" \
	".domain.dnssec.resolver == \"forward\" and .domain.dnssec.anchor == \"$ANCHOR\"" '.domain.dnssec'
json=$(mf 127.0.0.1:5353 bogus.dane.test --dnssec-anchor "$ANCHOR")
check_json "bogus: unbound's why_bogus is the MX answer's reason" \
	'.domain.mx_dnssec.status == "bogus" and (.domain.mx_dnssec.why | test("signature expired"))' \
	'.domain.mx_dnssec'

# The same through the lab's validating Unbound as the forwarder (a
# resolver that recurses, as a user's would).
for d in ee nomatch; do
	json=$(mf 127.0.20.53 "$d.dane.test" --dnssec-anchor "$ANCHOR")
	got=$(verdict "$json" host.dane)
	if [ "$got" = "${oracle[$d]}" ]; then ok "via Unbound: mailflow agrees with posttls-finger on $d.dane.test: $got"
	else nok "via Unbound: host.dane on $d.dane.test is '$got', posttls-finger's ${oracle[$d]}: $(jq -c '.domain.dnssec' <<<"$json" 2>&1 | head -c 300)"; fi
done
# A validating resolver answers SERVFAIL for the bogus MX (so no host is
# reached, as posttls-finger's "lookup failed"); the validator, which asks
# with checking disabled, says why: dns.dnssec fails naming the MX.
json=$(mf 127.0.20.53 bogus.dane.test --dnssec-anchor "$ANCHOR")
check_json "via Unbound: bogus.dane.test's MX is SERVFAIL and dns.dnssec fails on it" \
	'.domain.mx.status == "servfail" and ([.domain.checklist[] | select(.id == "dns.dnssec") |
	  select(.verdict == "fail" and (.title | test("MX bogus.dane.test")))] | length) == 1' \
	'[.domain.mx, .domain.mx_dnssec]'

# Nothing validated must never read as DANE: with the default (root)
# anchor the lab's NSD cannot give a chain, and with --no-dnssec nothing
# is asked: host.dane is a skip on every scenario, dns.tlsa no pass, and
# dns.dnssec a skip that says why.
for how in default no-dnssec; do
	opt=(); [ "$how" = no-dnssec ] && opt=(--no-dnssec)
	while read -r d _; do
		json=$(mf 127.0.0.1:5353 "$d.dane.test" "${opt[@]}")
		got=$(verdict "$json" host.dane) tlsa=$(verdict "$json" dns.tlsa)
		dn=$(verdict "$json" dns.dnssec)
		if [ "$got" = skip ] && [ "$tlsa" != pass ] && [ "$tlsa" != none ] && [ "$dn" = skip ]; then
			ok "$how: $d.dane.test not validated: host.dane skip, dns.tlsa $tlsa, dns.dnssec skip"
		else nok "$how: $d.dane.test: host.dane '$got', dns.tlsa '$tlsa', dns.dnssec '$dn': $(head -c 300 "$tmp/err")"; fi
	done <<<"$expected"
done
title=$(jq -r '[.. | objects | select(.id? == "dns.dnssec") | .title] | first' <<<"$json")
if grep -q -- '--no-dnssec' <<<"$title"; then ok "--no-dnssec: dns.dnssec says why ($title)"
else nok "--no-dnssec: dns.dnssec's title is '$title'"; fi

# A malformed trust anchor is a usage error that names the file and line.
printf 'dane.test. IN DNSKEY 257 3 13 not*base64\n' >"$tmp/bad.key"
out=$("$MAILFLOW" --json --dns 127.0.0.1:5353 --dnssec-anchor "$tmp/bad.key" ee.dane.test 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q "bad.key line 1: the key is not base64" <<<"$out"; then
	ok "a malformed anchor: exit 2, the file, the line and the cause"
else nok "a malformed anchor: exit $rc: $(head -c 300 <<<"$out")"; fi
echo "1..$n"
