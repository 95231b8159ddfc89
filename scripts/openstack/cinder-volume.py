"""cinder-volume for the dev/test cloud of scripts/openstack-dev.sh.

Cinder's own cinder-volume service from python3-cinder, started without the Debian
cinder-volume package (which would pull in lvm2, tgt and qemu-utils that the fake back end,
sirocco_fake_volume.py, never uses).

Usage: /usr/bin/python3 cinder-volume.py --config-file cinder.conf
"""
import os
import sys

from cinder.cmd.volume import main  # monkey-patches eventlet on import

# the volume driver, sirocco_fake_volume.py, is next to this file
sys.dont_write_bytecode = True  # no __pycache__ in the work tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

sys.argv[0] = 'cinder-volume'
sys.exit(main())
