#!/usr/bin/env bash
# needs: lab
# docs/mailflow.schema.json (JSON Schema draft 2020-12) against what the
# program prints: every lab scenario's --json document, a --send run, the
# DNS plan alone (--no-smtp), -s with an address, --json with two domains
# (an array), --jsonl with an invalid line, --explain's two documents (a
# run's with the explain object, the explanation alone); all validated
# with python3-jsonschema (tests/scripts/schema_check.py). And the schema
# says no to documents that break it (each mutation below must fail), so a
# schema that accepts anything cannot pass.
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose, and the variables only it reads are used.
# shellcheck disable=SC2016,SC2034
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/mailflow-schema.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME=$tmp/config HOME=$tmp
M=("$MAILFLOW" --dns 127.0.0.1:5353 --ca-file "$CA" --banner-timeout 3 --timeout 5)
validate() { python3 "$here/schema_check.py" "$@"; }

if ! python3 -c 'import jsonschema' 2>/dev/null; then
	skip "the JSON Schema" "no python3-jsonschema (make deps installs it)"
	exit 0
fi
check "the schema is valid draft 2020-12" \
	'python3 -c "import json, jsonschema; s = json.load(open(\"$here/../../docs/mailflow.schema.json\")); jsonschema.Draft202012Validator.check_schema(s); assert s[\"\$schema\"] == \"https://json-schema.org/draft/2020-12/schema\""'

# Every domain of the lab's zone that has an MX record (and nxdomain).
scenarios=$(awk '($2 == "MX" || $3 == "MX") && $1 ~ /^[a-z0-9-]+$/ { print $1 }' "$here/../lab/zones/lab.test.zone" | sort -u)
scenarios="$scenarios nxdomain"
pids=()
for d in $scenarios; do
	timeout 60 "${M[@]}" --json "$d.lab.test" >"$tmp/$d.json" 2>/dev/null &
	pids+=($!)
	# A few at a time: the lab is shared by all of them.
	if [ ${#pids[@]} -ge 6 ]; then wait "${pids[@]}"; pids=(); fi
done
[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
count=0
for d in $scenarios; do
	count=$((count + 1))
	if out=$(validate "$tmp/$d.json"); then ok "schema: $d.lab.test"
	else nok "schema: $d.lab.test: $(head -c 400 <<<"$out")"; fi
done
check "at least 30 lab scenarios were validated ($count)" '[ "$count" -ge 30 ]'

timeout 60 "${M[@]}" --json --send nobody@nouser.lab.test postmaster@healthy.lab.test \
	>"$tmp/send.json" 2>/dev/null
check "--send with two domains: an array of two documents" \
	'[ "$(jq length "$tmp/send.json")" = 2 ] && [ "$(jq "[.[].hosts[].addresses[].session.steps[] | select(.step == \"data\" and .state == \"ok\")] | length" "$tmp/send.json")" -ge 1 ]'
if out=$(validate "$tmp/send.json"); then ok "schema: --send, an array of two"; else nok "schema: --send: $out"; fi
timeout 60 "${M[@]}" --json --no-smtp healthy.lab.test >"$tmp/nosmtp.json" 2>/dev/null
if out=$(validate "$tmp/nosmtp.json"); then ok "schema: --no-smtp"; else nok "schema: --no-smtp: $out"; fi
timeout 60 "${M[@]}" --json -s 127.0.0.11 >"$tmp/server.json" 2>/dev/null
if out=$(validate "$tmp/server.json"); then ok "schema: -s 127.0.0.11"; else nok "schema: -s: $out"; fi
timeout 60 "${M[@]}" --jsonl healthy.lab.test bad..name.test >"$tmp/lines.jsonl" 2>/dev/null
check "--jsonl: a document and an invalid line" \
	'[ "$(wc -l <"$tmp/lines.jsonl")" -eq 2 ] && grep -q "\"error\":" "$tmp/lines.jsonl"'
if out=$(validate --lines "$tmp/lines.jsonl"); then ok "schema: --jsonl, the invalid line too"
else nok "schema: --jsonl: $out"; fi

# --explain: the explain object in a run's document (nouser.lab.test's MX
# refuses the recipient a Postfix line names), and the document of its own
# (--no-probe, a real Postfix DSN).
timeout 60 "${M[@]}" --json --explain '<ghost@nouser.lab.test>: host mx.nouser.lab.test[127.0.0.17] said: 550 5.1.1 User unknown (in reply to RCPT TO command)' >"$tmp/explain.json" 2>/dev/null
check "--explain --json: the run's document carries explain, now refused at the MX" 	'jq -e ".explain.recipients[0].now | .state == \"refused\" and .remote == \"mx\"" "$tmp/explain.json" >/dev/null'
if out=$(validate "$tmp/explain.json"); then ok "schema: --explain, a run's document"; else nok "schema: --explain: $out"; fi
"$MAILFLOW" --explain "$here/../explain/real/postfix-failed.eml" --no-probe --json >"$tmp/explain-only.json" 2>/dev/null
if out=$(validate "$tmp/explain-only.json"); then ok "schema: --explain --no-probe, the explanation alone"
else nok "schema: --explain --no-probe: $out"; fi
for mu in '.explain.recipients[0].side = "sideways"' '.explain.recipients[0].now.remote = "near"' \
	'del(.explain.recipients[0].permanence)' '.explain.kind = "letter"'; do
	jq -c "$mu" "$tmp/explain.json" >"$tmp/mutant.json"
	if ! validate "$tmp/mutant.json" >/dev/null; then ok "the schema refuses: $mu"
	else nok "the schema accepted: $mu"; fi
done
jq -c '.explain.recipients[0].side = "sideways"' "$tmp/explain-only.json" >"$tmp/mutant.json"
if ! validate "$tmp/mutant.json" >/dev/null; then ok "the schema refuses a bad side in the explanation alone"
else nok "the schema accepted a bad side in the explanation alone"; fi

# What the schema refuses: each mutation of a valid document must fail.
base=$tmp/healthy.json
mutations=(
	'del(.summary.text)'
	'.exit = 5'
	'.schema = 2'
	'.domain.checklist[0].verdict = "failed"'
	'.hosts[0].addresses[0].session.steps |= .[1:]'
	'.hosts[0].addresses[0].session.steps[0].step = "banner"'
	'.hosts[0].addresses[0].session.steps[2].reason = "because"'
	'del(.hosts[0].addresses[0].session.tls.chain_ok)'
	'.hosts[0].addresses[0].session.transcript[0].dir = "X"'
	'.domain.mx.status = "fine"'
	'.hosts[0].addresses[0].family = 5'
	'.hosts[0].pref = "10"'
	'.options.tls = "maybe"'
	'del(.hosts[0].addresses[0].checklist[0].evidence)'
	'.hosts[0].addresses[0].session.dane.state = "matched"'
	'del(.hosts[0].addresses[0].session.dane.usable)'
	'.hosts[0].addresses[0].session.dane.match_depth = -1'
)
for mu in "${mutations[@]}"; do
	jq -c "$mu" "$base" >"$tmp/mutant.json"
	if ! cmp -s <(jq -c . "$base") "$tmp/mutant.json" && ! validate "$tmp/mutant.json" >/dev/null; then
		ok "the schema refuses: $mu"
	else nok "the schema accepted: $mu"; fi
done
