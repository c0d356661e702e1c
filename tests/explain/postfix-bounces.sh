#!/usr/bin/env bash
# tests/explain/postfix-bounces.sh DIR — real Postfix bounces, made here.
#
# Two Postfix instances of their own (configuration, queue and log under
# DIR; nothing of the machine's mail system or of the test lab is used):
#
#   receiver  127.0.22.2:25, mail for refuse.test: only known@ exists
#             (550 5.1.1 for anyone else), later@ is deferred (450 4.2.0)
#   sender    127.0.22.1, no listener: a message is injected with its
#             sendmail(1); its smtp client hands refuse.test to the
#             receiver (a transport map: no DNS), and the bounce it makes
#             for alice@sender.test is "delivered" by a pipe into a file
#
# It writes DIR/out/*.eml (the failure and the delay notices), prints
# their paths, and leaves both instances running when KEEP=1 (the caller
# then runs DIR/stop); else it stops them. Needs root (Postfix's master
# and postdrop). Listens only on 127.0.22.2.
set -euo pipefail

dir=${1:?usage: postfix-bounces.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# Postfix's daemons (user postfix) and the pipe (user nobody) must reach it.
chmod 755 "$dir"
[ "$(id -u)" -eq 0 ] || { echo "postfix-bounces: needs root" >&2; exit 2; }
command -v postfix >/dev/null || { echo "postfix-bounces: postfix is missing" >&2; exit 2; }

services='cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
smtp      unix  -       -       n       -       -       smtp
postlog   unix-dgram n  -       n       -       1       postlogd'

# common NAME: the main.cf lines both instances share.
common() {
    cat <<CONF
compatibility_level = 3.6
queue_directory = $dir/$1/spool
data_directory = $dir/$1/data
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
daemon_directory = /usr/lib/postfix/sbin
command_directory = /usr/sbin
mail_owner = postfix
setgid_group = postdrop
syslog_name = mailflow-explain-$1
maillog_file = $dir/$1.log
maillog_file_prefixes = $dir
inet_protocols = ipv4
inet_interfaces = loopback-only
alias_maps =
alias_database =
biff = no
in_flow_delay = 0
smtputf8_enable = no
CONF
}

mkdir -p "$dir/receiver/etc" "$dir/receiver/spool" "$dir/receiver/data" \
         "$dir/sender/etc" "$dir/sender/spool" "$dir/sender/data" "$dir/out"
chown postfix "$dir/receiver/data" "$dir/sender/data"
chmod 1777 "$dir/out"

# --- the receiver: a real Postfix that refuses and defers ---
{
    common receiver
    cat <<CONF
myhostname = mx.refuse.test
mydomain = refuse.test
mydestination = refuse.test
mynetworks = 127.0.22.254/32
local_recipient_maps = texthash:$dir/receiver/etc/users
unknown_local_recipient_reject_code = 550
smtpd_recipient_restrictions = check_recipient_access texthash:$dir/receiver/etc/access
local_transport = discard
default_transport = discard
CONF
} >"$dir/receiver/etc/main.cf"
printf 'known@refuse.test x\nlater@refuse.test x\n' >"$dir/receiver/etc/users"
printf 'later@refuse.test 450 4.2.0 Mailbox temporarily unavailable, try again later\n' \
    >"$dir/receiver/etc/access"
printf '127.0.22.2:25 inet n - n - - smtpd\n%s\n' "$services" >"$dir/receiver/etc/master.cf"

# --- the sender: its bounces go into files ---
cat >"$dir/tofile" <<'SH'
#!/bin/sh
# The sender instance's local delivery: the message into a file.
cat >"$1"
SH
chmod 755 "$dir/tofile"
{
    common sender
    cat <<CONF
myhostname = mail.sender.test
mydomain = sender.test
myorigin = sender.test
mydestination = sender.test
mynetworks = 127.0.0.0/8
smtp_bind_address = 127.0.22.1
transport_maps = texthash:$dir/sender/etc/transport
local_transport = tofile
default_transport = discard
# A deferral is reported at once: a delay notice after a second, and the
# failure once the message is older than its queue lifetime (a minute).
delay_warning_time = 1s
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
maximal_queue_lifetime = 30s
bounce_queue_lifetime = 30s
CONF
} >"$dir/sender/etc/main.cf"
printf 'refuse.test smtp:[127.0.22.2]:25\n' >"$dir/sender/etc/transport"
# shellcheck disable=SC2016  # ${queue_id} is Postfix's, expanded by pipe(8)
printf '%s\ntofile unix - n n - - pipe\n  user=nobody argv=%s %s/${queue_id}.eml\n' \
    "$services" "$dir/tofile" "$dir/out" >"$dir/sender/etc/master.cf"
# pickup reads what sendmail(1) drops.
printf 'pickup    unix  n       -       n       60      1       pickup\n' >>"$dir/sender/etc/master.cf"

cat >"$dir/stop" <<SH
#!/bin/sh
postfix -c "$dir/sender/etc" stop >/dev/null 2>&1
postfix -c "$dir/receiver/etc" stop >/dev/null 2>&1
exit 0
SH
chmod 755 "$dir/stop"

for inst in receiver sender; do
    postfix -c "$dir/$inst/etc" check >>"$dir/postfix.out" 2>&1
    setsid postfix -c "$dir/$inst/etc" start </dev/null >>"$dir/postfix.out" 2>&1 ||
        { tail -n 20 "$dir/postfix.out" >&2; "$dir/stop"; exit 1; }
done
[ "${KEEP:-0}" = 1 ] || trap '"$dir/stop"' EXIT

# message TO SUBJECT: one message from alice@sender.test.
message() {
    printf 'From: Alice <alice@sender.test>\nTo: <%s>\nSubject: %s\nDate: %s\nMessage-ID: <%s.%s@sender.test>\n\nHello.\n' \
        "$1" "$2" "$(date -R)" "$RANDOM" "$$" |
        sendmail -C "$dir/sender/etc" -f alice@sender.test "$1"
}
message nobody@refuse.test "Quarterly report"
message later@refuse.test "Meeting on Friday"

# The failure comes in seconds, the delay notice in a few, the 4xx's
# failure after the queue lifetime: wait for three files (at most 90 s).
for _ in $(seq 1 90); do
    [ "$(find "$dir/out" -name '*.eml' | wc -l)" -ge 3 ] && break
    sleep 1
done
find "$dir/out" -name '*.eml' | sort
