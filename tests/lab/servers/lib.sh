# shellcheck shell=bash
# Shared by tests/lab/servers/start and stop.  Sourced, never run.
#
# The servers of issue 12 that the lab proper does not run: Exim 4.96 and
# OpenSMTPD 6.8 unpacked by make deps (tests/deps: apt-get download +
# dpkg -x, since Debian's packages conflict with postfix) and aiosmtpd 1.4
# (python3-aiosmtpd).  Each run has its own state directory SRV_DIR; the
# process bookkeeping is the lab's own (tests/lab/lib.sh: a recorded PID and
# process group, a marker in the environment, never a name), pointed at
# that directory.

# shellcheck source=tests/lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# shellcheck disable=SC2034  # SRV_SRC, SRV_ROOT and LAB_STAMP are for start and stop
SRV_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034
SRV_ROOT=${MAILFLOW_SERVERS_ROOT:-/var/cache/mailflow-lab/root}

# srv_use_dir DIR: every lab_* helper now works on DIR's servers.pids and
# DIR's marker, not on the lab's.
srv_use_dir() {
	case $1 in /*) LAB_DIR=${1%/} ;; *) LAB_DIR=$PWD/${1%/} ;; esac
	LAB_PIDS=$LAB_DIR/servers.pids
	LAB_MARKER="MAILFLOW_LAB_INSTANCE=$LAB_DIR"
	# shellcheck disable=SC2034
	LAB_STAMP=$LAB_DIR/.mailflow-servers
}

# address  server  what (README "The real servers")
# shellcheck disable=SC2034  # read by start
SRV_HOSTS="
127.0.9.1 exim      MX: STARTTLS, AUTH, relay refused, unknown user, 451 greylist@
127.0.9.4 exim      submission-like: AUTH after STARTTLS, 530 before it
127.0.9.5 exim      one connection per client address, then 421
127.0.9.2 opensmtpd MX: STARTTLS (broken with OpenSSL 3), 524 5.2.4 / 550 unknown users
127.0.9.3 aiosmtpd  MX: AUTH without TLS, open relay, 552 above 200 bytes of data
"

# The size limit of the aiosmtpd server: mailflow's --send message is
# larger, so DATA ends in aiosmtpd's own 552.
# shellcheck disable=SC2034
SRV_AIOSMTPD_SIZE=200

# lab_looks_like PID NAME, for these servers (replaces the lab's).
lab_looks_like() {
	local cmd
	cmd=$(lab_cmdline "$1") || return 1
	case $2 in
	exim)      [[ $cmd == *exim4*" -C $LAB_DIR/"* ]] ;;
	opensmtpd) [[ $cmd == *smtpd*" -f $LAB_DIR/"* || $cmd == *unshare* ]] ;;
	aiosmtpd)  [[ $cmd == *aiosmtpd-server.py* ]] ;;
	*)         return 1 ;;
	esac
}
