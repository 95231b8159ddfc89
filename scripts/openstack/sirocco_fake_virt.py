"""A Nova compute driver for the dev/test cloud of scripts/openstack-dev.sh (no hypervisor).

nova.virt.fake.FakeDriver keeps "guests" in memory, which is all this cloud needs, except for one
thing: its snapshot() never uploads anything, so the Glance image that createImage makes stays
`queued` for ever. SnapshottingFakeDriver uploads a few bytes through Nova's image API, as the
libvirt driver uploads the guest's disk, so snapshot images go queued -> saving -> active like
on a real cloud.

Tests need a snapshot that fails on demand: when the image's name contains FAIL_MARKER, the
snapshot fails in the driver, as a hypervisor error would; Nova then deletes the image and records
the error in the server's instance actions, as it does on a real cloud.

nova-compute only loads drivers from the nova.virt package: scripts/openstack/nova-compute.py
registers this module as nova.virt.sirocco_fake_virt, and nova.conf says
    compute_driver = sirocco_fake_virt.SnapshottingFakeDriver
"""
import io

from nova.compute import task_states
from nova import exception
from nova.image import glance
from nova.virt import fake

# what a snapshot's image file holds: small, but not empty (size and checksum are set)
SNAPSHOT_DATA = b"sirocco fake snapshot\n" * 48
FAIL_MARKER = 'sirocco-fail-snapshot'


class SnapshottingFakeDriver(fake.FakeDriver):

    def snapshot(self, context, instance, image_id, update_task_state):
        if instance.uuid not in self.instances:
            raise exception.InstanceNotRunning(instance_id=instance.uuid)
        # the same task_state steps as the libvirt driver
        update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)
        image = glance.API().get(context, image_id)
        if FAIL_MARKER in (image.get('name') or ''):
            raise exception.NovaException('the test hypervisor fails snapshots named %s' % FAIL_MARKER)
        update_task_state(task_state=task_states.IMAGE_UPLOADING,
                          expected_state=task_states.IMAGE_PENDING_UPLOAD)
        # keep the properties createImage put on the image (purge_props=False)
        glance.API().update(context, image_id,
                            {'disk_format': 'raw', 'container_format': 'bare'},
                            io.BytesIO(SNAPSHOT_DATA), purge_props=False)
