# shellcheck shell=bash
# Shared by tests/lab/start, stop and test.  Sourced, never run.
#
# The lab is a set of real servers on loopback (see README.md).  Everything
# it starts is recorded in $LAB_PIDS, one line per process that start
# launched:   PID PGID NAME
# Each of those processes is started as the leader of its own session
# (setsid), so PGID == PID and every child it forks (NSD's server and xfrd
# children, Postfix's smtpd/cleanup/qmgr/...) stays in that group.  stop ends
# the recorded groups, and only processes in them that carry the lab's
# marker in their environment: never anything found by name.

# nsd, postfix and smtp-sink live in /usr/sbin, which a non-login or
# non-root PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

# shellcheck disable=SC2034  # LAB_SRC and LAB_STAMP are for the scripts that source this
LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=${MAILFLOW_LAB_DIR:-/tmp/mailflow-lab}
# Absolute path: it ends up in config files and in the environment marker.
case $LAB_DIR in /*) ;; *) LAB_DIR=$PWD/$LAB_DIR ;; esac
LAB_DIR=${LAB_DIR%/}
LAB_PIDS=$LAB_DIR/lab.pids
# A file that says "this directory belongs to the lab", so that start may
# wipe it.  start refuses to empty a directory without it.
# shellcheck disable=SC2034
LAB_STAMP=$LAB_DIR/.mailflow-lab
# Every process the lab starts gets MAILFLOW_LAB_INSTANCE=$LAB_DIR in its
# environment (Postfix passes it on through import_environment).  stop checks
# /proc/PID/environ for it before it signals anything.
LAB_MARKER="MAILFLOW_LAB_INSTANCE=$LAB_DIR"

LAB_DNS_ADDR=127.0.0.1
LAB_DNS_PORT=5353

# address  host name            server      role (the scenario, see README.md)
# The one table of SMTP listeners; start, stop and test all read it.
# server "fakesmtp" runs tests/fakesmtp with the script fake/ROLE.script.
LAB_HOSTS="
127.0.0.11 mx1.healthy.lab.test  postfix    healthy
127.0.0.12 mx2.healthy.lab.test  postfix    healthy
127.0.0.13 implicit.lab.test     smtp-sink  implicit
127.0.0.14 mx.dead.lab.test      none       dead
127.0.0.15 mx.silent.lab.test    smtp-sink  silent
127.0.0.16 mx.busy.lab.test      smtp-sink  busy
127.0.0.17 mx.nouser.lab.test    postfix    nouser
127.0.0.18 mx.greylist.lab.test  postfix    greylist
127.0.0.19 mx.slow.lab.test      smtp-sink  slow
127.0.0.20 mx.openrelay.lab.test postfix    openrelay
127.0.0.30 mx.wrongname.lab.test postfix    wrongname
127.0.0.31 mx.malformed.lab.test fakesmtp   malformed
127.0.0.32 mx.escape.lab.test    fakesmtp   escape
127.0.0.33 mx.bigline.lab.test   fakesmtp   bigline
127.0.0.34 mx.stall.lab.test     fakesmtp   stall
127.0.0.35 mx.inject.lab.test    fakesmtp   inject
127.0.0.36 mx.nodsn.lab.test     smtp-sink  nodsn
127.0.0.37 mx.auth.lab.test      postfix    auth
127.0.0.38 mx.early.lab.test     fakesmtp   early
127.0.0.39 mx.oldsmtp.lab.test   fakesmtp   oldsmtp
127.0.0.40 mx.smtps.lab.test     fakesmtp   smtps
127.0.0.41 mx1.slow4.lab.test    smtp-sink  slow4
127.0.0.42 mx2.slow4.lab.test    smtp-sink  slow4
127.0.0.43 mx3.slow4.lab.test    smtp-sink  slow4
127.0.0.44 mx4.slow4.lab.test    smtp-sink  slow4
127.0.0.45 mx.expired.lab.test   postfix    expired
127.0.0.46 mx.selfsigned.lab.test postfix   selfsigned
"

# MTA-STS policy servers (tests/lab/zones/sts.test.zone): address, domain,
# what mta-sts.DOMAIN serves (start "MTA-STS"), its certificate (own: one
# for mta-sts.DOMAIN).  server nginx, except the listener that never answers.
LAB_STS_HOSTS="
127.0.21.1  enforce.sts.test    enforce  own
127.0.21.2  missing.sts.test    missing  own
127.0.21.3  testing.sts.test    mixed    own
127.0.21.4  wildcard.sts.test   wildcard own
127.0.21.5  notfound.sts.test   404      own
127.0.21.6  html.sts.test       html     own
127.0.21.7  redirect.sts.test   redirect own
127.0.21.8  wrongcert.sts.test  enforce  mta-sts.other.sts.test
127.0.21.9  big.sts.test        big      own
127.0.21.10 stall.sts.test      stall    none
127.0.21.11 enforcebad.sts.test bad      own
127.0.21.12 healthy.lab.test    enforce  own
127.0.21.13 slow.sts.test       slow     own
"
# lab_sts_hosts [nginx|smtp-sink]: "addr domain mode cert" lines.
lab_sts_hosts() {
    local addr dom mode cert
    while read -r addr dom mode cert; do
        [ -n "$addr" ] || continue
        case ${1:-} in
            nginx)     [ "$mode" != stall ] || continue ;;
            smtp-sink) [ "$mode" = stall ] || continue ;;
        esac
        echo "$addr $dom $mode $cert"
    done <<<"$LAB_STS_HOSTS"
}

# The one SASL user of auth.lab.test (Postfix, Cyrus sasldb, realm
# auth.lab.test): a lab fixture, not a secret.  start and test use them.
# shellcheck disable=SC2034
LAB_AUTH_USER=probe
# shellcheck disable=SC2034
LAB_AUTH_PASSWORD=lab-password

# lab_say never fails: start and stop must finish their work even when
# whoever reads their output has gone away (they ignore SIGPIPE).
lab_say() { printf 'lab: %s\n' "$*" 2>/dev/null || true; }
lab_die() { printf 'lab: %s\n' "$*" >&2; exit "${LAB_DIE_CODE:-1}"; }

# lab_hosts [SERVER]: "addr name server role" lines, optionally one server kind.
lab_hosts() {
    local addr name server role
    while read -r addr name server role; do
        [ -n "$addr" ] || continue
        if [ -z "${1:-}" ] || [ "$1" = "$server" ]; then
            echo "$addr $name $server $role"
        fi
    done <<<"$LAB_HOSTS"
}

# lab_is_ours PID: true if PID is alive and carries this lab's marker.
# /proc/PID/environ is the environment the process was exec'd with, so the
# marker cannot be "inherited by accident" by an unrelated shell: only what
# start launched (and its forks/execs) has it.
lab_is_ours() {
    local pid=$1
    [ -r "/proc/$pid/environ" ] || return 1
    { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qxF "$LAB_MARKER"
}

# lab_cmdline PID: the command line, spaces between arguments.
lab_cmdline() {
    { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | sed 's/ $//'
}

# lab_looks_like PID NAME: the recorded process still runs the program it was
# recorded as (guards against a PID reused by something else).
lab_looks_like() {
    local pid=$1 name=$2 cmd
    cmd=$(lab_cmdline "$pid") || return 1
    case $name in
        nsd)            [[ $cmd == *nsd*" -c $LAB_DIR/"* ]] ;;
        smtp-sink)      [[ $cmd == *smtp-sink* ]] ;;
        fakesmtp)       [[ $cmd == *fakesmtp*" -l "* ]] ;;
        postfix-master) [[ $cmd == */master* ]] ;;
        nginx)          [[ $cmd == *nginx*" -c $LAB_DIR/"* ]] ;;
        unbound)        [[ $cmd == *unbound*" -c $LAB_DIR/"* ]] ;;   # DANE (issue 14)
        # The watchdog shell, or the stop script it has exec'd by now.
        watchdog)       [[ $cmd == *mailflow-lab-watchdog* || $cmd == */stop ]] ;;
        *)              return 1 ;;
    esac
}

# lab_pgid_table: "PID PGID" of every live process, from /proc (no ps: a
# minimal Debian image has no procps).  Field 5 of /proc/PID/stat is the
# process group; field 2 (the command name) may hold spaces and ')', so the
# fields are counted after the last ')'.
lab_pgid_table() {
    local stat pid line pgid
    for stat in /proc/[0-9]*/stat; do
        pid=${stat#/proc/}; pid=${pid%/stat}
        { read -r line <"$stat"; } 2>/dev/null || continue
        line=${line##*) }
        # line = "state ppid pgrp ..."
        read -r _ _ pgid _ <<<"$line"
        echo "$pid $pgid"
    done
}

# lab_pgid_of PID: the process group of PID (empty if it is gone).
lab_pgid_of() {
    local line pgid
    { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 0
    line=${line##*) }
    read -r _ _ pgid _ <<<"$line"
    echo "$pgid"
}

# lab_recorded_pids: every live lab process belonging to a recorded entry:
# the recorded PID itself (if it still looks like what was recorded) and the
# members of its process group that carry the marker.  Our own process group
# is left out: when the watchdog runs stop, stop *is* the watchdog process.
lab_recorded_pids() {
    local pid pgid name member mpgid mygroup table
    [ -f "$LAB_PIDS" ] || return 0
    mygroup=$(lab_pgid_of $$)
    table=$(lab_pgid_table)
    while read -r pid pgid name; do
        [[ $pid =~ ^[0-9]+$ && $pgid =~ ^[0-9]+$ ]] || continue
        [ "$pgid" = "$mygroup" ] && continue
        if [ -d "/proc/$pid" ] && lab_is_ours "$pid" && lab_looks_like "$pid" "$name"; then
            echo "$pid"
        fi
        while read -r member mpgid; do
            { [ "$mpgid" = "$pgid" ] && [ "$member" != "$pid" ]; } || continue
            lab_is_ours "$member" && echo "$member"
        done <<<"$table"
    done <"$LAB_PIDS" | sort -un
}

# lab_stop_recorded: TERM, wait up to 5 s, then KILL what is left.  Says
# what it stops, one line per recorded process.  The Postfix master passes
# TERM on to its children itself; they get it directly too, which is harmless
# and covers a master that is already gone.  Returns 0 when nothing
# recorded is alive any more.
lab_stop_recorded() {
    local pids left pid pgid name n p
    pids=$(lab_recorded_pids)
    [ -n "$pids" ] || return 0
    while read -r pid pgid name; do
        [[ $pid =~ ^[0-9]+$ ]] || continue
        # How many of the processes about to be signalled belong to this entry.
        n=0
        for p in $pids; do
            [ "$(lab_pgid_of "$p")" = "$pgid" ] && n=$((n + 1))
        done
        [ "$n" -gt 0 ] && lab_say "stopping $name (pid $pid, $n process(es) in its group)"
    done <"$LAB_PIDS"
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 50); do
        left=$(lab_recorded_pids)
        [ -z "$left" ] && return 0
        sleep 0.1
    done
    lab_say "still alive after 5 s, sending KILL: ${left//$'\n'/ }"
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
    sleep 0.3
    [ -z "$(lab_recorded_pids)" ]
}

# lab_listeners ADDR PORT PROTO: ss lines of sockets that would stop us
# binding ADDR:PORT (PROTO tcp or udp): the address itself or a wildcard.
lab_listeners() {
    local addr=$1 port=$2 proto=$3 flag
    [ "$proto" = tcp ] && flag=-Hltnp || flag=-Hlunp
    ss $flag 2>/dev/null | awk -v addr="$addr" -v port="$port" '
        { local = $4 }
        local == addr ":" port || local == "[::ffff:" addr "]:" port ||
        local == "0.0.0.0:" port || local == "*:" port || local == "[::]:" port { print }'
}

# lab_dig ARGS...: dig against the lab server, short timeouts.
lab_dig() {
    dig @"$LAB_DNS_ADDR" -p "$LAB_DNS_PORT" +time=2 +tries=1 "$@"
}

# lab_tcp_open ADDR PORT: true if a TCP connect succeeds within 2 s.
lab_tcp_open() {
    # shellcheck disable=SC2016  # a script for a child bash: its $ expand there
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# lab_first_line ADDR PORT SECONDS: connect, print the first line the server
# sends (without CR) within SECONDS, send nothing.  Fails on connect error or
# when no line comes.
lab_first_line() {
    # shellcheck disable=SC2016  # a script for a child bash: its $ expand there
    local script='exec 3<>"/dev/tcp/$1/$2" || exit 1
        IFS= read -r -t "$3" line <&3 || exit 1
        printf "%s\n" "$line"'
    timeout $(($3 + 2)) bash -c "$script" _ "$1" "$2" "$3" 2>/dev/null | tr -d '\r'
}

# lab_running: the pid file exists and every recorded PID is alive and ours.
lab_running() {
    local pid pgid name n=0
    [ -f "$LAB_PIDS" ] || return 1
    while read -r pid pgid name; do
        [[ $pid =~ ^[0-9]+$ ]] || continue
        lab_is_ours "$pid" && lab_looks_like "$pid" "$name" || return 1
        n=$((n + 1))
    done <"$LAB_PIDS"
    [ "$n" -gt 0 ]
}
