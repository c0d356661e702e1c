#!/usr/bin/env bash
# --report FILE (Markdown or HTML) as a file: created mode 0600 whatever
# the umask, an existing report replaced atomically (a hard link to the old
# one keeps the old bytes: rename, not truncate), no temporary file left;
# a directory, a missing directory or one that cannot be written is a
# clear error before any probing starts (the --debug trace shows no
# domain started). --nagios when the run cannot be made: UNKNOWN (3) with
# a status line. No lab: DNS goes to a loopback port nobody answers.
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose, and the variables only it reads are used.
# shellcheck disable=SC2016,SC2034
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/mailflow-report-file.XXXXXX)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME=$tmp/config HOME=$tmp
# No DNS answer, quickly: exit 2 (not judged), the report still written.
M=("$MAILFLOW" --batch --dns 127.0.0.1:9 --dns-timeout 200 --dns-tries 1)

for ext in html md; do
	f=$tmp/report.$ext
	echo "the old report" >"$f"
	chmod 644 "$f"
	ln "$f" "$tmp/old.$ext"
	(umask 000; timeout 30 "${M[@]}" --report "$f" example.com >/dev/null 2>"$tmp/err")
	rc=$?
	check "$ext: a run without DNS answer exits 2 and writes the report" \
		'[ "$rc" -eq 2 ] && grep -q "example.com" "$f"'
	check "$ext: the report is mode 0600 (umask 000, old file 0644)" '[ "$(stat -c %a "$f")" = 600 ]'
	check "$ext: the old report was replaced, not rewritten (its hard link keeps it)" \
		'[ "$(cat "$tmp/old.$ext")" = "the old report" ] && [ "$(stat -c %i "$f")" != "$(stat -c %i "$tmp/old.$ext")" ]'
	check "$ext: no temporary file left beside it" '[ -z "$(find "$tmp" -maxdepth 1 -name ".report.*")" ]'
done
check "html: the .html report is HTML, the .md one Markdown" \
	'head -n 1 "$tmp/report.html" | grep -qx "<!DOCTYPE html>" && head -n 1 "$tmp/report.md" | grep -q "^# mailflow: "'

# refused WHAT PATH PATTERN: exit 2, the message, no domain started, no file.
refused() {
	want=$3
	rm -f "$tmp/trace"
	out=$(timeout 30 "${M[@]}" --debug "$tmp/trace" --report "$2" example.com 2>&1 >/dev/null)
	rc=$?
	check "$1: exit 2 with a clear message ($out)" \
		'[ "$rc" -eq 2 ] && grep -qE "^mailflow: --report .*$want" <<<"$out" && [ "$(wc -l <<<"$out")" -eq 1 ]'
	check "$1: refused before any probing (no domain started)" \
		'[ -s "$tmp/trace" ] && ! grep -q "batch: example.com .* started" "$tmp/trace"'
}
mkdir "$tmp/dir.html"
refused "a directory" "$tmp/dir.html" "is a directory"
refused "a missing directory" "$tmp/nowhere/r.html" "No such file or directory"
refused "a file as the directory" "$tmp/report.md/r.html" "is not a directory"
if [ "$(id -u)" -ne 0 ]; then
	mkdir "$tmp/ro"
	chmod 555 "$tmp/ro"
	refused "a directory that cannot be written" "$tmp/ro/r.html" "cannot write in"
else
	# Root writes anywhere a mode forbids; /proc refuses files to anyone.
	refused "a directory that cannot be written" "/proc/mailflow-report.html" "cannot write in"
fi
check "nothing was created by the refused runs" \
	'[ ! -e "$tmp/dir.html/r.html" ] && [ -z "$(find "$tmp" -name ".r.html.*")" ]'
# The trace shows a domain starting when the report is fine (the check
# above can fail).
timeout 30 "${M[@]}" --debug "$tmp/trace" --report "$tmp/ok.html" example.com >/dev/null 2>&1
check "a writable report: the domain starts" 'grep -q "batch: example.com .* started" "$tmp/trace"'

# --nagios: UNKNOWN when not judged, or not run at all.
out=$(timeout 30 "${M[@]}" --nagios example.com 2>/dev/null); rc=$?
check "nagios: no DNS answer is UNKNOWN, exit 3" \
	'[ "$rc" -eq 3 ] && [[ $out == "MAILFLOW UNKNOWN - Mail to example.com "*" | "*"'"'"'dns'"'"'="* ]]'
out=$(timeout 30 "${M[@]}" --nagios 'bad..name' 2>/dev/null); rc=$?
check "nagios: an invalid input is UNKNOWN, exit 3, with a status line" \
	'[ "$rc" -eq 3 ] && [[ $out == "MAILFLOW UNKNOWN - "* ]]'
out=$(timeout 30 "${M[@]}" --nagios --report "$tmp/dir.html" example.com 2>/dev/null); rc=$?
check "nagios: a report that cannot be written is UNKNOWN, exit 3" \
	'[ "$rc" -eq 3 ] && [[ $out == "MAILFLOW UNKNOWN - --report "*"is a directory"* ]]'
out=$(timeout 30 "${M[@]}" 'bad..name' 2>/dev/null); rc=$?
check "without --nagios the invalid input still exits 2" '[ "$rc" -eq 2 ]'
out=$(timeout 30 "${M[@]}" --nagios --no-such-option example.com 2>/dev/null); rc=$?
check "nagios: a bad option is UNKNOWN, exit 3, with a status line" \
	'[ "$rc" -eq 3 ] && [[ $out == "MAILFLOW UNKNOWN - unknown option"* ]]'
out=$(timeout 30 "${M[@]}" --no-such-option example.com 2>/dev/null); rc=$?
check "without --nagios a bad option still exits 2" '[ "$rc" -eq 2 ] && [ -z "$out" ]'
