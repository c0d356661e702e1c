#!/usr/bin/env bash
# needs: root
# A DNS server that limits its rate (issue 18, point 5): an NSD of the
# test's own, with response rate limiting on and small (rrl-ratelimit 50
# answers a second per /24, rrl-slip 2: every other limited answer comes
# truncated, the rest are dropped), serving a generated zone of 300 mail
# domains. With the default --dns-rate mailflow paces itself, asks again
# what was dropped, and no domain is reported as a DNS failure; unpaced
# and with one try (--dns-rate 0 --dns-tries 1) the limiting shows, and is
# reported as "the DNS server is limiting our queries" (status limited, a
# warning), never as a failure.
# It does not use the lab (its own NSD on its own port: no lock needed).
# shellcheck disable=SC2016  # check takes its expression in single quotes: eval expands it
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"

N=${MAILFLOW_RRL_DOMAINS:-300}
RRL=${MAILFLOW_RRL_RATE:-50}
if ! command -v nsd >/dev/null 2>&1 || ! command -v dig >/dev/null 2>&1; then
	skip "a rate-limiting NSD" "nsd or dig is missing (make deps)"
	echo "1..$n"; exit 0
fi
tmp=$(mktemp -d)
nsd_pid=
cleanup() { [ -n "$nsd_pid" ] && kill "$nsd_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export XDG_CONFIG_HOME=$tmp/config      # no user config

# A free port on 127.0.0.1 (UDP and TCP), away from the lab's 5353.
port=
for p in $(seq 5391 5420); do
	if ! ss -Huln "sport = :$p" | grep -q . && ! ss -Htln "sport = :$p" | grep -q .; then
		port=$p; break
	fi
done
[ -n "$port" ] || { nok "a free port for the test's NSD"; echo "1..$n"; exit 1; }

# The zones: N domains, each with its MX host, an address, SPF; PTRs.
{
	printf '$ORIGIN rrl.test.\n$TTL 300\n'
	printf '@ SOA ns.rrl.test. hostmaster.rrl.test. 1 3600 600 86400 300\n'
	printf '@ NS ns.rrl.test.\nns A 127.0.0.1\n'
	for i in $(seq 1 "$N"); do
		printf 'd%d MX 10 mx%d.d%d\nd%d TXT "v=spf1 -all"\nmx%d.d%d A 127.0.54.%d\n' \
			"$i" "$i" "$i" "$i" "$i" "$i" $((i % 250 + 1))
	done
} >"$tmp/rrl.test.zone"
{
	printf '$ORIGIN 54.0.127.in-addr.arpa.\n$TTL 300\n'
	printf '@ SOA ns.rrl.test. hostmaster.rrl.test. 1 3600 600 86400 300\n@ NS ns.rrl.test.\n'
	for i in $(seq 1 250); do printf '%d PTR mx%d.d%d.rrl.test.\n' "$i" "$i" "$i"; done
} >"$tmp/ptr.zone"
cat >"$tmp/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1@$port
    port: $port
    do-ip4: yes
    do-ip6: no
    username: ""
    chroot: ""
    database: ""
    zonesdir: "$tmp"
    zonelistfile: "$tmp/zone.list"
    xfrdfile: "$tmp/xfrd.state"
    xfrdir: "$tmp"
    pidfile: "$tmp/nsd.pid"
    logfile: "$tmp/nsd.log"
    server-count: 1
    verbosity: 1
    # Rate limiting on, and small: what this test is about.
    rrl-ratelimit: $RRL
    rrl-slip: 2
    rrl-whitelist-ratelimit: $RRL
remote-control:
    control-enable: no
zone:
    name: "rrl.test"
    zonefile: "rrl.test.zone"
zone:
    name: "54.0.127.in-addr.arpa"
    zonefile: "ptr.zone"
CONF
nsd -d -c "$tmp/nsd.conf" </dev/null >"$tmp/nsd.out" 2>&1 &
nsd_pid=$!
for _ in $(seq 1 50); do
	dig +short +time=1 +tries=1 -p "$port" @127.0.0.1 d1.rrl.test MX 2>/dev/null | grep -q mx1 && break
	sleep 0.1
done
check "the test's NSD answers on 127.0.0.1:$port" \
	'dig +short +time=1 +tries=1 -p "$port" @127.0.0.1 d1.rrl.test MX | grep -q mx1'
sleep 1.1       # a fresh second for the rate limiter

for i in $(seq 1 "$N"); do echo "d$i.rrl.test"; done >"$tmp/list"
# shellcheck disable=SC2086  # none, or --debug FILE
M=("$MAILFLOW" ${MAILFLOW_RRL_DEBUG:+--debug "$MAILFLOW_RRL_DEBUG"} --no-smtp --jsonl --dns "127.0.0.1:$port" --concurrency 200 -f "$tmp/list")

# A domain reported as a DNS failure: a dns.failure finding, a failed
# verdict, or exit 2 (its MX could not be judged).
failed='select((.exit != 0) or ([.domain.findings[]? | select(.kind == "dns.failure")] | length > 0)
    or ([.. | objects | select(has("verdict")) | select(.verdict == "fail")] | length > 0))'
limited='[.. | objects | select(.status? == "limited")] | length'

start=$(date +%s%N)
"${M[@]}" >"$tmp/paced.jsonl" 2>"$tmp/paced.err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "# bench: $N domains against rrl-ratelimit $RRL, default --dns-rate: $ms ms, exit $rc"
got=$(jq -s length "$tmp/paced.jsonl")
check "paced: a result for each of the $N domains ($got)" '[ "$got" = "$N" ]'
bad=$(jq -c "$failed | .input" "$tmp/paced.jsonl" | wc -l)
check "paced: no domain reported as a DNS failure ($bad)" '[ "$bad" -eq 0 ]'
[ "$bad" -eq 0 ] || jq -c "$failed | [.input, .domain.findings]" "$tmp/paced.jsonl" | head -3 | sed 's/^/# /'
nlim=$(jq -s "[.[] | $limited] | add" "$tmp/paced.jsonl")
check "paced: no lookup left unanswered by the limiting ($nlim)" '[ "$nlim" -eq 0 ]'
echo "# bench: paced: domains $got, dns failures $bad, limited $nlim"
check "paced: exit 0" '[ "$rc" -eq 0 ]'

# Unpaced: the server's limiting must show, and be said as such.
sleep 1.1
# shellcheck disable=SC2086  # the options, split into words on purpose
"${M[@]}" ${MAILFLOW_RRL_UNPACED:---dns-rate 0 --dns-tries 1} >"$tmp/unpaced.jsonl" 2>"$tmp/unpaced.err"
nlim=$(jq -s "[.[] | $limited] | add" "$tmp/unpaced.jsonl")
echo "# bench: unpaced, lookups left unanswered by the limiting: $nlim"
echo "# bench: unpaced: limited $nlim"
check "unpaced: the limiting is detected (lookups with status limited: $nlim)" '[ "$nlim" -gt 0 ]'
nfind=$(jq -s '[.[].domain.findings[]? | select(.kind == "dns.failure")] | length' "$tmp/unpaced.jsonl")
check "unpaced: ...and not reported as a DNS failure ($nfind dns.failure findings)" '[ "$nfind" -eq 0 ]'
nfail=$(jq -s '[.[] | .. | objects | select(has("verdict")) | select(.verdict == "fail")] | length' "$tmp/unpaced.jsonl")
check "unpaced: ...nor as a failed verdict ($nfail)" '[ "$nfail" -eq 0 ]'
words=$(jq -r '.. | objects | select(has("verdict")) | .explanation' "$tmp/unpaced.jsonl" |
	grep -c 'limiting our queries')
check "unpaced: the checklist says the DNS server is limiting our queries ($words)" '[ "$words" -gt 0 ]'

echo "1..$n"
