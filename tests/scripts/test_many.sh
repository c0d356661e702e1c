#!/usr/bin/env bash
# needs: lab
# Many domains, the JSON schema, the config file and bad input:
# a list of 200 lab domains with bounded concurrency and the right count of
# results; --json/--jsonl documents checked against the schema of README.md
# with jq for every lab scenario (the escape-sequence server included).
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME=$tmp/config      # no user config unless a test writes one
M=("$MAILFLOW" --dns 127.0.0.1:5353 --ca-file "$CA" --banner-timeout 2 --timeout 5)

# docs/mailflow.schema.json (JSON Schema draft 2020-12, python3-jsonschema)
# for the document's shape; the sentence's wording, which a schema cannot
# say, with jq.
here=$(cd "$(dirname "$0")" && pwd)
sentence='.summary.text|test("^(Mail to|The mail servers of|Checking mail to|[^ ]+ accepts no mail)")'
for d in healthy implicit nullmx nxdomain dead silent busy greylist slow openrelay wrongname \
         malformed escape bigline stall inject nodsn auth early oldsmtp; do
	out=$("${M[@]}" --json "$d.lab.test" 2>/dev/null)
	if why=$(python3 "$here/schema_check.py" - <<<"$out") && jq -e "$sentence" >/dev/null 2>&1 <<<"$out"
	then ok "schema: $d.lab.test"
	else nok "schema: $d.lab.test: ${why:-the sentence: $(jq -c .summary.text <<<"$out" 2>&1 | head -c 300)}"; fi
done

# --json with two domains: an array; --jsonl: one document a line.
out=$("${M[@]}" --json healthy.lab.test nouser.lab.test 2>/dev/null)
if jq -e 'type == "array" and length == 2 and (map(.domain.name) | sort) == ["healthy.lab.test","nouser.lab.test"]' \
	>/dev/null <<<"$out"; then ok "--json with two domains: an array of two"
else nok "--json two domains: $(head -c 200 <<<"$out")"; fi

# 200 lab domains (and comments, blank lines and one invalid line).
list=$tmp/domains.txt
{
	echo "# a list of lab domains"
	echo
	i=0
	while [ $i -lt 200 ]; do
		for d in healthy nouser openrelay greylist implicit nodsn early oldsmtp; do
			[ $i -lt 200 ] || break
			echo "postmaster@$d.lab.test   # entry $i"
			i=$((i + 1))
		done
	done
	echo "bad..name.test"
} >"$list"
start=$(date +%s%N)
"${M[@]}" --jsonl --concurrency 10 -f "$list" >"$tmp/out.jsonl" 2>"$tmp/err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
lines=$(wc -l <"$tmp/out.jsonl")
docs=$(jq -c 'select(.domain != null)' "$tmp/out.jsonl" | wc -l)
errs=$(jq -c 'select(.error != null)' "$tmp/out.jsonl" | wc -l)
if [ "$lines" -eq 201 ]; then ok "200 domains + 1 invalid line: 201 JSON lines"; else nok "jsonl lines: $lines"; fi
if [ "$docs" -eq 200 ]; then ok "200 domain documents"; else nok "domain documents: $docs"; fi
if [ "$errs" -eq 1 ] && jq -e -s 'map(select(.error != null)) | .[0].where | endswith("domains.txt:203")' "$tmp/out.jsonl" >/dev/null; then
	ok "the invalid line is reported with its line number"
else nok "invalid line: $(jq -c 'select(.error != null)' "$tmp/out.jsonl")"; fi
if grep -q "domains.txt:203: " "$tmp/err"; then ok "... and on stderr"; else nok "stderr: $(cat "$tmp/err")"; fi
peak=$(sed -n 's/.*at most \([0-9]*\) sessions at once (limit 10).*/\1/p' "$tmp/err")
if [ -n "$peak" ] && [ "$peak" -le 10 ] && [ "$peak" -ge 2 ]; then
	ok "concurrency bounded: at most $peak sessions at once (limit 10)"
else nok "concurrency: '$peak' from $(tail -1 "$tmp/err")"; fi
if [ $rc -eq 1 ]; then ok "exit 1: failures and an invalid line"; else nok "exit $rc"; fi
if jq -e -s 'map(select(.domain != null)) | all(.schema == 1)' "$tmp/out.jsonl" >/dev/null; then
	ok "every line is a whole schema 1 document"
else nok "jsonl documents"; fi
echo "# bench: 200 lab domains, --concurrency 10: $ms ms, at most $peak sessions at once"

# The config file: defaults, overridden by the command line.
mkdir -p "$XDG_CONFIG_HOME/mailflow"
printf '# defaults\nfrom cfg@lab.test\ndns = 127.0.0.1:5353\nno-relay-test\n' >"$XDG_CONFIG_HOME/mailflow/config"
out=$("$MAILFLOW" --json --ca-file "$CA" healthy.lab.test 2>&1)
if jq -e '.options.from == "cfg@lab.test" and .options.dns == "127.0.0.1:5353" and .options.relay_to == ""' >/dev/null <<<"$out" &&
   grep -qF 'MAIL FROM:<cfg@lab.test>' <<<"$out"; then ok "config file: from, dns and no-relay-test applied"
else nok "config file: $(head -c 300 <<<"$out")"; fi
out=$("$MAILFLOW" --json --ca-file "$CA" --from cli@lab.test healthy.lab.test 2>&1)
if jq -e '.options.from == "cli@lab.test"' >/dev/null <<<"$out"; then ok "config file: the command line overrides it"
else nok "override: $(head -c 200 <<<"$out")"; fi
printf 'from cfg@lab.test\nfrobnicate yes\n' >"$XDG_CONFIG_HOME/mailflow/config"
out=$("$MAILFLOW" --json healthy.lab.test 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q "mailflow/config:2: unknown option \"frobnicate\"" <<<"$out"; then
	ok "config file: a bad line is named with file and line, exit 2, no run"
else nok "bad config: $rc $out"; fi
rm -f "$XDG_CONFIG_HOME/mailflow/config"

# Bad input: one clear message, exit 2, no run.
for bad in "--no-such-option" "--concurrency 0" "--concurrency x" "-f $tmp/missing.txt" "--timeout -1"; do
	# shellcheck disable=SC2086
	out=$("$MAILFLOW" --dns 127.0.0.1:5353 $bad healthy.lab.test 2>&1); rc=$?
	if [ $rc -eq 2 ] && [ "$(grep -c '^mailflow: ' <<<"$out")" -eq 1 ] && ! grep -q "Verdict" <<<"$out"; then
		ok "'$bad': exit 2 with one message: $(head -1 <<<"$out")"
	else nok "'$bad': exit $rc: $(head -3 <<<"$out")"; fi
done
