"""A Cinder volume driver for the dev/test cloud of scripts/openstack-dev.sh (no storage).

cinder.tests.fake_driver.FakeLoggingVolumeDriver (shipped in python3-cinder) fakes the data path
of volumes, snapshots, clones and attachments, but it inherits the LVM driver's image copies,
which write to /dev/mapper/...: a volume made from an image (imageRef, the usual boot volume) goes
to `error`, and so does os-volume_upload_image. FakeImageVolumeDriver reads the image from Glance
(so a missing or empty image still fails, as on a real cloud) and drops the bytes; an upload to an
image sends a few bytes, so that image becomes active.

Tests need a snapshot that fails on demand, as a full or broken back end makes one fail: a
snapshot whose name contains FAIL_MARKER fails in the driver, and Cinder puts it in `error`.

cinder.conf: volume_driver = sirocco_fake_volume.FakeImageVolumeDriver (scripts/openstack/
cinder-volume.py puts this directory on sys.path)
"""
import io

from cinder import exception
from cinder.tests import fake_driver

# what an upload to an image holds: small, but not empty (size and checksum are set)
UPLOAD_DATA = b"sirocco fake volume upload\n" * 40
FAIL_MARKER = 'sirocco-fail-snapshot'


class FakeImageVolumeDriver(fake_driver.FakeLoggingVolumeDriver):

    def copy_image_to_volume(self, context, volume, image_service, image_id):
        for _chunk in image_service.download(context, image_id):
            pass

    def copy_volume_to_image(self, context, volume, image_service, image_meta):
        image_service.update(context, image_meta['id'], {}, io.BytesIO(UPLOAD_DATA))

    def extend_volume(self, volume, new_size):
        pass

    def create_snapshot(self, snapshot):
        if FAIL_MARKER in (snapshot.display_name or ''):
            raise exception.VolumeBackendAPIException(data='the test back end fails snapshots named %s' % FAIL_MARKER)
        return super().create_snapshot(snapshot)
