#!/usr/bin/env bash
# What the web UI's browser suite (test/peers/ui/) needs on this machine: Debian's chromium, which
# playwright-core drives at /usr/bin/chromium (Playwright's own browser downloads are not used).
# Idempotent: re-running when chromium is there takes well under a second.
#
#   bash scripts/chromium-dev.sh
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/openstack.sh" # install_packages, say, die

if [ -x /usr/bin/chromium ]; then exit 0; fi
[ "$(id -u)" = 0 ] || die "run as root (installs Debian's chromium)"

# one run at a time: several test runs may call this script at once
exec 9> /tmp/sirocco-chromium-dev.lock
flock -w 900 9 || die "another chromium-dev.sh still holds /tmp/sirocco-chromium-dev.lock"

# install_packages: apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends
[ -x /usr/bin/chromium ] || install_packages chromium fonts-dejavu-core
[ -x /usr/bin/chromium ] || die "chromium is still not at /usr/bin/chromium after its install"
say "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo installed)"
