#!/usr/bin/env bash
# needs: root
# The validator's fallback to full recursion (issue 14): when the system's
# resolvers answer without DNSSEC, libunbound recurses from the root
# itself. Tested in a network namespace this script makes, where the
# address of a.root-servers.net (198.41.0.4) is on its loopback, with a
# real NSD serving a root zone signed here (ldns-signzone, keys made per
# run, the KSK as --dnssec-anchor), and resolv.conf (bind-mounted in a
# private mount namespace) names an NSD on 127.0.0.1 that serves the same
# data unsigned, as a resolver that strips DNSSEC would. Nothing leaves
# the namespace: it has no interface but its own loopback.
set -u
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
for p in nsd ldns-keygen ldns-signzone unshare ip jq; do
	command -v "$p" >/dev/null || { echo "1..0 # SKIP $p is not installed (make deps)"; exit 0; }
done
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

# ---- the zone: the root, with a mail domain in it ------------------------
# (under a top-level name of its own: unbound answers RFC 6761's test. and
# example. itself, never asking the root)
hex=$(printf 'the key of mx.rec.mailflow' | openssl dgst -sha256 -r | cut -d' ' -f1)
cat >"$tmp/root.zone" <<EOF
\$ORIGIN .
\$TTL 300
@ SOA a.root-servers.net. hostmaster.rec.mailflow. 1 3600 600 86400 300
@ NS a.root-servers.net.
a.root-servers.net. A 198.41.0.4
rec.mailflow. MX 10 mx.rec.mailflow.
mx.rec.mailflow. A 127.0.0.25
_25._tcp.mx.rec.mailflow. TLSA 3 1 1 $hex
EOF
(
	cd "$tmp" || exit 1
	ksk=$(ldns-keygen -k -a ECDSAP256SHA256 .) && zsk=$(ldns-keygen -a ECDSAP256SHA256 .) &&
		ldns-signzone -f root.zone.signed root.zone "$ksk" "$zsk" && cp "$ksk.key" anchor.key
) >"$tmp/sign.log" 2>&1 || { nok "ldns could not sign the root zone: $(head -c 300 "$tmp/sign.log")"; echo "1..$n"; exit 0; }

# Every IPv4 root server address libunbound's built-in hints may pick
# (b's old and new), all served by this one NSD: a hint that does not
# answer would only make the first queries wait on the others.
roots="198.41.0.4 199.9.14.201 170.247.170.2 192.33.4.12 199.7.91.13 192.203.230.10
192.5.5.241 192.112.36.4 198.97.190.53 192.36.148.17 192.58.128.30 193.0.14.129
199.7.83.42 202.12.27.33"

# nsd_conf NAME ADDRESS... ZONEFILE: an NSD of its own for the namespace.
nsd_conf() {
	local name=$1 zonefile=${*: -1} a
	mkdir -p "$tmp/$name"
	{
	echo "server:"
	for a in "${@:2:$#-2}"; do echo "    ip-address: $a@53"; done
	cat <<EOF
    do-ip6: no
    username: ""
    chroot: ""
    database: ""
    zonesdir: "$tmp"
    zonelistfile: "$tmp/$name/zone.list"
    xfrdfile: "$tmp/$name/xfrd.state"
    xfrdir: "$tmp/$name"
    pidfile: "$tmp/$name/nsd.pid"
    logfile: "$tmp/$name/nsd.log"
    server-count: 1
    rrl-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: "."
    zonefile: "$zonefile"
EOF
	} >"$tmp/$name/nsd.conf"
}
# shellcheck disable=SC2086  # the addresses, one word each
nsd_conf signed $roots root.zone.signed
nsd_conf stripped 127.0.0.1 root.zone
printf 'nameserver 127.0.0.1\n' >"$tmp/resolv.conf"

# Everything below runs inside the namespaces; its output is the JSON
# documents, one a file. NSD is started and stopped by PID in there.
cat >"$tmp/inside.sh" <<'EOF'
set -u
tmp=$1 mf=$2 roots=$3
ip link set lo up || exit 3
for a in $roots; do ip addr add "$a/32" dev lo || exit 3; done
mount --bind "$tmp/resolv.conf" /etc/resolv.conf || exit 3
nsd -d -c "$tmp/signed/nsd.conf" >"$tmp/signed/out" 2>&1 & p1=$!
nsd -d -c "$tmp/stripped/nsd.conf" >"$tmp/stripped/out" 2>&1 & p2=$!
# Stopped by PID whatever ends this script (timeout's TERM too).
trap 'kill "$p1" "$p2" 2>/dev/null' EXIT
trap 'exit 1' TERM INT
for _ in $(seq 50); do
	dig +time=1 +tries=1 @198.41.0.4 . SOA >/dev/null 2>&1 &&
		dig +time=1 +tries=1 @127.0.0.1 . SOA >/dev/null 2>&1 && break
	sleep 0.1
done
timeout 30 "$mf" --json --no-smtp --dnssec-anchor "$tmp/anchor.key" rec.mailflow \
	>"$tmp/recursion.json" 2>"$tmp/recursion.err"
timeout 30 "$mf" --json --no-smtp --dns 127.0.0.1 --dnssec-anchor "$tmp/anchor.key" rec.mailflow \
	>"$tmp/named.json" 2>"$tmp/named.err"
kill "$p1" "$p2"
wait "$p1" "$p2" 2>/dev/null
trap - EXIT
exit 0
EOF
timeout 90 unshare -n -m bash "$tmp/inside.sh" "$tmp" "$MAILFLOW" "$roots"; rc=$?
if [ $rc -eq 0 ]; then ok "the namespace, its root server and its stripping resolver ran"
else nok "the namespace could not be set up (exit $rc): $(cat "$tmp"/*/out 2>/dev/null | head -c 300)"; fi

# check WHAT FILE JQ
check() {
	if jq -e "$3" "$tmp/$2" >/dev/null 2>&1; then ok "$1"
	else nok "$1: $(jq -c '{dnssec: .domain.dnssec, mx_dnssec: .domain.mx_dnssec, tlsa: .hosts[0].tlsa_dnssec}' "$tmp/$2" 2>&1 | head -c 400) $(head -c 200 "$tmp/${2%.json}.err" 2>/dev/null)"; fi
}
check "the resolver strips DNSSEC: the validator recursed from the root, and says why" recursion.json \
	'.domain.dnssec.resolver == "recursion" and (.domain.dnssec.why | test("no signed DNSKEY"))'
check "by recursion the MX answer is secure" recursion.json '.domain.mx_dnssec.status == "secure"'
check "by recursion the host's address and TLSA are secure, the TLSA kept for DANE" recursion.json \
	'.hosts[0].a_dnssec.status == "secure" and .hosts[0].tlsa_dnssec.status == "secure" and (.hosts[0].dane_tlsa.records | length) == 1'
check "dns.dnssec passes, its evidence names recursion" recursion.json \
	'[.domain.checklist[] | select(.id == "dns.dnssec" and .verdict == "pass") | .evidence.facts[] | select(test("full recursion from the root"))] | length == 1'
check "the plan's own lookups still used the system's resolver (unsigned copy)" recursion.json \
	'.domain.mx.status == "ok" and (.hosts[0].tlsa | length) == 1'
check "servers named with --dns are the only ones asked: no recursion, not validated" named.json \
	'.domain.dnssec.resolver == "unavailable" and .domain.mx_dnssec.status == "unchecked" and
	 ([.domain.checklist[] | select(.id == "dns.dnssec" and .verdict == "skip")] | length) == 1'
echo "1..$n"
