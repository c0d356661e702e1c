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
t_start=$SECONDS
if wait_done 15; then ok "healthy: the run finishes and the header says done"
else nok "healthy: never finished: $(cap)"; fi
expect_screen "header names the domain and its MX count" "healthy.lab.test  2 MX"
expect_screen "hosts table: mx1 with its address" "mx1.healthy.lab.test"
expect_screen "hosts table: mx2 with its address" "127.0.0.12"
# Issue 13, point 1: every cell has its item's mark and says it in words.
expect_screen "hosts table: banner, TLS and RCPT cells with their marks" "220 ✓    1.3 ✓            250 ✓  refused ✓"
expect_screen "domain row shows the DNS verdicts" "DNS MX ✓  targets ✓  SPF ✓"
expect_screen "the domain's sentence under the title" "Mail to healthy.lab.test can be delivered: mx1 (preferred) accepts it with valid TLS"
if cap | grep -E "^ ✓ 1  10   mx1.healthy.lab.test" >/dev/null; then ok "mx1's row starts with its verdict: ✓"
else nok "host verdict column: $(cap | sed -n 4,7p)"; fi
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
wait_for "Saved $tmp/mailflow-healthy.lab.test-" 5
if ls "$tmp"/mailflow-healthy.lab.test-*.txt >/dev/null 2>&1 &&
   jq -e '.schema == 1' "$tmp"/mailflow-healthy.lab.test-*.json >/dev/null 2>&1 &&
   grep -q '<tr class="v-[a-z]*" data-verdict=[^>]*><td>1</td>' "$tmp"/mailflow-healthy.lab.test-*.html 2>/dev/null; then
	ok "s saves the report as .txt, .json and .html"
else nok "s did not save: $(ls "$tmp")"; fi
if grep -q "Mail to healthy.lab.test can be delivered" "$tmp"/mailflow-healthy.lab.test-*.md 2>/dev/null; then
	ok "s saves the Markdown report too, the sentence first"
else nok "s: no Markdown report: $(ls "$tmp")"; fi
if cap | tail -1 | grep -qF "Saved $tmp/"; then ok "the save message names the whole path"
else nok "save message: $(cap | tail -1)"; fi
# Issue 12, point 5: the header counts every verdict class (info and skip
# too), the same numbers as the saved report's summary.
want=$(jq -r '.summary | "\(.fail) fail, \(.warn) warn, \(.pass) pass, \(.info) info, \(.skip) skip"' \
	"$tmp"/mailflow-healthy.lab.test-*.json 2>/dev/null | head -1)
if [ -n "$want" ] && cap | head -1 | grep -qF -- "$want"; then ok "the header counts every verdict: $want"
else nok "header counts: wanted '$want' on: $(cap | head -1)"; fi
keys Home
keys Tab
# Issue 13, point 5: the header's clock counts from the re-run, not from
# the start (a 2 s host showed "10.2 s done").
while [ $((SECONDS - t_start)) -lt 4 ]; do sleep 0.2; done
keys r
if wait_for "again." 3 && cap | grep -q "Running 127.0.0.1[12] again" && wait_done 15; then ok "r runs the selected host again"
else nok "r: $(cap | tail -3)"; fi
secs=$(cap | head -1 | grep -oE '[0-9]+\.[0-9] s  done' | cut -d' ' -f1)
if [ -n "$secs" ] && [ "${secs%.*}" -lt 3 ]; then
	ok "r: the header's time counts from the re-run ($secs s, the run began $((SECONDS - t_start)) s ago)"
else nok "r: the header's time: '$secs' ($(cap | head -1))"; fi
# R keeps the selection (it went back to the DNS row).
keys Down
sel_before=$(cap | grep -E '^>' | head -1 | awk '{print $4}')
keys R
wait_for "Running everything again." 3
wait_done 15
sel_after=$(cap | grep -E '^>' | head -1 | awk '{print $4}')
if [[ $sel_before == mx*.healthy.lab.test ]] && [ "$sel_before" = "$sel_after" ]; then
	ok "R keeps the selected host ($sel_after)"
else nok "R: selected before '$sel_before', after '$sel_after'"; fi
# Issue 13, point 8: ←/→ between panes, N, Esc, y.
for _ in 1 2 3; do on_screen "first mark: the host's verdict" && break; keys BTab; done
keys Right Home
expect_screen "Right from the hosts table: the transcript, its first line explained" "220 (the greeting): "
keys / 2 5 0 Enter
first=$(cap | tail -1 | grep -oE 'line [0-9]+' | head -1)
keys n
second=$(cap | tail -1 | grep -oE 'line [0-9]+' | head -1)
keys N
back=$(cap | tail -1 | grep -oE 'line [0-9]+' | head -1)
if [ -n "$first" ] && [ "$first" != "$second" ] && [ "$back" = "$first" ]; then
	ok "N goes back to the previous match ($first, n: $second, N: $back)"
else nok "N: first '$first', n '$second', N '$back'"; fi
keys Escape
expect_screen "Esc clears the search" "Search cleared."
tmux -L "$sock" set-option -g set-clipboard on
keys Home y
expect_screen "y copies the selected line" "Copied to the clipboard (OSC 52)"
if tmux -L "$sock" show-buffer 2>/dev/null | grep -q "^220 mx"; then ok "y: the terminal's clipboard (tmux buffer) has the banner line"
else nok "y: clipboard: '$(tmux -L "$sock" show-buffer 2>&1 | head -2)'"; fi
# Issue 13, point 3: the legend.
keys BTab
expect_screen "the hosts table selected: a one-line column legend" "first mark: the host's verdict; cells: each step"
keys '?'
expect_screen "? help explains the relay column" "relay         an outside recipient: refused ✓ is good"
expect_screen "? help explains the first column" "first mark    the host's verdict"
keys x

# --- resize ---------------------------------------------------------------
# The explanation rule sits below row 24 at 100x30: once it shows, the
# TUI has drawn itself at 80x24.
tmux -L "$sock" resize-window -t main -x 80 -y 24; wait_for "─Explanation─" 5
expect_screen "80x24: usable, the checklist is there" "Checklist"
expect_not "80x24: not too small" "terminal too small"
expect_screen "80x24: the explanation pane fits" "─Explanation─"
# Help at 80x24: taller than the screen, so it scrolls; within its border,
# every line whole (no "…"), the border's four corners on screen.
keys '?'
wait_for "Help (↑↓ scroll)" 3 >/dev/null
box=$(cap | sed -n '/┌─ Help/,/└/p' | LC_ALL=C.UTF-8 sed 's/^[^│┌└]*//; s/[^│┐┘]*$//')
if [[ $box == *"┌─ Help (↑↓ scroll)"* && $box == *"└"*"┘"* && $box != *"…"* ]] &&
	[ "$(LC_ALL=C.UTF-8 wc -L <<<"$box")" -le 80 ]; then
	ok "80x24: help fits in its border, no line cut, and says it scrolls"
else nok "80x24 help: $box"; fi
first=$(cap | sed -n '/┌─ Help/{n;p}')
keys Down Down
if [ "$(cap | sed -n '/┌─ Help/{n;p}')" != "$first" ] && { keys NPage NPage NPage; wait_for "Any other key closes this window" 2; }; then
	ok "80x24: help scrolls (↓ moves it, PgDn reaches its last line)"
else nok "80x24 help scroll: $(cap | sed -n '/┌─ Help/,/└/p' | head -4)"; fi
keys x
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
wait_done 15
keys Down
wait_for 'pwned\x07' 5
screen=$(cap)
if [ "$(sed -n 1p <<<"$screen" | cut -c1-9)" = " mailflow" ] &&
   sed -n 3,4p <<<"$screen" | grep -q "^   #  pref host" &&
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
	if wait_done 15 && ! cap | grep -q "theme:"; then ok "theme $name: loads without a problem and draws"
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
if wait_done 15; then ok "NO_COLOR: draws"; else nok "NO_COLOR: $(cap)"; fi
keys q
start 100 30 TERM=xterm -- healthy.lab.test
if wait_done 15; then ok "an 8-colour terminal (TERM=xterm): draws"; else nok "TERM=xterm: $(cap)"; fi
keys q

# --- the search: n/N with the match highlighted, Esc clears it -------------
# The mono theme marks a match bold and underlined, and underlines nothing
# else in a healthy transcript (no 4xx): what is underlined on a transcript
# row is what the search marked there.
# marked: for each transcript row of the left pane, "SEL|UNDERLINED|TEXT":
# SEL 1 when the row is drawn reversed (the selected line), UNDERLINED the
# underlined characters, their runs joined by ",".
marked() {
	tmux -L "$sock" capture-pane -t main -p -e | python3 -c '
import re, sys
for line in sys.stdin.read().split("\n"):
    ul = rev = False
    text, under, revs = "", "", ""
    for m in re.finditer(r"\x1b\[([0-9;:]*)m|([^\x1b])", line):
        if m.group(2) is None:
            codes = [int(c) if c.isdigit() else 0 for c in m.group(1).replace(":", ";").split(";")]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c in (38, 48):
                    i += 3 if i + 1 < len(codes) and codes[i + 1] == 5 else 5
                    continue
                if c == 0: ul = rev = False
                elif c == 4: ul = True
                elif c == 24: ul = False
                elif c == 7: rev = True
                elif c == 27: rev = False
                i += 1
        else:
            text += m.group(2)
            under += m.group(2) if ul else " "
            revs += "1" if rev else "0"
    left = text.split("\u2502")[0]
    if re.match(r"^ \+[0-9]+\.[0-9]{3} [SCI]:", left):
        n = len(left)
        print("%s|%s|%s" % (revs[1:2], ",".join(under[:n].split()), left.rstrip()))
'
}
start 100 30 -- --theme mono postmaster@healthy.lab.test
wait_done 15
for _ in 1 2 3; do on_screen "first mark: the host's verdict" && break; keys BTab; done
keys Down Right Home
keys / 2 5 0 Enter
first=$(cap | tail -1 | grep -oE 'line [0-9]+' | head -1)
keys n
keys N
rows=$(marked)
sel=$(grep '^1|' <<<"$rows")
others=$(grep '^0|' <<<"$rows" | grep -F ' S: 250')
if cap | tail -1 | grep -qF "?250: $first of mx1" && [[ $sel == "1|250| +"*" S: 250"* ]]; then
	ok "N: back at the previous match ($first), its 250 highlighted on the selected line"
else nok "N: status '$(cap | tail -1)', selected row '$sel'"; fi
if [ -n "$others" ] && ! grep -qv '^0|250|' <<<"$others" &&
   ! grep -F -e ' C: ' -e ' I: ' <<<"$rows" | grep -qv '^.||'; then
	ok "the other matches: only the matched 250 is highlighted, not the whole line ($(wc -l <<<"$others") rows)"
else nok "match highlight: $(grep -v '^.||' <<<"$rows" | head -5 | tr '\n' ';')"; fi
keys Escape
rows=$(marked)
if cap | tail -1 | grep -qF "Search cleared." && [ "$(wc -l <<<"$rows")" -ge 10 ] &&
   ! grep -qv '^.||' <<<"$rows"; then
	ok "Esc clears the search: no match is marked any more"
else nok "Esc: '$(cap | tail -1)', still marked: $(marked | grep -v '^.||' | head -3 | tr '\n' ';')"; fi
# Esc while typing the query cancels it: nothing half-typed stays marked,
# and n has nothing to find.
keys / 2 5 0
typing=$(marked | grep -c '^.|250|')
keys Escape
rows=$(marked)
left=$(grep -v '^.||' <<<"$rows")
keys n
if [ "$typing" -ge 3 ] && [ "$(wc -l <<<"$rows")" -ge 10 ] && [ -z "$left" ] &&
   ! cap | tail -1 | grep -qF "/250"; then
	ok "Esc in the search prompt: the $typing marks made while typing are gone, n finds nothing"
else nok "Esc while typing: $typing marked while typing; after Esc: '$(head -3 <<<"$left" | tr '\n' ';')', status '$(cap | tail -1)'"; fi
keys q

# --- issue 13: the screen tells the story at a glance ----------------------
# The lab's scenarios for it: wrongname (a certificate naming another host:
# badtls), slow (3 s banner), noaddr (MX targets without an address:
# dangling), demo (eleven hosts, each a scenario: multi), big (ten hosts,
# twenty addresses: names at 80 columns), silent (a banner that never
# comes: a session stuck mid-probe).

# badtls: the TLS cell says what the certificate item says.
start 132 40 -- wrongname.lab.test
wait_done 15
expect_screen "wrongname: the TLS cell says the certificate's problem, with its mark" "1.3 ! wrong name"
expect_screen "wrongname: the sentence says it" "mx accepts it with TLS, but its certificate names another host."
if cap | grep -qE '^ ! 1  10   mx.wrongname.lab.test'; then ok "wrongname: the host's verdict is the worst of its items: !"
else nok "wrongname host verdict: $(cap | sed -n 3,6p)"; fi
golden wrongname-132x40

# slow: mid-probe the row says the step and its countdown; done, the
# banner cell its delay with the item's mark (3 s is info: under 10 s).
start 100 30 -- slow.lab.test
expect_screen "slow mid-probe: the running step and its countdown" "banner… 1 s of 30"
expect_screen "slow mid-probe: progress in the header" "0/1 host done"
expect_screen "slow mid-probe: progress in the sentence" "Checking mail to slow.lab.test: 0/1 hosts done."
# Not keys: the countdown keeps the screen moving, so no settling.
tmux -L "$sock" send-keys -t main Down
if wait_for "connected, waiting for the server's greeting" 2; then
	ok "slow mid-probe: connected, the transcript does not say connecting"
else nok "slow mid-probe transcript: $(cap | grep -A2 Transcript)"; fi
wait_done 15
expect_screen "slow done: the banner cell has its delay and the item's mark" "3.0 s i"
keys Down Tab Tab Home Down
expect_screen "slow: the banner item agrees with the cell" "Banner 220 after 3.0 s"

# dangling: no address is a red fail in the host row and in the DNS row.
start 100 30 -- noaddr.lab.test
wait_done 15
expect_screen "noaddr: the host row says no address with its mark" "mx.noaddr.lab.test      no address ✗"
expect_screen "noaddr: the DNS row flags the targets" "targets ✗"
expect_screen "noaddr: the sentence" "Mail to noaddr.lab.test cannot be delivered: mx (preferred) has no address; missing has no"
if cap | grep -qE '^ ✗ 2  20   missing.noaddr'; then ok "noaddr: the host verdict column: ✗"
else nok "noaddr verdict column: $(cap | sed -n 4,8p)"; fi
golden noaddr-100x30

# multi: eleven hosts, progress while the slow one greets, then every cell
# in words and compare comparing certificates.
start 132 40 -- demo.lab.test
expect_screen "demo mid-probe: N/11 hosts done" "/11 hosts done"
wait_done 20
expect_screen "demo: the sentence" "Mail to demo.lab.test can be delivered:"
expect_screen "demo: a refused connection in words" "refused ✗"
expect_screen "demo: the open relay in words" "open relay ✗"
expect_screen "demo: a refusal that is good" "refused ✓"
expect_screen "demo: no TLS offered" "none !"
expect_screen "demo: 421 at the banner" "421 !"
expect_screen "demo: compare fails (an open relay among them)" "compare ✗"
golden demo-132x40
keys Tab Tab End Enter
expect_screen "demo: compare compares the certificates too" "certificates differ in"
keys x

# multi at 80x24: the same story in the smallest screen, reviewed whole.
start 80 24 -- demo.lab.test
wait_done 20
golden demo-80x24

# eight hosts at 80x24 (big: ten hosts): the names lose the shared suffix,
# never their distinguishing part; the key bar keeps ? help.
start 80 24 -- big.lab.test
wait_done 20
first=$(cap | grep -E '^ . 10 +mx1 +127' | head -1)
keys End
if [ -n "$first" ] && cap | grep -qE '^>. 100 +mx10 +127' && ! cap | grep -q "mx1\.big"; then
	ok "80x24: host names without the shared .big.lab.test (mx1, mx10)"
else nok "80x24 names: $(cap | sed -n 3,12p)"; fi
if cap | tail -1 | grep -q "? help"; then ok "80x24: the key bar keeps ? help"
else nok "80x24 key bar: $(cap | tail -1)"; fi
if [ "$(cap | LC_ALL=C.UTF-8 wc -L)" -le 80 ]; then ok "80x24: no line is longer than the screen"
else nok "80x24: long lines: $(cap | LC_ALL=C.UTF-8 wc -L)"; fi

# badtls: each certificate's cell says its problem with the cert item's mark.
start 132 40 -- badtls.lab.test
wait_done 20
for want in "1.3 ✗ expired" "1.3 ! untrusted" "1.3 ! wrong name" "compare !"; do
	if on_screen "$want"; then ok "badtls: the table says '$want'"
	else nok "badtls: no '$want' on: $(cap | sed -n 1,9p)"; fi
done
keys q
wait_exit 5

# Names that differ only near their end (twins) are cut in the middle at
# 80x24, so the rows still tell the hosts apart; alone they keep their start.
start 80 24 -- twins.lab.test
wait_done 20
r1=$(cap | grep -E '^.. 10 ' | head -1); r2=$(cap | grep -E '^.. 20 ' | head -1)
if [[ $r1 == *"…er1 "* && $r2 == *"…er2 "* ]]; then
	ok "80x24: names alike at their start are cut in the middle (…er1, …er2)"
else nok "80x24 twins: '$r1' / '$r2'"; fi
keys q
wait_exit 5

# blackhole mid-probe: a session that waits shows its step and its clock.
start 100 30 -- silent.lab.test
expect_screen "silent mid-probe: banner… with its countdown" "banner… 2 s of 30" 6
expect_screen "silent mid-probe: 0/1 host done" "0/1 host done"

# 40x12: too small, centred, and back on resize.
start 40 12 -- healthy.lab.test
expect_screen "40x12: says what is needed" "terminal too small: 80×24 needed"
line=$(cap | grep -F "terminal too small")
lead=${line%%terminal*}
if [ "${#lead}" -ge 3 ] && [ "${#lead}" -le 5 ]; then ok "40x12: the message is centred (${#lead} columns in)"
else nok "40x12: not centred: '$line'"; fi
row=$(cap | grep -nF "terminal too small" | cut -d: -f1)
if [ "${row:-0}" -ge 5 ] && [ "${row:-0}" -le 7 ] && [ "$(cap | grep -c .)" -le 4 ]; then
	ok "40x12: the message is in the middle rows (row $row of 12), alone on the screen"
else nok "40x12: message at row '${row:-}': $(cap)"; fi
tmux -L "$sock" resize-window -t main -x 80 -y 24
expect_screen "40x12 then 80x24: the screen returns" "mx1.healthy"
expect_not "40x12 then 80x24: the message is gone" "terminal too small"
expect_screen "40x12 then 80x24: the key bar is back" "? help"
golden_wait=$(wait_done 15 && echo y)
[ "$golden_wait" = y ] && keys Down && golden healthy-80x24

# -s HOST: no MX lookup, so nothing spins in the DNS row, and the header
# says it is one host given with -s.
start 100 30 -- -s mx1.healthy.lab.test
wait_done 15
expect_screen "-s: the header says one host given with -s" "1 host (-s)"
sleep 0.5
if cap | sed -n 4,5p | grep -q "DNS" && ! cap | sed -n 4,5p | grep -q "[◐◓◑◒]"; then
	ok "-s: the DNS row does not spin once done"
else nok "-s DNS row: $(cap | sed -n 3,6p)"; fi

# --sender: a Sender row under the DNS row, its SPF mark and the sender's
# sentence the same as the JSON document's (issue 20, point 4).
start 132 40 -- --sender --sender-ip 192.0.2.10 pass.sender.test
wait_done 15
sender_row=$(cap | grep -m1 " Sender ")
json_spf=$("$bin" --dns 127.0.0.1:5353 --ca-file "$CA" --batch --json --sender \
	--sender-ip 192.0.2.10 pass.sender.test 2>/dev/null |
	jq -r '[.. | objects | select(.id? == "sender.spf") | .verdict][0]')
if [[ $sender_row == *"SPF ✓"* && $sender_row == *"Mail from pass.sender.test sent from 192.0.2.10: SPF pass"* ]] &&
	[ "$json_spf" = pass ]; then
	ok "--sender: the Sender row says SPF ✓ and the sentence, as the JSON's sender.spf ($json_spf)"
else nok "--sender row: '$sender_row' (JSON sender.spf: $json_spf)"; fi

# The redraw's cost with 200 hosts, as make bench measures it.
out=$(TERM=xterm-256color LINES=40 COLUMNS=132 "$bin" --bench-ui 200 2>&1 >/dev/null </dev/null)
us=$(sed -n 's/.*cpu-us-per-redraw \([0-9.]*\).*/\1/p' <<<"$out" | head -1)
echo "# bench: full redraw, 200 hosts, 132x40: ${us:-?} us of CPU"
if [ -n "$us" ] && [ "${us%.*}" -lt 2000 ]; then ok "a full redraw of 200 hosts takes under 2 ms of CPU ($us us)"
else nok "redraw of 200 hosts: '${us:-?}' us: $out"; fi

# Plain mailflow: a short usage, not the whole --help.
err=$("$bin" 2>&1 >/dev/null)
rc=$?
if [ "$rc" = 2 ] && [ "$(wc -l <<<"$err")" -le 3 ] && tail -1 <<<"$err" | grep -qx "mailflow --help for more"; then
	ok "mailflow without arguments: exit 2, a short usage ending in 'mailflow --help for more'"
else nok "mailflow without arguments: exit $rc: $err"; fi

# Every explanation window of mx1's checklist at 80x24: inside its border
# no line is cut (the body, the facts and the transcript lines wrap at
# their words), and the border is whole. The title row may end in "…".
start 80 24 -- postmaster@healthy.lab.test
wait_done 15 >/dev/null
keys Down Tab Tab
cut_in=""
for i in $(seq 0 12); do
	keys Enter
	box=$(cap | sed -n '/┌─/,/└/p' | sed 1d | LC_ALL=C.UTF-8 sed 's/^[^│└]*//; s/[^│┘]*$//')
	if [[ $box != *"└"*"┘"* ]]; then cut_in+=" item $i: no bottom border;"
	elif [[ $box == *"…"* ]]; then cut_in+=" item $i: $(grep -F "…" <<<"$box" | head -1);"; fi
	keys x Down
done
if [ -z "$cut_in" ]; then ok "80x24: every checklist item's window fits its border, nothing cut"
else nok "80x24 windows:$cut_in"; fi
keys q
wait_exit 5
