#!/usr/bin/env bash
# needs: lab
# MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) on the lab's sts.test domains:
# the policy fetched from the lab's nginx as a sender fetches it, and the
# verdicts dns.mta-sts, host.mta-sts, host.cert and dns.tls-rpt, the facts
# in JSON, text and Markdown, and hostile policy servers (10 MB, never
# answering) each a clear verdict in time and in bounded memory.
# check's expressions are single-quoted on purpose (check evaluates them),
# and the variables they read are set for them:
# shellcheck disable=SC2016,SC2034
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
	skip "MTA-STS lab" "nginx is not installed (make deps)"
	exit 0
fi

# run DOMAIN [options]: mailflow --json; sets json, ms, rss (KB).
run() {
	local input=$1 t0 t1
	shift
	t0=$(date +%s%N)
	timeout 60 /usr/bin/time -f '%M' -o "$tmp/rss" "$MAILFLOW" --batch --json \
		--dns 127.0.0.1:5353 --ca-file "$CA" --timeout 2 --quit-after tls "$@" "$input" \
		>"$tmp/out.json" 2>"$tmp/err"
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	rss=$(tail -n 1 "$tmp/rss" 2>/dev/null)
	case $rss in ''|*[!0-9]*) rss=0 ;; esac
	json=$(cat "$tmp/out.json")
	scenario=$input
	jq -e '.schema == 1' >/dev/null 2>&1 <<<"$json" ||
		nok "$input: not a schema 1 JSON document: $(head -c 300 <<<"$json") $(cat "$tmp/err")"
}
dom() {   # ID VERDICT
	local got want=$2
	got=$(jq -r --arg id "$1" '.domain.checklist[] | select(.id==$id) | .verdict' <<<"$json")
	check "$scenario: $1 is $2 (got $got: $(jq -r --arg id "$1" '.domain.checklist[] |
		select(.id==$id) | .title' <<<"$json"))" '[ "$got" = "$want" ]'
}
host() {  # ADDR ID VERDICT
	local got want=$3
	got=$(jq -r --arg a "$1" --arg id "$2" '.hosts[].addresses[] | select(.address==$a)
		| .checklist[] | select(.id==$id) | .verdict' <<<"$json")
	check "$scenario: $2 of $1 is $3 (got $got)" '[ "$got" = "$want" ]'
}
sts() {   # JQ-EXPR WHAT: a fact of .domain.sts
	local expr=$1
	check "$scenario: $2" 'jq -e ".domain.sts | $expr" >/dev/null <<<"$json"'
}

# A valid enforce policy naming both MX hosts; TLS-RPT with both URI kinds.
run enforce.sts.test
dom dns.mta-sts pass
dom dns.tls-rpt pass
host 127.0.0.11 host.mta-sts pass
host 127.0.0.12 host.mta-sts pass
sts '.state == "fetched" and .status == "ok" and .http_code == 200 and .content_type == "text/plain"' \
	"fetched: 200 text/plain"
sts '.url == "https://mta-sts.enforce.sts.test/.well-known/mta-sts.txt" and .address == "127.0.21.1"' \
	"the URL, from the address mailflow's own resolver gave"
sts '.policy.valid and .policy.mode == "enforce" and .policy.max_age == 86400 and
	.policy.mx == ["mx1.healthy.lab.test", "mx2.healthy.lab.test"]' "the policy's mode, max_age and mx"
sts '(.certificate.subject | test("mta-sts.enforce.sts.test")) and (.certificate.issuer | test("lab CA"))' \
	"the certificate's facts"
check "enforce: TLS-RPT names where reports go" "jq -e '[.domain.checklist[] | select(.id==\"dns.tls-rpt\")
	| .evidence.facts[]] | index(\"reports to https://tlsrpt.enforce.sts.test/v1\") != null' >/dev/null <<<\"\$json\""
"$MAILFLOW" --batch --dns 127.0.0.1:5353 --ca-file "$CA" --timeout 2 --quit-after tls \
	enforce.sts.test >"$tmp/text" 2>&1
check "enforce: the text report shows the policy" \
	'grep -q "seen: policy: mode enforce, max_age 86400, 2 mx patterns" "$tmp/text"'
"$MAILFLOW" --batch --report "$tmp/md" --dns 127.0.0.1:5353 --ca-file "$CA" --timeout 2 \
	--quit-after tls enforce.sts.test >/dev/null 2>&1
check "enforce: the Markdown report shows the mx patterns" \
	'grep -qF -- "- \`mx: mx1.healthy.lab.test, mx2.healthy.lab.test\`" "$tmp/md"'

# Without the lab CA the policy server's certificate is not trusted: no
# policy applies, so the MX certificate is judged as opportunistic TLS.
json=$(timeout 60 "$MAILFLOW" --batch --json --dns 127.0.0.1:5353 --timeout 2 --quit-after tls \
	enforce.sts.test 2>/dev/null)
scenario="enforce without the lab CA"
dom dns.mta-sts fail
sts '.status == "certificate"' "the policy certificate did not verify"
host 127.0.0.11 host.cert warn
host 127.0.0.11 host.mta-sts skip

run missing.sts.test
dom dns.mta-sts pass
host 127.0.0.11 host.mta-sts pass
host 127.0.0.12 host.mta-sts fail

run testing.sts.test
dom dns.mta-sts info
host 127.0.0.11 host.mta-sts pass
host 127.0.0.30 host.mta-sts warn
host 127.0.0.30 host.cert warn

run enforcebad.sts.test
host 127.0.0.30 host.mta-sts fail
host 127.0.0.30 host.cert fail

run wildcard.sts.test
dom dns.mta-sts pass
host 127.0.0.11 host.mta-sts pass
host 127.0.0.12 host.mta-sts pass
sts '.policy.mx == ["*.healthy.lab.test"]' "the wildcard pattern"

run notfound.sts.test
dom dns.mta-sts fail
sts '.status == "http-status" and .http_code == 404' "404"
host 127.0.0.11 host.mta-sts skip

run html.sts.test
dom dns.mta-sts fail
sts '.status == "content-type" and (.content_type | startswith("text/html"))' "text/html refused"

run redirect.sts.test
dom dns.mta-sts fail
sts '.status == "redirect" and .http_code == 301 and .location == "https://www.sts.test/mta-sts.txt"' \
	"301 not followed"

run wrongcert.sts.test
dom dns.mta-sts fail
sts '.status == "certificate"' "a certificate for another name"

run big.sts.test
dom dns.mta-sts fail
sts '.status == "too-big"' "10 MB: over the size limit"
case ${BUILD:-} in
*asan*) skip "big: peak RSS" "ASan's quarantine holds freed memory" ;;
*) check "big: peak RSS under 64 MB ($rss KB)" '[ "$rss" -gt 0 ] && [ "$rss" -lt 65536 ]' ;;
esac

# Accepts TCP and never answers: the verdict within the session timeout
# (--timeout 2: 8 s), beside the SMTP sessions.
run stall.sts.test
dom dns.mta-sts fail
sts '.status == "timeout"' "a server that never answers: timeout"
check "stall: verdict in $ms ms (under 12 s)" '[ "$ms" -lt 12000 ]'

# One byte a second: the whole fetch's deadline (--session-timeout, 4 x
# --timeout: 8 s) ends it.
run slow.sts.test
dom dns.mta-sts fail
sts '.status == "timeout"' "a slowloris server: timeout"
check "slow: verdict in $ms ms (8 s deadline, under 12 s)" '[ "$ms" -ge 7000 ] && [ "$ms" -lt 12000 ]'

run nohost.sts.test
dom dns.mta-sts fail
sts '.state == "no-address"' "mta-sts.nohost has no address"

run badtxt.sts.test
dom dns.mta-sts fail
dom dns.tls-rpt fail
sts '.state == "not-tried"' "two v=STSv1 records: no fetch (RFC 8461 section 3.1)"

run healthy.lab.test
dom dns.mta-sts pass
host 127.0.0.11 host.mta-sts pass
host 127.0.0.11 host.cert pass

# The run without a policy fetch is not faster than with one: the fetch
# runs beside the SMTP sessions (same MX hosts, equal.lab.test has no
# _mta-sts record).
run enforce.sts.test
with=$ms
run equal.lab.test
without=$ms
check "bench: run time with a policy $with ms, without $without ms (within 1 s)" \
	'[ "$with" -lt $((without + 1000)) ]'

