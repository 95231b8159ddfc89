#!/usr/bin/env bash
# What the std.ssh peer suite (test/peers/ssh.peer-spec.ts) needs on this machine: Debian's
# openssh-server (the suite starts its own sshd on a free port, with its own config, host key and
# authorized_keys in a temp dir; the system's sshd is never configured nor started) and a test user
# with a known password for password logins. Idempotent: re-running when all is there takes ~1 s.
#
#   bash scripts/sshd-dev.sh
#
# Environment: SIROCCO_SSH_TEST_USER (default sirocco-ssh), SIROCCO_SSH_TEST_PASSWORD (default
# ssh-test-pass); the suite reads the same variables.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/openstack.sh" # install_packages, say, die

TEST_USER=${SIROCCO_SSH_TEST_USER:-sirocco-ssh}
TEST_PASSWORD=${SIROCCO_SSH_TEST_PASSWORD:-ssh-test-pass}

[ "$(id -u)" = 0 ] || die "run as root (installs openssh-server and creates the test user $TEST_USER)"
[[ $TEST_USER =~ ^[a-z_][a-z0-9_-]{0,30}$ ]] || die "SIROCCO_SSH_TEST_USER must be a plain user name"

# one run at a time: several test runs may call this script at once
exec 9> /tmp/sirocco-sshd-dev.lock
flock -w 600 9 || die "another sshd-dev.sh still holds /tmp/sirocco-sshd-dev.lock"

# policy-rc.d (see install_packages) keeps the package from starting the system's sshd
[ -x /usr/sbin/sshd ] && command -v ssh-keygen > /dev/null || install_packages openssh-server openssh-client

# sshd's privilege separation directory (normally made by its init script, which never runs here)
mkdir -p /run/sshd && chmod 755 /run/sshd

if ! id "$TEST_USER" > /dev/null 2>&1; then
  say "creating the test user $TEST_USER"
  useradd --create-home --shell /bin/bash "$TEST_USER"
fi
# set every time: the password may have been changed (or the account locked) since
echo "$TEST_USER:$TEST_PASSWORD" | chpasswd
say "sshd $(/usr/sbin/sshd -V 2>&1 | head -1 || true); test user $TEST_USER ready"
