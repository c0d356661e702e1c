#!/usr/bin/env bash
# needs: lab
# The program's DNS plan (--no-smtp) against the lab: what it prints, its
# exit status, and bad input refused before any query.
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
has() { if grep -qF -- "$2" <<<"$out"; then ok "$1"; else nok "$1: no '$2' in: $out"; fi; }
run() { out=$("$MAILFLOW" --no-smtp "$@" 2>&1); rc=$?; }

# The lab CA: healthy's MTA-STS policy server has a lab certificate.
run --dns 127.0.0.1:5353 --ca-file "$CA" healthy.lab.test
if [ $rc -eq 0 ]; then ok "healthy: exit 0"; else nok "healthy: exit $rc"; fi
has "healthy: MX 10 first" "1  pref 10    mx1.healthy.lab.test"
has "healthy: MX 20 second" "2  pref 20    mx2.healthy.lab.test"
has "healthy: PTR forward-confirmed" "127.0.0.11                              PTR mx1.healthy.lab.test  (forward-confirmed)"
has "healthy: SPF shown" '"v=spf1 mx -all"'
has "healthy: TLSA shown" "TLSA 3 1 1 "
has "healthy: no findings" "Findings (0)"
has "healthy: the MTA-STS policy fetched" "from 127.0.21.12: ok, HTTP 200 text/plain"
has "healthy: the MTA-STS policy's facts" "mode enforce, max_age 86400, mx: mx1.healthy.lab.test mx2.healthy.lab.test"

run --dns 127.0.0.1:5353 bücher@nullmx.lab.test
has "null MX reported" "mx.null"

run --dns 127.0.0.1:5353 nxdomain.lab.test
if [ $rc -eq 1 ]; then ok "NXDOMAIN is an answer, and a failed check: exit 1"; else nok "nxdomain: exit $rc"; fi
has "NXDOMAIN explained" "does not exist (NXDOMAIN)"

run --dns 127.0.0.1:5353 servfail.test
if [ $rc -eq 2 ]; then ok "SERVFAIL for the MX: exit 2"; else nok "servfail: exit $rc"; fi
has "SERVFAIL named" "MX servfail.test: servfail"

# Port 9 on loopback: nothing listens, so no answer at all.
start=$(date +%s%N)
run --dns 127.0.0.1:9 --dns-timeout 200 --dns-tries 1 healthy.lab.test
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ $rc -eq 2 ]; then ok "no DNS server: exit 2 after $ms ms"; else nok "no DNS server: exit $rc"; fi
if [ $ms -lt 3000 ]; then ok "no DNS server: ends quickly ($ms ms)"; else nok "no DNS server took $ms ms"; fi

for bad in "a..b.test" "exa_mple.test" "-x.test" "localhost" \
            "$(printf 'x%.0s' {1..64}).test" "user@"; do
	run --dns 127.0.0.1:5353 "$bad"
	if [ $rc -eq 2 ] && [[ $out == mailflow:* ]]; then ok "invalid '$bad' refused: ${out%%$'\n'*}"
	else nok "invalid '$bad': exit $rc, $out"; fi
done
run --dns localhost healthy.lab.test
if [ $rc -eq 2 ]; then ok "--dns with a name refused"; else nok "--dns localhost: exit $rc"; fi
run --dns-timeout abc healthy.lab.test
if [ $rc -eq 2 ]; then ok "--dns-timeout abc refused"; else nok "--dns-timeout abc: exit $rc"; fi
