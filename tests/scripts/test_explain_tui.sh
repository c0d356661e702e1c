#!/usr/bin/env bash
# --explain in the TUI, driven by tmux: a real Postfix bounce
# (tests/explain/postfix-bounces.sh, on 127.0.22.1-2) explained in a pane
# over the hosts screen, which says what the server answers now once the
# probe of the receiver (-s 127.0.22.2) has ended; any key closes the
# pane, b opens it again.
# needs: root
set -u
# shellcheck source=tests/scripts/tmux_lib.sh
. "$(dirname "$0")/tmux_lib.sh"
# No lab here: the system's store stands in for the lab's CA.
CA=/etc/ssl/certs/ca-certificates.crt

mkdir -p "$tmp/pf"
chmod 755 "$tmp"   # Postfix's daemons must reach its queue below
trap '[ -x "$tmp/pf/stop" ] && "$tmp/pf/stop"; cleanup' EXIT
if ! KEEP=1 bash tests/explain/postfix-bounces.sh "$tmp/pf" >"$tmp/list" 2>"$tmp/err"; then
	nok "postfix-bounces.sh made the bounces: $(tail -3 "$tmp/err")"
	exit 0
fi
mapfile -t made <"$tmp/list"
failed=$(grep -l '^Status: 5.1.1' "${made[@]}" | head -n 1)

start 100 40 -- --explain "$failed" -s 127.0.22.2 --timeout 10
if wait_for "Bounce explained" 10; then ok "the TUI opens with the bounce explained on top"
else nok "no explanation pane: $(cap | head -20)"; fi
if wait_for "Now: nobody@refuse.test: the server still refuses this recipient: 550 5.1.1" 20; then
	ok "once probed, the pane says the server still refuses the recipient"
else nok "no 'still refuses' in the pane: $(cap | head -20)"; fi
if on_screen "FAIL nobody@refuse.test: failed" && on_screen "Who acts: the recipient"; then
	ok "the pane shows the recipient, the verdict and whose side acts"
else nok "the pane's explanation: $(cap | head -20)"; fi
keys x
if wait_gone "Bounce explained" 5 && on_screen "127.0.22.2"; then ok "any key closes the pane: the hosts screen"
else nok "the pane did not close: $(cap | head -10)"; fi
keys b
if wait_for "Bounce explained" 5; then ok "b opens the pane again"
else nok "b did not reopen it: $(cap | head -10)"; fi
keys x q
if wait_exit 5; then ok "q quits (exit $(cat "$tmp/exit"))"; else nok "the TUI did not quit"; fi
