#!/usr/bin/env bash
# needs: lab
# mailflow --report FILE.md: the Markdown report for a ticket. The nouser
# scenario against a golden file (golden/nouser.md) once everything that
# changes between runs is masked; the verdict summary first; one table row
# per address; server bytes that cannot break the Markdown (no raw ESC, no
# line that could close a transcript's code fence).
#
# MAILFLOW_UPDATE_GOLDEN=1 rewrites the golden file from this run.
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
golden=$here/golden/nouser.md
tmp=$(mktemp -d /tmp/mailflow-report-md.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# No user configuration may change the run; a fixed EHLO name makes the
# transcript the same on every machine.
export XDG_CONFIG_HOME=$tmp/config HOME=$tmp
unset NO_COLOR
opts=(--dns 127.0.0.1:5353 --ca-file "$CA" --banner-timeout 5 --timeout 10
      --helo probe.mailflow.test)

# report NAME INPUT: writes $tmp/NAME.md (and $tmp/NAME.json); sets rc.
report() {
	timeout 60 "$MAILFLOW" --batch "${opts[@]}" --report "$tmp/$1.md" "$2" \
		>/dev/null 2>"$tmp/$1.err"
	rc=$?
	timeout 60 "$MAILFLOW" --json "${opts[@]}" "$2" >"$tmp/$1.json" 2>/dev/null
	if [ -s "$tmp/$1.md" ]; then ok "$2: --report wrote a Markdown file"
	else nok "$2: no Markdown file (exit $rc): $(head -c 300 "$tmp/$1.err")"; fi
}

# Everything that changes between runs: time offsets, milliseconds, dates,
# days to expiry, the local port, the version, Message-IDs, queue ids and
# the Date header of --send.
mask() {
	sed -E \
		-e 's/^\+[0-9]+\.[0-9]{3} /+T.TTT /' \
		-e 's/\b[0-9]+ ms\b/N ms/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?( UTC|Z)?/DATE/g' \
		-e 's/\(-?[0-9]+ days\)/(N days)/g' \
		-e 's/(from [][0-9A-Fa-f.:]*):[0-9]+/\1:PORT/g' \
		-e 's/^(- Report: mailflow )[^,]*,/\1VERSION,/' \
		-e 's/(Message-ID: *<)[^>]*>/\1MSGID>/Ig' \
		-e 's/(queued as )[0-9A-Za-z]+/\1QUEUEID/g' \
		-e 's/( [CS]: Date: ).*/\1DATE/' \
		"$1"
}

# The data rows of the hosts table (after its delimiter row).
table_rows() {
	awk '/^## Hosts$/ { t = 1; next } t && /^## / { exit }
	     t && /^\| ---/ { rows = 1; next } rows && /^\|/ { print }' "$1"
}

# ---- nouser: the golden file ---------------------------------------------
report nouser nobody@nouser.lab.test
if [ "$rc" -eq 1 ]; then ok "nouser: exit 1 (a fail) with --report"
else nok "nouser: exit $rc, wanted 1: $(head -c 300 "$tmp/nouser.err")"; fi
mask "$tmp/nouser.md" >"$tmp/nouser.masked"
if [ "${MAILFLOW_UPDATE_GOLDEN:-}" = 1 ]; then
	mkdir -p "$(dirname "$golden")"
	cp "$tmp/nouser.masked" "$golden"
	echo "# golden file rewritten: $golden"
fi
if diff -u "$golden" "$tmp/nouser.masked" >"$tmp/nouser.diff"; then
	ok "nouser: the report matches golden/nouser.md (masked)"
else
	nok "nouser: the report differs from golden/nouser.md (masked):"
	head -n 40 "$tmp/nouser.diff" | sed 's/^/# /'
fi

# The verdict first: the title, the domain's sentence (the same as JSON's
# summary.text), then the summary in words and the counts.
mapfile -t first < <(grep -v '^[[:space:]]*$' "$tmp/nouser.md" | head -n 4)
if [ "${first[0]:-}" = "# mailflow: nouser.lab.test" ]; then ok "nouser: the first line is the title"
else nok "nouser: first line '${first[0]:-}'"; fi
sentence=$(jq -r '.summary.text' "$tmp/nouser.json" 2>/dev/null)
if [[ -n "$sentence" && "${first[1]:-}" == "$sentence" && "$sentence" == "Mail to nouser.lab.test cannot be delivered: "* ]]; then
	ok "nouser: the report opens with the domain's sentence, as summary.text says it"
else nok "nouser: second line '${first[1]:-}', summary.text '$sentence'"; fi
if [[ "${first[2]:-}" == '**1 failure, 3 warnings**: RCPT TO refused: 550 5.1.1 (mx.nouser.lab.test)' ]]; then
	ok "nouser: then the verdict in words"
else nok "nouser: third line '${first[2]:-}'"; fi
want=$(jq -r '.summary | "- Verdicts: \(.fail) fail, \(.warn) warn, \(.pass) pass, \(.info) info, \(.skip) skip"' \
	"$tmp/nouser.json" 2>/dev/null)
if [[ -n "$want" && "${first[3]:-}" == "$want"* ]]; then ok "nouser: the counts agree with --json"
else nok "nouser: counts '${first[3]:-}', --json says '$want'"; fi
# The sections, in order.
got=$(grep -E '^## ' "$tmp/nouser.md" | tr '\n' ',')
if [ "$got" = "## Hosts,## Failures,## Warnings,## Passed,## Other checks,## Transcripts," ]; then
	ok "nouser: sections in order"
else nok "nouser: sections '$got'"; fi
if grep -qF '**Why:** 550 5.1.1' "$tmp/nouser.md" && grep -qF '**Next:** ' "$tmp/nouser.md" &&
   grep -qF '      S: 550 5.1.1 <nobody@nouser.lab.test>: Recipient address rejected' "$tmp/nouser.md"; then
	ok "nouser: the failure has why, next and its transcript evidence"
else nok "nouser: failure details missing"; fi

# ---- the hosts table: one row per address, nine cells each ----------------
for dom in nouser healthy; do
	[ "$dom" = healthy ] && report healthy healthy.lab.test
	want=$(jq -r '[.hosts[].addresses[].address] | join(" ")' "$tmp/$dom.json" 2>/dev/null)
	got=$(table_rows "$tmp/$dom.md" | awk -F' \\| ' '{ print $4 }' | tr '\n' ' ' | sed 's/ $//')
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		ok "$dom: one table row per address ($want)"
	else nok "$dom: table addresses '$got', --json has '$want'"; fi
	bad=$(table_rows "$tmp/$dom.md" | sed 's/\\|//g' | awk -F'|' 'NF != 11')
	if [ -z "$bad" ]; then ok "$dom: every table row has nine cells"
	else nok "$dom: table rows with a wrong cell count: $bad"; fi
done

# ---- escape: hostile bytes ------------------------------------------------
report escape escape.lab.test
md=$tmp/escape.md
if grep -q $'\x1b' "$md"; then nok "escape: a raw ESC byte in the Markdown"
else ok "escape: no raw ESC byte in the Markdown"; fi
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$md"; then
	nok "escape: control bytes in the Markdown"
else ok "escape: no control byte but newline in the Markdown"; fi
if grep -qF 'S: 220 mx.escape.lab.test \e[2J\e[31mESMTP\e]0;pwned\x07' "$md"; then
	ok "escape: the banner is in the transcript, made visible"
else nok "escape: the sanitized banner is missing"; fi
# Inside "## Transcripts", a line starting with ``` is a fence and nothing
# else: an opening "```text" (or longer), then the same fence closing it;
# every line in between starts with its time offset.
fences=$(awk '
	/^## Transcripts$/ { t = 1; next }
	!t { next }
	!inb && /^```/ { if ($0 !~ /^```+text$/) { print "bad opening: " $0; bad = 1; exit }
	                 fence = substr($0, 1, length($0) - 4); inb = 1; blocks++; next }
	inb && $0 == fence { inb = 0; next }
	inb && /^[[:space:]]*```/ { print "fence-like line inside: " $0; bad = 1; exit }
	inb && $0 !~ /^\+[0-9]+\.[0-9][0-9][0-9] [CSI]: / { print "line without offset: " $0; bad = 1; exit }
	END { if (bad) exit; if (inb) print "unclosed block"; else print "blocks " blocks + 0 }' "$md")
sessions=$(jq '[.hosts[].addresses[] | select(.session != null)] | length' "$tmp/escape.json" 2>/dev/null)
if [ "$fences" = "blocks ${sessions:-?}" ] && [ "${sessions:-0}" -gt 0 ]; then
	ok "escape: one fenced block per session, no line inside can close it"
else nok "escape: transcript blocks: $fences (sessions: ${sessions:-?})"; fi
# Server text in the prose is escaped: no raw '<' or '`' from the server
# outside code (the id in backticks is ours).
# shellcheck disable=SC2016  # backticks in single quotes are meant literally
if awk '/^## Transcripts$/ { exit } /^      / { next } { print }' "$md" |
   sed 's/`[a-z.@-]*`//g' | grep -qE '(^|[^\\])[<`]'; then
	nok "escape: unescaped '<' or '\`' outside the code blocks"
else ok "escape: prose outside code blocks has '<' and '\`' escaped"; fi
