#!/usr/bin/env bash
# What the metrics peer suite (test/peers/metrics.peer-spec.ts) needs: promtool, from Debian's
# prometheus package. Only the binary is used (`promtool check rules`, `test rules`, `check
# metrics`); policy-rc.d (see install_packages) keeps the package from starting the prometheus
# service. Idempotent: re-running when promtool is there takes well under a second.
#
#   bash scripts/promtool-dev.sh
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/openstack.sh" # install_packages, say, die

[ "$(id -u)" = 0 ] || die "run as root (installs Debian's prometheus package for promtool)"

exec 9> /tmp/sirocco-promtool-dev.lock
flock -w 900 9 || die "another promtool-dev.sh still holds /tmp/sirocco-promtool-dev.lock"

command -v promtool > /dev/null || install_packages prometheus
command -v promtool > /dev/null || die "the prometheus package did not install promtool"
# the package's service is never wanted here (the install may run where systemd starts it anyway)
if command -v systemctl > /dev/null && systemctl is-active --quiet prometheus 2> /dev/null; then
  systemctl stop prometheus && systemctl disable --quiet prometheus || true
fi
say "$(promtool --version 2>&1 | head -1)"
