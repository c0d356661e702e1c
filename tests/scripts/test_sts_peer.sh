#!/usr/bin/env bash
# needs: lab
# needs: root
# MTA-STS against a peer we did not write: Debian's postfix-mta-sts-resolver
# (mta-sts-query) fetches the policy of every sts.test domain, and its
# verdict must agree with mailflow's: a valid policy (same mode, max_age
# and mx: patterns) where mailflow fetched one, a fetch error where
# mailflow's dns.mta-sts failed on the policy server, no policy where the
# TXT records rule one out.
#
# mta-sts-query has no option for a DNS server or a CA: it runs in a mount
# namespace of its own (unshare -m) whose /etc/resolv.conf names
# 127.0.21.253 (a small UDP relay to the lab's NSD on 127.0.0.1:5353, since
# c-ares' resolv.conf has no port) and whose /etc/hosts names the lab's
# policy servers (aiohttp resolves with getaddrinfo); SSL_CERT_FILE is the
# lab CA. Nothing of the machine's own is changed.
# check's expressions are single-quoted on purpose (check evaluates them):
# shellcheck disable=SC2016
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/../lab/lib.sh"

query=/usr/bin/mta-sts-query
if [ ! -x "$query" ]; then
	skip "mta-sts-query" "postfix-mta-sts-resolver is not installed (make deps)"
	exit 0
fi
if ! unshare -m true 2>/dev/null; then
	skip "mta-sts-query" "no mount namespaces here (unshare -m)"
	exit 0
fi
tmp=$(mktemp -d)
relay_pid=
cleanup() {
	[ -z "$relay_pid" ] || kill "$relay_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/relay.py" <<'PY'
import socket, sys, threading
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
def answer(data, peer):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(3)
    try:
        u.sendto(data, ("127.0.0.1", 5353))
        s.sendto(u.recv(65535), peer)
    except OSError:
        pass
    finally:
        u.close()
while True:
    data, peer = s.recvfrom(65535)
    threading.Thread(target=answer, args=(data, peer), daemon=True).start()
PY
/usr/bin/python3 "$tmp/relay.py" 127.0.21.253 &
relay_pid=$!
printf 'nameserver 127.0.21.253\noptions timeout:2 attempts:1\n' >"$tmp/resolv.conf"
{ cat /etc/hosts; while read -r addr dom _; do echo "$addr mta-sts.$dom"; done <<<"$(lab_sts_hosts all)"; } \
	>"$tmp/hosts"
sleep 0.3

# mailflow's, the same shape.
ours() {
	timeout 60 "$MAILFLOW" --batch --json --dns 127.0.0.1:5353 --ca-file "$CA" --timeout 2 \
		--no-smtp "$1" 2>/dev/null | jq -r '.domain.sts |
		if .state == "not-tried" then "NONE"
		elif .status == "ok" and .policy.valid then "VALID \(.policy.mode) \(.policy.max_age) \(.policy.mx | join(" "))"
		else "FETCH_ERROR" end'
}
# peer_facts DOMAIN: mta-sts-query's verdict, one line: "VALID mode max_age
# mx...", FETCH_ERROR or NONE.
peer_facts() {
	# shellcheck disable=SC2016
	SSL_CERT_FILE=$CA timeout 60 unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf &&
		mount --bind "$2" /etc/hosts && exec "$3" -v error "$4"' _ \
		"$tmp/resolv.conf" "$tmp/hosts" "$query" "$1" 2>/dev/null | tail -n 1 | /usr/bin/python3 -c '
import re, sys, ast
t = sys.stdin.read()
m = re.search(r"\{.*\}", t)
if not m:
    print(re.search(r"STSFetchResult\.(\w+)", t).group(1) if "STSFetchResult" in t else "NOTHING")
else:
    p = ast.literal_eval(m.group(0))
    print("VALID", p["mode"], p["max_age"], " ".join(p["mx"]))
'
}

for d in enforce missing testing wildcard notfound html redirect wrongcert big stall \
         slow enforcebad nohost badtxt; do
	theirs=$(peer_facts "$d.sts.test")
	mine=$(ours "$d.sts.test")
	check "$d.sts.test: mta-sts-query and mailflow agree ($theirs / $mine)" \
		'[ -n "$mine" ] && [ "$theirs" = "$mine" ]'
done
