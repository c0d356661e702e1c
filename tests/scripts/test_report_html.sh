#!/usr/bin/env bash
# needs: lab
# --report FILE.html, --metrics and --nagios on lab domains.
#
# HTML: headless Chromium (Debian chromium) renders the report of
# healthy.lab.test and nouser.lab.test to a PNG and to a PDF; its DOM
# (--dump-dom) has a hosts-table row for every address with the verdict
# the JSON document's checklist gives, the failing item with why and next,
# the timing picture with a bar per address and steps in it; the page has
# no script, no URL, and Chromium's net log shows no request beyond the
# file itself. The escape scenario's server bytes reach the page escaped.
#
# Monitoring: `promtool check metrics` (Debian prometheus) accepts the
# exposition of every lab scenario listed and of a list of them; the
# values are the model's (connect time, TLS version, days left); --nagios
# gives OK/WARNING/CRITICAL with the exit status and perfdata.
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose, and the variables only it reads are used.
# shellcheck disable=SC2016,SC2034
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/mailflow-report-html.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME=$tmp/config HOME=$tmp
M=("$MAILFLOW" --dns 127.0.0.1:5353 --ca-file "$CA" --banner-timeout 5 --timeout 10
   --helo probe.mailflow.test)

CHROMIUM=${CHROMIUM:-chromium}
# chrome ARGS...: headless, as root too, no first-run work; its own profile.
chrome() {
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--no-default-browser-check --disable-extensions --disable-background-networking \
		--disable-component-update --disable-sync --user-data-dir="$tmp/profile" "$@"
}

# page_urls NETLOG FILE: the URLs Chromium's net log shows it requested,
# but for FILE itself and Chromium's own background calls to Google (its
# update, time and account checks, which no page causes).
page_urls() {
	grep -oE '"(url|original_url)":"[^"]*"' "$1" 2>/dev/null |
		sed -E 's/^"[a-z_]+":"//; s/"$//' | grep -v "^file://$2\$" |
		grep -vE '^https?://([a-z0-9-]+\.)*(google\.com|googleapis\.com|gstatic\.com)(/|:|$)' |
		sort -u
}

# ---- HTML ------------------------------------------------------------------
report() {      # report NAME INPUT...: $tmp/NAME.html and $tmp/NAME.json
	local name=$1
	shift
	timeout 60 "${M[@]}" --batch --report "$tmp/$name.html" "$@" >/dev/null 2>"$tmp/$name.err"
	rc=$?
	timeout 60 "${M[@]}" --json "$@" >"$tmp/$name.json" 2>/dev/null
}

report healthy healthy.lab.test
check "healthy: --report FILE.html written (exit $rc)" '[ -s "$tmp/healthy.html" ]'
report nouser nobody@nouser.lab.test
check "nouser: exit 1 with --report FILE.html" '[ "$rc" -eq 1 ]'
check "nouser: report mode 0600" '[ "$(stat -c %a "$tmp/nouser.html")" = 600 ]'

if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
	skip "Chromium renders the report" "no $CHROMIUM (make deps installs chromium)"
else
	# The net log check can fail: a page with an image and a style sheet
	# from elsewhere shows both.
	printf '<!DOCTYPE html><img src="http://192.0.2.1/x.png"><link rel="stylesheet" href="https://example.invalid/a.css">\n' \
		>"$tmp/external.html"
	chrome --dump-dom --log-net-log="$tmp/external.netlog" "file://$tmp/external.html" \
		>/dev/null 2>&1
	urls=$(page_urls "$tmp/external.netlog" "$tmp/external.html")
	check "the net log shows a page's external requests (the check below can fail)" \
		'grep -q "^http://192.0.2.1/x.png$" <<<"$urls" && grep -q "^https://example.invalid/a.css$" <<<"$urls"'
	for name in healthy nouser; do
		f=$tmp/$name.html
		chrome --screenshot="$tmp/$name.png" --window-size=1000,1600 "file://$f" \
			>/dev/null 2>"$tmp/$name.chrome.err"
		check "$name: Chromium renders a PNG" \
			'[ "$(head -c 8 "$tmp/$name.png" 2>/dev/null | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a ]'
		chrome --print-to-pdf="$tmp/$name.pdf" --no-pdf-header-footer "file://$f" \
			>/dev/null 2>>"$tmp/$name.chrome.err"
		check "$name: Chromium prints a PDF" \
			'[ "$(head -c 5 "$tmp/$name.pdf" 2>/dev/null)" = "%PDF-" ] && [ "$(stat -c %s "$tmp/$name.pdf")" -gt 10000 ]'
		chrome --dump-dom --log-net-log="$tmp/$name.netlog" "file://$f" \
			>"$tmp/$name.dom" 2>>"$tmp/$name.chrome.err"
		check "$name: --dump-dom gives the page" 'grep -q "<section class=\"domain\"" "$tmp/$name.dom"'

		# Every address of the JSON document has a row whose verdict is the
		# worst of its checklist items there (summary_host's rule).
		jq -r '.hosts[] | .name as $h | .addresses[] |
			[$h, .address, ([.checklist[].verdict] as $v |
			 if any($v[]; . == "pending") then "pending" elif any($v[]; . == "fail") then "fail"
			 elif any($v[]; . == "warn") then "warn" elif any($v[]; . == "pass") then "pass"
			 elif any($v[]; . == "info") then "info" else "skip" end)] | @tsv' \
			"$tmp/$name.json" >"$tmp/$name.want"
		rows=0 bad=
		while IFS=$'\t' read -r host addr verdict; do
			rows=$((rows + 1))
			grep -q "<tr class=\"v-$verdict\" data-verdict=\"$verdict\"><td>[0-9]*</td><td>[0-9]*</td><td>$host</td><td>$addr</td>" \
				"$tmp/$name.dom" || bad="$bad $host/$addr=$verdict"
		done <"$tmp/$name.want"
		check "$name: a hosts row with the right verdict for each of $rows addresses${bad:+ (missing:$bad)}" \
			'[ "$rows" -gt 0 ] && [ -z "$bad" ]'
		check "$name: the timing picture has a bar per address, with its steps" \
			'[ "$(grep -c "<title>[^<]*\[[0-9.]*\]: connect at" "$tmp/$name.dom")" -eq "$rows" ] &&
			 grep -q "data-step=\"ehlo\"" "$tmp/$name.dom"'
		sentence=$(jq -r .summary.text "$tmp/$name.json" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g; s/'"'"'/\&#39;/g')
		check "$name: the domain's sentence opens the page" \
			'grep -qF "<p class=\"sentence v-" "$tmp/$name.dom" && grep -qF "$sentence" "$tmp/$name.dom"'
		check "$name: no script element, no event handler" \
			'! grep -qiE "<script|[[:space:]]on[a-z]+=" "$tmp/$name.dom" "$f"'
		check "$name: no URL in the page (nothing to fetch)" \
			'! grep -qiE "https?:|//[a-z]|url\(|@import|[[:space:]](src|href)=" "$f"'
		urls=$(page_urls "$tmp/$name.netlog" "$f")
		check "$name: Chromium made no request but for the file${urls:+ (also: $(echo "$urls" | head -3 | tr '\n' ' '))}" \
			'[ -s "$tmp/$name.netlog" ] && [ -z "$urls" ]'
	done
	check "nouser: the failing item with why and next" \
		'grep -q "<div class=\"item v-fail\" data-id=\"host.rcpt\"" "$tmp/nouser.dom" &&
		 grep -A3 "data-id=\"host.rcpt\"" "$tmp/nouser.dom" | grep -q "<b>Why:</b>" &&
		 grep -A4 "data-id=\"host.rcpt\"" "$tmp/nouser.dom" | grep -q "<b>Next:</b>"'
	check "nouser: the evidence shows the 550 reply, escaped" \
		'grep -q "S: 550 5.1.1 &lt;nobody@nouser.lab.test&gt;" "$tmp/nouser.dom"'
fi

# A hostile server's bytes: no raw ESC or BEL in the page, the tags intact.
report escape escape.lab.test
check "escape: no raw control byte in the HTML" '! LC_ALL=C grep -q "[[:cntrl:]]" <(tr -d "\n\t" <"$tmp/escape.html")'
check "escape: the escape sequences are shown as text" 'grep -qF "\\e[" "$tmp/escape.html"'

# Two domains: one page, a section each.
report two healthy.lab.test nouser.lab.test
check "two domains: one page with two sections" \
	'[ "$(grep -c "<section class=\"domain\"" "$tmp/two.html")" -eq 2 ] && [ "$(grep -c "<!DOCTYPE" "$tmp/two.html")" -eq 1 ]'

# ---- --metrics ---------------------------------------------------------------
if ! command -v promtool >/dev/null 2>&1; then
	skip "promtool check metrics" "no promtool (make deps installs prometheus)"
else
	for input in healthy.lab.test nobody@nouser.lab.test dead.lab.test openrelay.lab.test \
	             greylist.lab.test wrongname.lab.test escape.lab.test; do
		d=${input#*@}
		d=${d%%.*}
		timeout 60 "${M[@]}" --metrics "$input" >"$tmp/$d.prom" 2>/dev/null
		if out=$(promtool check metrics <"$tmp/$d.prom" 2>&1); then
			ok "metrics: $input passes promtool check metrics"
		else nok "metrics: $input: $(head -c 300 <<<"$out")"; fi
	done
	timeout 90 "${M[@]}" --metrics healthy.lab.test nouser.lab.test dead.lab.test \
		>"$tmp/list.prom" 2>/dev/null
	if out=$(promtool check metrics <"$tmp/list.prom" 2>&1); then
		ok "metrics: a list of three domains passes promtool (one group per family)"
	else nok "metrics: list: $(head -c 300 <<<"$out")"; fi
	check "metrics: one TYPE line per family in a list" \
		'[ "$(grep -c "^# TYPE mailflow_domain_up " "$tmp/list.prom")" -eq 1 ] &&
		 [ "$(grep -c "^mailflow_domain_up{" "$tmp/list.prom")" -eq 3 ]'
fi
p=$tmp/healthy.prom
check "metrics: healthy is up, exit status 0" \
	'grep -qx "mailflow_domain_up{domain=\"healthy.lab.test\"} 1" "$p" && grep -qx "mailflow_domain_exit_status{domain=\"healthy.lab.test\"} 0" "$p"'
check "metrics: both healthy hosts up, with a connect duration" \
	'[ "$(grep -c "^mailflow_host_up{.*} 1$" "$p")" -eq 2 ] &&
	 [ "$(grep -c "^mailflow_host_step_duration_seconds{.*step=\"connect\"} " "$p")" -eq 2 ]'
# The certificate's expiry: the JSON document's not_after, as Unix time.
na=$(jq -r '.hosts[] | select(.name == "mx1.healthy.lab.test") | .addresses[0].session.tls.not_after' "$tmp/healthy.json")
exp=$(date -u -d "${na% UTC}Z" +%s 2>/dev/null)
check "metrics: TLS 1.3 and the certificate's expiry for mx1 ($na)" \
	'grep -q "^mailflow_host_tls_version{domain=\"healthy.lab.test\",host=\"mx1.healthy.lab.test\",address=\"127.0.0.11\"} 1.3$" "$p" &&
	 grep -qx "mailflow_host_certificate_expiry_timestamp_seconds{domain=\"healthy.lab.test\",host=\"mx1.healthy.lab.test\",address=\"127.0.0.11\"} $exp" "$p" &&
	 grep -qE "^mailflow_host_certificate_seconds_left\{[^}]*host=\"mx1.healthy.lab.test\"[^}]*\} [0-9]+$" "$p"'
check "metrics: verdict counts add up to the JSON document's" \
	'[ "$(awk "/^mailflow_domain_checks\\{/ { s += \$2 } END { print s }" "$p")" -eq "$(jq "[.summary | .pass, .warn, .fail, .info, .skip, .pending] | add" "$tmp/healthy.json")" ]'
check "metrics: dead.lab.test's host is down, the domain has a fail" \
	'grep -q "^mailflow_host_up{domain=\"dead.lab.test\".*} 0$" "$tmp/dead.prom" &&
	 grep -qx "mailflow_domain_exit_status{domain=\"dead.lab.test\"} 1" "$tmp/dead.prom"'
check "metrics: nouser's RCPT reply code is 550" \
	'grep -q "^mailflow_host_step_reply_code{domain=\"nouser.lab.test\".*step=\"rcpt\"} 550$" "$tmp/nouser.prom"'

# ---- --nagios ------------------------------------------------------------------
nagios() {      # nagios INPUT...: sets out and rc
	out=$(timeout 60 "${M[@]}" --nagios "$@" 2>/dev/null)
	rc=$?
}
nagios nobody@nouser.lab.test
check "nagios: nouser is CRITICAL, exit 2" \
	'[ "$rc" -eq 2 ] && [[ $(head -n 1 <<<"$out") == "MAILFLOW CRITICAL - Mail to nouser.lab.test "* ]]'
check "nagios: one status line with perfdata" \
	'[ "$(wc -l <<<"$out")" -eq 1 ] && grep -qE "\| .*'"'"'fail'"'"'=1;;;0 .*'"'"'dns'"'"'=[0-9.]+s;;;0" <<<"$out"'
want=$(jq -r 'if .summary.fail > 0 then "2 CRITICAL" elif .summary.warn > 0 then "1 WARNING" else "0 OK" end' "$tmp/healthy.json")
nagios healthy.lab.test
check "nagios: healthy is ${want#* } (exit ${want% *}), as its verdicts say" \
	'[ "$rc" -eq "${want% *}" ] && [[ $out == "MAILFLOW ${want#* } - "* ]]'
nagios healthy.lab.test nobody@nouser.lab.test
check "nagios: a list: the worst (CRITICAL), a summary line, one line a domain after it" \
	'[ "$rc" -eq 2 ] && [[ $(head -n 1 <<<"$out") == "MAILFLOW CRITICAL - 2 domains: 1 critical, "* ]] &&
	 [ "$(wc -l <<<"$out")" -eq 3 ] && grep -q "'"'"'nouser.lab.test_fail'"'"'=1;;;0" <<<"$out"'
