#!/usr/bin/env bash
# Installs the real Mistral clients when missing: the `mistral` command line client and the library
# (Debian's python3-mistralclient) and `openstack workflow ...` (python3-openstackclient, which loads
# mistralclient as a plugin). Used by `npm run test:mistral-cli`, which drives them against Sirocco.
set -euo pipefail
if command -v mistral >/dev/null 2>&1 && command -v openstack >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
  python3-mistralclient python3-openstackclient >/dev/null
command -v mistral >/dev/null || { echo "mistral CLI still missing after install" >&2; exit 1; }
command -v openstack >/dev/null || { echo "openstack CLI still missing after install" >&2; exit 1; }
