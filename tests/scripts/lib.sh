# shellcheck shell=bash
# tests/scripts/lib.sh — sourced by every test script: TAP output and the
# lab's paths, written once.
#
#   ok "what held"          nok "what did not"
#   check "what" 'expr'     ok when the shell expression is true
#   skip "what" "why"       neither pass nor fail: said (tests/run counts it)
#
# LAB_DIR is where tests/lab/start keeps its state; CA is the lab's CA
# certificate, which every TLS test trusts with --ca-file.

n=0
ok()    { n=$((n+1)); echo "ok $n - $1"; }
nok()   { n=$((n+1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
skip()  { n=$((n+1)); echo "ok $n - $1 # SKIP $2"; }

LAB_DIR=${MAILFLOW_LAB_DIR:-/tmp/mailflow-lab}
CA=$LAB_DIR/tls/ca.crt
export LAB_DIR CA
