#!/usr/bin/env bash
# needs: lab
# The hosts table says the same thing everywhere (issue 13, point 1): for
# badtls (expired, self-signed, wrong-name certificates) and demo (eleven
# scenarios) every cell of every address reads the same in JSON
# (hosts[].addresses[].cells), in the Markdown and HTML reports and in
# the text report (ASCII marks), and each JSON cell's verdict is the
# verdict of the checklist item behind it. Times are masked (N ms, N.N s):
# the views come from two runs.
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose.
# shellcheck disable=SC2016
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME=$tmp/config HOME=$tmp
M=("$MAILFLOW" --dns 127.0.0.1:5353 --ca-file "$CA" --banner-timeout 5 --timeout 10)
mask() { sed -E 's/[0-9]+ ms/N ms/g; s/[0-9]+\.[0-9] s/N.N s/g'; }
ascii() { sed 's/✓/+/g; s/✗/x/g; s/–/-/g; s/—/-/g; s/…/*/g'; }

for dom in badtls.lab.test demo.lab.test; do
	"${M[@]}" --json --report "$tmp/$dom.md" "$dom" >"$tmp/$dom.json" 2>/dev/null
	"${M[@]}" --batch --no-transcripts --report "$tmp/$dom.html" "$dom" >"$tmp/$dom.txt" 2>/dev/null
	# One line per address: host, address, then the five cells.
	jq -r '.hosts[] | .name as $h | .addresses[] | select(.cells) |
		[$h, .address, .cells.connect.words, .cells.banner.words, .cells.TLS.words,
		 .cells.RCPT.words, .cells.relay.words] | join("|")' "$tmp/$dom.json" | mask >"$tmp/json.rows"
	rows=$(wc -l <"$tmp/json.rows")
	check "$dom: JSON has the cells of every probed address ($rows)" '[ "$rows" -ge 3 ]'

	# Markdown: | # | pref | host | address | five cells |
	grep -E '^\| [0-9]+ \| [0-9]+ \| ' "$tmp/$dom.md" | awk -F' \\| ' '{print $3"|"$4"|"$5"|"$6"|"$7"|"$8"|"$9}' |
		sed 's/ |$//' | mask >"$tmp/md.rows"
	check "$dom: the Markdown table's cells are the JSON's, word for word" \
		'diff "$tmp/json.rows" "$tmp/md.rows" >"$tmp/md.diff"'
	[ -s "$tmp/md.diff" ] && sed 's/^/# /' "$tmp/md.diff"

	# HTML: the five cells after the verdict cell of each address row.
	tr -d '\n' <"$tmp/$dom.html" | grep -o '<tr class="v-[a-z]*" data-verdict[^>]*>.*\?</tr>' |
		sed 's/<\/tr>/\n/g' | grep 'data-verdict' |
		sed -E 's/<td class="words">.*//; s/<td[^>]*>/|/g; s/<[^>]*>//g; s/^\|//' |
		awk -F'|' 'NF >= 10 {print $3"|"$4"|"$6"|"$7"|"$8"|"$9"|"$10}' |
		sed 's/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g' | mask >"$tmp/html.rows"
	check "$dom: the HTML table's cells are the JSON's" \
		'diff "$tmp/json.rows" "$tmp/html.rows" >"$tmp/html.diff"'
	[ -s "$tmp/html.diff" ] && sed 's/^/# /' "$tmp/html.diff" | head -8

	# Text: each row holds the JSON's words, in ASCII marks, in order.
	bad=""
	while IFS='|' read -r host addr c1 c2 c3 c4 c5; do
		line=$(grep -F " $host " "$tmp/$dom.txt" | grep -F " $addr " | head -1 | mask | tr -s ' ')
		want=$(printf '%s %s %s %s %s' "$c1" "$c2" "$c3" "$c4" "$c5" | ascii | tr -s ' ')
		grep -qF -- "$want" <<<"$line" || bad+=" $host: '$line' wanted '$want';"
	done <"$tmp/json.rows"
	check "$dom: the text report's rows say the same words (ASCII marks)${bad:+:$bad}" '[ -z "$bad" ]'

	# Each cell's verdict is its checklist item's.
	mismatch=$(jq -r '.hosts[] | .name as $h | .addresses[] | select(.cells) | . as $a |
		[["connect","host.connect"],["banner","host.banner"],["RCPT","host.rcpt"],["relay","host.relay"]][] |
		. as [$col, $id] | ($a.cells[$col].verdict) as $v |
		([$a.checklist[] | select(.id == $id) | .verdict][0] // "none") as $iv |
		select($v != "none" and $v != $iv) | "\($h) \($col): cell \($v), item \($iv)"' "$tmp/$dom.json")
	check "$dom: every marked cell has its checklist item's verdict${mismatch:+: $mismatch}" '[ -z "$mismatch" ]'
done

# badtls: what each certificate's cell says, in every view.
tls() { jq -r --arg h "$1" '.hosts[] | select(.name == $h) | .addresses[0].cells.TLS | "\(.words)|\(.verdict)"' "$tmp/badtls.lab.test.json"; }
check "badtls: the expired certificate's cell: 1.3 ✗ expired (fail)" '[ "$(tls mx.expired.lab.test)" = "1.3 ✗ expired|fail" ]'
check "badtls: the self-signed one: 1.3 ! untrusted (warn)" '[ "$(tls mx.selfsigned.lab.test)" = "1.3 ! untrusted|warn" ]'
check "badtls: the wrong name: 1.3 ! wrong name (warn)" '[ "$(tls mx.wrongname.lab.test)" = "1.3 ! wrong name|warn" ]'
check "badtls: the text report says 1.3 x expired" 'grep -q "mx.expired.lab.test .*1\.3 x expired" "$tmp/badtls.lab.test.txt"'
check "badtls: compare counts the certificate classes there are" \
	'grep -q "differ in health (1 expired, 1 untrusted, 1 for another name)" "$tmp/badtls.lab.test.txt"'
check "badtls: the sentence names each certificate's problem" \
	'jq -e ".summary.text | test(\"has expired\") and test(\"not trusted\") and test(\"another host\")" "$tmp/badtls.lab.test.json" >/dev/null'
echo "1..$n"
