#!/usr/bin/env bash
# needs: lab
# The TUI end to end, driven by tmux (send-keys, capture-pane) on the lab:
# the hosts table and checklist fill in, navigation, Enter, help, search,
# save, re-run, resize to 80x24 and 60x20, a server sending escape
# sequences, every theme, NO_COLOR and an 8-colour terminal, and quit.
set -u
# shellcheck source=tests/scripts/tmux_lib.sh
. "$(dirname "$0")/tmux_lib.sh"

# Each waits up to 5 s for the screen to say it (or stop saying it).
expect_screen() {  # DESCRIPTION TEXT
	if wait_for "$2" 5; then ok "$1"; else nok "$1: no '$2' on: $(cap | head -40)"; fi
}
expect_not() {
	if wait_gone "$2" 5; then ok "$1"; else nok "$1: '$2' is on the screen"; fi
}

# --- the healthy domain at 100x30 -----------------------------------------
start 100 30 -- postmaster@healthy.lab.test
if wait_for " done" 15; then ok "healthy: the run finishes and the header says done"
else nok "healthy: never finished: $(cap)"; fi
expect_screen "header names the domain and its MX count" "healthy.lab.test  2 MX"
expect_screen "hosts table: mx1 with its address" "mx1.healthy.lab.test"
expect_screen "hosts table: mx2 with its address" "127.0.0.12"
expect_screen "hosts table: banner and relay columns filled" "220      1.3      250   550"
expect_screen "domain row shows the DNS verdicts" "DNS MX ✓  SPF ✓"
expect_screen "checklist of the DNS row" "MX records: 2 hosts"
expect_screen "key bar" "q quit  Tab pane"

keys Down
expect_screen "Down selects mx1: its transcript" "Transcript─mx1.healthy.lab.test [127.0.0.11]"
expect_screen "mx1's transcript shows the relay refusal" "550 5.7.1 <mailflow-relay-test@example.com>"
expect_screen "mx1's checklist" "Relay refused: 550 5.7.1"
keys Tab Tab Home
expect_screen "Tab to the checklist: the explanation follows the item" "Reverse DNS: mx1.healthy.lab.test (confirmed)"
# Issue 12, point 11: the EHLO item names the extensions that matter (the
# lab's Postfix: a 10.2 MB SIZE, PIPELINING, 8BITMIME, DSN, SMTPUTF8...).
keys Down Down Down
expect_screen "the EHLO item names SIZE in MB" "EHLO accepted: SIZE 10.2 MB"
if cap | sed -n '/Explanation/,$p' | grep -q "PIPELINING" && cap | sed -n '/Explanation/,$p' | grep -q "STARTTLS"; then
	ok "the EHLO item's explanation lists PIPELINING and STARTTLS"
else nok "EHLO facts in the explanation: $(cap | sed -n '/Explanation/,$p')"; fi
keys Home
# A transcript line's reply is explained in answer to its command: the
# banner as the greeting (the knowledge base's context, codes_explain_cmd).
keys BTab Home
expect_screen "the banner line is explained as the greeting" "220 (the greeting): "
keys Tab
keys Enter
expect_screen "Enter opens the explanation window" "Explanation (any key closes)"
keys x
expect_not "any key closes it" "Explanation (any key closes)"
keys '?'
expect_screen "? opens the help" "run the selected host again"
keys x
keys / R e l a y Enter
expect_screen "/ searches the transcript" "/Relay: line"
keys s
wait_for "Saved mailflow-healthy.lab.test-" 5
if ls "$tmp"/mailflow-healthy.lab.test-*.txt >/dev/null 2>&1 &&
   jq -e '.schema == 1' "$tmp"/mailflow-healthy.lab.test-*.json >/dev/null 2>&1 &&
   grep -q '<tr class="v-[a-z]*" data-verdict=[^>]*><td>1</td>' "$tmp"/mailflow-healthy.lab.test-*.html 2>/dev/null; then
	ok "s saves the report as .txt, .json and .html"
else nok "s did not save: $(ls "$tmp")"; fi
# Issue 12, point 5: the header counts every verdict class (info and skip
# too), the same numbers as the saved report's summary.
want=$(jq -r '.summary | "\(.fail) fail, \(.warn) warn, \(.pass) pass, \(.info) info, \(.skip) skip"' \
	"$tmp"/mailflow-healthy.lab.test-*.json 2>/dev/null | head -1)
if [ -n "$want" ] && cap | head -1 | grep -qF -- "$want"; then ok "the header counts every verdict: $want"
else nok "header counts: wanted '$want' on: $(cap | head -1)"; fi
keys Home
keys Tab
keys r
if wait_for "again." 3 && cap | grep -q "Running 127.0.0.1[12] again" && wait_for " done" 15; then ok "r runs the selected host again"
else nok "r: $(cap | tail -3)"; fi

# --- resize ---------------------------------------------------------------
# The explanation rule sits below row 24 at 100x30: once it shows, the
# TUI has drawn itself at 80x24.
tmux -L "$sock" resize-window -t main -x 80 -y 24; wait_for "─Explanation─" 5
expect_screen "80x24: usable, the checklist is there" "Checklist"
expect_not "80x24: not too small" "terminal too small"
expect_screen "80x24: the explanation pane fits" "─Explanation─"
tmux -L "$sock" resize-window -t main -x 60 -y 20
expect_screen "60x20: a clear message" "terminal too small"
tmux -L "$sock" resize-window -t main -x 100 -y 30
expect_screen "back to 100x30: the screen returns" "mx2.healthy.lab.test"
keys q
wait_exit 5
if [ "$(cat "$tmp/exit" 2>/dev/null)" = 0 ]; then ok "q quits with status 0 (no failure)"
else nok "q: exit '$(cat "$tmp/exit" 2>/dev/null)', stderr: $(cat "$tmp/stderr")"; fi

# --- escape sequences stay inside the transcript ---------------------------
start 100 30 -- escape.lab.test
wait_for " done" 15
keys Down
wait_for 'pwned\x07' 5
screen=$(cap)
if [ "$(sed -n 1p <<<"$screen" | cut -c1-9)" = " mailflow" ] &&
   sed -n 2p <<<"$screen" | grep -q "^ #  pref host" &&
   tail -n 1 <<<"$screen" | grep -q "q quit  Tab pane"; then
	ok "escape: header, table header and key bar intact"
else nok "escape: screen damaged: $screen"; fi
if grep -qF '\e[2J\e[31mESMTP' <<<"$screen" && grep -qF 'pwned\x07' <<<"$screen"; then ok "escape: the sequences are shown, made visible"
else nok "escape: sequences not shown: $screen"; fi
if grep -q "Checklist" <<<"$screen" && grep -q "Explanation" <<<"$screen"; then
	ok "escape: checklist and explanation panes intact"
else nok "escape: panes damaged"; fi
title=$(tmux -L "$sock" display-message -p -t main '#{pane_title}')
if [ "$title" != pwned ]; then ok "escape: the terminal title was not changed ($title)"
else nok "escape: the server set the terminal title"; fi
keys q

# --- themes, NO_COLOR, 8 colours -------------------------------------------
for f in themes/*.theme; do
	name=$(basename "$f" .theme)
	start 100 30 -- --theme "$name" healthy.lab.test
	if wait_for " done" 15 && ! cap | grep -q "theme:"; then ok "theme $name: loads without a problem and draws"
	else nok "theme $name: $(cap | tail -2) $(cat "$tmp/stderr" 2>/dev/null)"; fi
	keys q
done
printf 'color verdict.fail fg=nosuchcolour\nbogus line\n' >"$tmp/bad.theme"
start 100 30 -- --theme "$tmp/bad.theme" healthy.lab.test
if wait_for "bad.theme:1:" 10; then ok "a bad theme line is reported with file and line, and the TUI runs"
else nok "bad theme: $(cap | tail -2)"; fi
keys q
wait_exit 5
if grep -q "bad.theme:2:" "$tmp/stderr"; then ok "every theme problem is listed on exit"
else nok "theme problems on exit: $(cat "$tmp/stderr")"; fi
start 100 30 -- --theme no-such-theme healthy.lab.test
wait_exit 5
if [ "$(cat "$tmp/exit" 2>/dev/null)" = 2 ] && grep -q "no-such-theme" "$tmp/stderr"; then
	ok "a missing theme: exit 2, named"
else nok "missing theme: exit '$(cat "$tmp/exit" 2>/dev/null)' $(cat "$tmp/stderr")"; fi
start 100 30 NO_COLOR=1 -- healthy.lab.test
if wait_for " done" 15; then ok "NO_COLOR: draws"; else nok "NO_COLOR: $(cap)"; fi
keys q
start 100 30 TERM=xterm -- healthy.lab.test
if wait_for " done" 15; then ok "an 8-colour terminal (TERM=xterm): draws"; else nok "TERM=xterm: $(cap)"; fi
keys q
