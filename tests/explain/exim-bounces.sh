#!/usr/bin/env bash
# tests/explain/exim-bounces.sh DIR — a real Exim bounce, made here.
#
# Exim 4.96 as unpacked by make deps (MAILFLOW_SERVERS_ROOT, default
# /var/cache/mailflow-lab/root), with a configuration of its own under
# DIR/exim, no daemon and no listener: a message is submitted with -odi
# (delivered at once, in the foreground); its smtp transport hands
# refuse.test to the receiver of postfix-bounces.sh (127.0.22.2:25, which
# must be running: KEEP=1), from 127.0.22.3; the bounce for
# alice@exim-sender.test is appended to DIR/exim/out/bounce.eml, which it
# prints. Needs root.
set -euo pipefail

dir=${1:?usage: exim-bounces.sh DIR}
root=${MAILFLOW_SERVERS_ROOT:-/var/cache/mailflow-lab/root}
exim=$root/usr/sbin/exim4
[ -x "$exim" ] || { echo "exim-bounces: no $exim (make deps unpacks it)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "exim-bounces: needs root" >&2; exit 2; }
dir=$(cd "$dir" && pwd)/exim
mkdir -p "$dir/spool" "$dir/log" "$dir/out"
chmod 755 "$dir" "$(dirname "$dir")"
chown Debian-exim: "$dir/spool" "$dir/log" "$dir/out"

cat >"$dir/exim.conf" <<CONF
exim_path = $exim
primary_hostname = mail.exim-sender.test
qualify_domain = exim-sender.test
domainlist local_domains = exim-sender.test
spool_directory = $dir/spool
log_file_path = $dir/log/%slog
pid_file_path = $dir/exim.pid
host_lookup =
rfc1413_hosts =
keep_environment =

begin routers
refuse:
  driver = manualroute
  domains = refuse.test
  transport = remote_smtp
  route_list = * 127.0.22.2
local:
  driver = accept
  domains = +local_domains
  transport = tofile

begin transports
remote_smtp:
  driver = smtp
  port = 25
  interface = 127.0.22.3
  hosts_avoid_tls = *
tofile:
  driver = appendfile
  file = $dir/out/bounce.eml
  user = Debian-exim
  mode = 0644

begin retry
*  *  F,1h,15m
CONF
chmod 644 "$dir/exim.conf"

printf 'From: Alice <alice@exim-sender.test>\nTo: <nobody@refuse.test>\nSubject: Budget\nDate: %s\n\nHello.\n' \
    "$(date -R)" | "$exim" -C "$dir/exim.conf" -odi -f alice@exim-sender.test nobody@refuse.test
# The bounce is a message of its own, delivered by a process of its own.
for _ in $(seq 1 30); do
    [ -s "$dir/out/bounce.eml" ] && break
    "$exim" -C "$dir/exim.conf" -qf >/dev/null 2>&1 || true
    sleep 1
done
[ -s "$dir/out/bounce.eml" ] || { echo "exim-bounces: no bounce; log:" >&2; tail -n 5 "$dir/log/mainlog" >&2; exit 1; }
echo "$dir/out/bounce.eml"
