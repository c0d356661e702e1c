#!/usr/bin/env bash
# needs: lab
# --explain in the TUI probes the host the bounce names, as batch does
# (test_explain_remote.sh): a bounce for ghost@nouser.lab.test that names
# mx1.healthy.lab.test, which is no MX of nouser.lab.test now. The pane
# says so once the domain's run has ended, then probes that host alone
# (RCPT TO the same recipient) and quotes its answer; a bounce that names
# the domain's own MX probes nothing more.
set -u
# shellcheck source=tests/scripts/tmux_lib.sh
. "$(dirname "$0")/tmux_lib.sh"
export XDG_CONFIG_HOME=$tmp/config

# shellcheck source=tests/scripts/explain_dsn.sh
. "$(dirname "$0")/explain_dsn.sh"

dsn mx1.healthy.lab.test 127.0.0.11 >"$tmp/other.eml"
start 100 40 -- --explain "$tmp/other.eml" --banner-timeout 3 --timeout 5
if wait_for "Bounce explained" 10; then ok "the TUI opens with the bounce explained on top"
else nok "no explanation pane: $(cap | head -20)"; fi
if wait_for "which is not an MX of nouser.lab.test" 20; then
	ok "once the domain's run has ended, the pane says the named host is no MX of it"
else nok "no 'not an MX' in the pane: $(cap | head -30)"; fi
if wait_for "The host the bounce names, probed alone now:" 20; then
	ok "the named host is probed alone, and the pane says so"
else nok "the named host was not probed: $(cap | head -30)"; fi
# mx1.healthy.lab.test accepts any recipient: its answer is quoted.
if wait_for "mx1.healthy.lab.test" 5 && cap | sed -n '/probed alone now:/,$p' | grep -q "accept"; then
	ok "its answer now is quoted: it accepts the recipient"
else nok "the named host's answer: $(cap | sed -n '/probed alone now:/,$p' | head -8)"; fi
keys x q
if wait_exit 5; then ok "q quits"; else nok "the TUI did not quit"; fi

# The bounce names the domain's own MX: nothing more is probed.
dsn mx.nouser.lab.test 127.0.0.17 >"$tmp/mx.eml"
start 100 40 -- --explain "$tmp/mx.eml" --banner-timeout 3 --timeout 5
if wait_for "the server still refuses this recipient: 550 5.1.1" 20; then
	ok "a bounce from the MX: its answer now is quoted"
else nok "no 'still refuses': $(cap | head -30)"; fi
settle
if off_screen "probed alone" && off_screen "Now probing the host the bounce names"; then
	ok "... and no other host is probed"
else nok "another host was probed: $(cap | head -30)"; fi
keys x q
wait_exit 5
echo "1..$n"
