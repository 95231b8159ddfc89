"""nova-compute for the dev/test cloud of scripts/openstack-dev.sh.

Runs Nova's own nova-compute (from python3-nova; the Debian nova-compute package would pull in
libvirt and qemu) with sirocco_fake_virt.py, next to this file, made loadable as a compute
driver: Nova imports compute drivers only as nova.virt.<compute_driver>. Also pings
nova-conductor more often while it waits for it at start (see below).

Usage: /usr/bin/python3 nova-compute.py --config-file nova.conf
"""
import os
import sys

import nova.cmd  # noqa: F401 - eventlet's monkey patching, before anything else of Nova loads

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sirocco_fake_virt  # noqa: E402

sys.modules['nova.virt.sirocco_fake_virt'] = sirocco_fake_virt

from nova.conductor import api as conductor_api  # noqa: E402
from nova.cmd.compute import main  # noqa: E402

# At start nova-compute pings nova-conductor until it answers, waiting 10 s for each try. When both
# start at once on a fresh broker, the first ping goes nowhere (the conductor has not declared its
# queue yet) and costs the full 10 s: try every 2 s instead.
_wait_until_ready = conductor_api.API.wait_until_ready


def _wait_until_ready_sooner(self, context, early_timeout=2, early_attempts=50):
    return _wait_until_ready(self, context, early_timeout, early_attempts)


conductor_api.API.wait_until_ready = _wait_until_ready_sooner

sys.argv[0] = 'nova-compute'
sys.exit(main())
