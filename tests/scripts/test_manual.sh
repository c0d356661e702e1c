#!/usr/bin/env bash
# needs: lab
# Manual mode end to end with tmux against the lab's Postfix: a session
# typed by hand, backspace correction, history recall (persisted, without
# AUTH lines), completion, :starttls, :auth (masked), :data accepted with
# 250, refused input, the 503 explained, and the hand-over from the
# automatic probe ("continue by hand from here").
set -u
# shellcheck source=tests/scripts/tmux_lib.sh
. "$(dirname "$0")/tmux_lib.sh"

# start ARGS...: the TUI at 100x30 with its own home, state and config.
tui() {
	start 100 30 "HOME='$tmp'" "XDG_STATE_HOME='$tmp/state'" "XDG_CONFIG_HOME='$tmp/config'" \
		-- --helo probe.lab.test "$@"
}
expect() { if wait_for "$2" "${3:-5}"; then ok "$1"; else nok "$1: no '$2' on: $(cap | tail -25)"; fi; }

# --- a whole session by hand on mx1.healthy (real Postfix) ----------------
tui --manual mx1.healthy.lab.test
expect "--manual: connected and handed over after the banner" "continuing by hand after banner"
expect "the banner is in the transcript" "S: 220 mx1.healthy.lab.test ESMTP"
type_line "EHLO probe.lab.test"
expect "EHLO typed by hand: the server's extensions" "S: 250-STARTTLS"
expect "the reply is explained as an answer to EHLO" "EHLO accepted"
# A typo corrected with backspace before Enter.
tmux -L "$sock" send-keys -t main -l -- "MAIL FROM:<probe@lab.tesx"
keys BSpace
type_line "t>"
expect "backspace corrected the line before it was sent" "C: MAIL FROM:<probe@lab.test>"
expect "MAIL accepted" "S: 250 2.1.0 Ok"
type_line "RCPT TO:<postmaster@healthy.lab.test>"
expect "RCPT accepted" "S: 250 2.1.5 Ok"
# Issue 13, point 6: the status line follows the session.
expect "the status line says where the session stands: recipient accepted" \
	"Recipient accepted: another RCPT TO, or :data"
# History: Up recalls the last line; Enter sends it again.
keys Up
if cap | grep -q "^> RCPT TO:<postmaster@healthy.lab.test>"; then ok "Up recalls the last command"
else nok "history recall: $(cap | tail -3)"; fi
keys Enter
if [ "$(cap | grep -c 'C: RCPT TO:<postmaster@healthy.lab.test>')" -ge 2 ]; then ok "the recalled command was sent again"
else nok "recalled command not sent"; fi
# Ctrl-U clears, Tab completes a verb.
tmux -L "$sock" send-keys -t main -l -- "garbage"; keys C-u
tmux -L "$sock" send-keys -t main -l -- "NOO"; keys Tab
if cap | grep -q "^> NOOP"; then ok "Ctrl-U clears the line, Tab completes NOOP"
else nok "editing: $(cap | tail -2)"; fi
keys Enter
expect "NOOP answered" "S: 250 2.0.0 Ok"
type_line ":data"
expect ":data opens the editor" "DATA editor"
type_line "Subject: mailflow manual test"
type_line ""
type_line "hello from a hand-typed session"
type_line ".leading dot"
type_line "."
expect ":data: DATA, 354, the message, and 250" "queued as" 5
if wait_for "Message accepted (queued)" 3 && off_screen "DATA sent"; then
	ok "after the message was queued the status line says so, not 'DATA sent'"
else nok "status after the message: $(cap | tail -4)"; fi
if cap | grep -qF "C: Message-ID: <mailflow." && cap | grep -qF "C: ..leading dot"; then
	ok ":data adds Message-ID and dot-stuffs"
else nok ":data content: $(cap | grep ' C: ' | tail -8)"; fi
# Issue 13, point 6: the transcript scrolls back (Home, PgUp) and End or
# PgDn at the end follow again.
banner="S: 220 mx1.healthy.lab.test ESMTP"
if cap | grep -qF "$banner"; then nok "scroll: the banner is still on screen, nothing to scroll"
else
	keys Home
	expect "scroll: Home shows the transcript's start" "$banner" 2
	keys End
	if wait_gone "$banner" 2 && wait_for "queued as" 2; then ok "scroll: End follows the newest line again"
	else nok "scroll: End: $(cap | head -12)"; fi
	for _ in 1 2 3 4 5; do keys PPage; done
	expect "scroll: PgUp pages back to the start" "$banner" 2
	for _ in 1 2 3 4 5; do keys NPage; done
	if wait_gone "$banner" 2 && wait_for "queued as" 2; then ok "scroll: PgDn at the end follows again"
	else nok "scroll: PgDn: $(cap | head -12)"; fi
fi
type_line "$(printf 'x%.0s' $(seq 600))"
expect "a 600-byte line is refused with the reason" "Refused: the line is 600 bytes"
type_line "MAIL FROM:<é@lab.test>"
expect "non-ASCII is refused with the reason" "Refused: a non-ASCII byte"
type_line "RCPT TO:<nobody@healthy.lab.test>"
expect "a command out of sequence is sent anyway" "C: RCPT TO:<nobody@healthy.lab.test>"
expect "... and the 503 is explained" "503 "
type_line ":save $tmp/manual.txt"
if wait_for "Saved the transcript" 3 && grep -q "S: 250 2.1.0 Ok" "$tmp/manual.txt"; then ok ":save writes the transcript"
else nok ":save: $(cap | tail -3)"; fi
type_line ":quit"
expect ":quit: QUIT and 221" "S: 221 2.0.0 Bye"
expect "the closed connection is said" "Connection closed. :reconnect"
if grep -qx "EHLO probe.lab.test" "$tmp/state/mailflow/history" 2>/dev/null; then ok "history kept in \$XDG_STATE_HOME/mailflow/history"
else nok "history file: $(cat "$tmp/state/mailflow/history" 2>&1)"; fi
# Issue 12, point 5: after Esc the session typed by hand is the address's
# (--manual probes nothing else), ended: what the routine never ran is skip
# with the reason, nothing pending, waiting or "not probed".
keys Escape
expect "Esc from --manual: back to the hosts view" "q quit  Tab pane"
# Issue 13, point 5: the header is right (one host, given by hand, done)
# and nothing spins in the DNS row.
sleep 0.5
if cap | head -1 | grep -q "1 host (-s)" && cap | head -1 | grep -q "s  done"; then
	ok "Esc from --manual: the header says one host and done"
else nok "Esc from --manual: header: $(cap | head -1)"; fi
if cap | sed -n 2,6p | grep "DNS" | grep -q "[◐◓◑◒]"; then nok "Esc from --manual: the DNS row spins: $(cap | sed -n 2,6p)"
else ok "Esc from --manual: the DNS row does not spin"; fi
keys Down
expect "the hand-typed session is judged: skip with the reason" "MAIL FROM: not tried: the session stop"
if cap | grep -qE "not reached|pending|[Ww]aiting|not probed|Connecting"; then
	nok "something pending after Esc: $(cap | grep -E 'not reached|pending|[Ww]aiting|not probed|Connecting')"
else ok "nothing pending, waiting or unprobed after Esc out of manual mode"; fi

# --- :starttls and :auth on the lab's AUTH host ---------------------------
tui --manual mx.auth.lab.test
expect "auth host: handed over" "continuing by hand after banner"
type_line "EHLO probe.lab.test"
# Issue 13, point 6: no password in the clear before STARTTLS.
type_line ":auth login probe"
expect ":auth before STARTTLS is refused with the reason" ":auth refused before STARTTLS"
if cap | grep -q "Password for probe"; then nok ":auth asked for a password before STARTTLS"
else ok ":auth before STARTTLS asks for no password"; fi
type_line ":starttls"
expect ":starttls: the TLS upgrade" "TLS is up" 5
expect ":starttls: the certificate summary" "chain verified"
type_line "EHLO probe.lab.test"
expect "EHLO over TLS offers AUTH" "S: 250-AUTH PLAIN LOGIN"
type_line ":auth login probe"
expect ":auth asks for the password" "Password for probe"
type_line "lab-password"
expect ":auth login: 235" "S: 235 2.7.0 Authentication successful" 5
if cap | grep -q "334 VXNlcm5hbWU6.*(Username:)"; then ok "334 prompts shown decoded"
else nok "334 decoding: $(cap | grep 334)"; fi
screen=$(cap)
if grep -q "lab-password" <<<"$screen" || grep -q "bGFiLXBhc3N3b3Jk" <<<"$screen" || grep -q "cHJvYmU" <<<"$screen"; then
	nok "credentials visible on the screen"
else ok "the user name and password are masked in the transcript"; fi
if grep -qi "auth\|lab-password" "$tmp/state/mailflow/history"; then nok "AUTH in the history"
else ok "no AUTH line or password in the history"; fi
# After :quit, a clear closed state and :reconnect.
type_line ":quit"
expect ":quit on the auth host: 221" "S: 221 2.0.0 Bye"
type_line "NOOP"
expect "a command after the close says so" "Connection closed: :reconnect opens a new one"
type_line ":reconnect"
if wait_gone "S: 221 2.0.0 Bye" 5 && wait_for "continuing by hand after banner" 5; then
	ok ":reconnect opens a new session, handed over after the banner"
else nok ":reconnect: $(cap | tail -12)"; fi
keys Escape
expect "Esc goes back to the hosts view" "q quit  Tab pane"

# m on a host that refuses connections says so, not "nothing was said".
tui dead.lab.test
wait_done 15
keys Down m
expect "m on a refused host: the transcript says refused" "refused"
if cap | grep -q "nothing was said"; then nok "m on a refused host: 'nothing was said'"
else ok "m on a refused host: not 'nothing was said'"; fi
keys Escape

# --- parking: Esc keeps the session typed, m or M brings it back ---------
# Issue 13, point 5: the typed session is not lost after Esc.
tui healthy.lab.test
wait_done 15
keys Down m
expect "parking: m hands over after the banner" "continuing by hand after banner"
type_line "NOOP"
expect "parking: NOOP answered" "S: 250 2.0.0 Ok"
tmux -L "$sock" send-keys -t main -l -- "RSET"
keys Escape
expect "parking: Esc goes back to the hosts view" "q quit  Tab pane"
if cap | tail -1 | grep -q "M back to manual"; then ok "parking: the key bar names M"
else nok "parking: key bar: $(cap | tail -1)"; fi
keys '?'
if cap | grep -q "M  *back to the manual session"; then ok "parking: the help names M"
else nok "parking: help: $(cap | grep -i manual)"; fi
keys Escape
keys M
expect "parking: M goes back to the parked session" "Back to the parked session: your turn"
if cap | grep -q "C: NOOP" && cap | grep -q "^> RSET"; then
	ok "parking: the same transcript and the line being typed are back"
else nok "parking: after M: $(cap | tail -12)"; fi
keys Enter
expect "parking: the parked connection is still open: RSET answered" "C: RSET"
if [ "$(cap | grep -c 'S: 250 2.0.0 Ok')" -ge 2 ]; then ok "parking: typing goes on in the same session"
else nok "parking: RSET not answered: $(cap | tail -8)"; fi
keys Escape
keys m
expect "parking: m on the same address also goes back to it" "Back to the parked session"
if cap | grep -q "C: NOOP"; then ok "parking: m brings back the same transcript"
else nok "parking: m opened another session: $(cap | tail -12)"; fi
type_line ":quit"
expect "parking: :quit" "S: 221 2.0.0 Bye"
keys Escape
keys M
expect "parking: a closed session parks too and says so" "Back to the parked session, closed"
if cap | grep -q "S: 221 2.0.0 Bye"; then ok "parking: the closed transcript is kept"
else nok "parking: closed transcript: $(cap | tail -8)"; fi
type_line ":reconnect"
if wait_gone "S: 221 2.0.0 Bye" 5 && wait_for "continuing by hand after banner" 5; then
	ok "parking: :reconnect from a resumed session opens a new one"
else nok "parking: :reconnect: $(cap | tail -12)"; fi
keys Escape
keys q
wait_exit 5
if [ "$(cat "$tmp/exit" 2>/dev/null)" = 0 ] || [ "$(cat "$tmp/exit" 2>/dev/null)" = 1 ]; then
	ok "parking: q with a parked live session quits without a sanitizer report"
else nok "parking: exit '$(cat "$tmp/exit" 2>/dev/null)': $(head -c 600 "$tmp/stderr")"; fi
if grep -q "Sanitizer\|LeakSanitizer" "$tmp/stderr" 2>/dev/null; then nok "parking: sanitizer: $(head -c 600 "$tmp/stderr")"
else ok "parking: no sanitizer report on stderr"; fi

# --- the hand-over: run the routine up to RCPT, then type -----------------
tui postmaster@healthy.lab.test
wait_done 15
keys Down Tab Tab Home
for _ in $(seq 16); do keys Down; cap | grep -q "Explanation" && cap | sed -n '/Explanation/,$p' | grep -q "RCPT TO accepted" && break; done
keys m
expect "m from the RCPT item: the routine runs up to RCPT, then hands over" "continuing by hand after rcpt" 5
if cap | grep -q "C: RCPT TO:<postmaster@healthy.lab.test>" && ! cap | grep -q "C: QUIT"; then
	ok "the session stopped after RCPT, without QUIT"
else nok "hand-over: $(cap | tail -12)"; fi
type_line "QUIT"
expect "typed QUIT after the hand-over" "S: 221 2.0.0 Bye"
keys Escape
keys q
wait_exit 5
if [ "$(cat "$tmp/exit" 2>/dev/null)" = 0 ]; then ok "q quits cleanly (exit 0, no sanitizer report)"
else nok "exit '$(cat "$tmp/exit" 2>/dev/null)': $(head -c 600 "$tmp/stderr")"; fi
