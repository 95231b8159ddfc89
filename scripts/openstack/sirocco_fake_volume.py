"""A Cinder volume driver for the dev/test cloud of scripts/openstack-dev.sh (no storage).

cinder.tests.fake_driver.FakeLoggingVolumeDriver (shipped in python3-cinder) fakes the data path
of volumes, snapshots, clones and attachments, but it inherits the LVM driver's image copies,
which write to /dev/mapper/...: a volume made from an image (imageRef, the usual boot volume) goes
to `error`, and so does os-volume_upload_image. FakeImageVolumeDriver keeps the API, scheduler,
state machine, quotas and attachments real, and gives every volume and snapshot a small data
file instead of a disk:

- <state_path>/fake-volumes/volume-<id> and snapshot-<id>: sparse files of DATA_BYTES (whatever
  the volume's size in GiB). A volume made from an image starts with the image's bytes (read from
  Glance, so a missing or empty image still fails, as on a real cloud); a snapshot, a clone, a
  volume made from a snapshot and a revert (os-revert, microversion 3.40) copy the file.
- initialize_connection answers a `local` connection to that file, so Cinder's own backup service
  (cinder-backup, posix driver) reads and writes the volume's data through os-brick's
  LocalConnector, as it would read a block device: backups, incremental backups and restores
  carry real bytes. Nova's fake virt driver ignores the connection.
- os-volume_upload_image uploads the file's bytes; a re-image (Nova's rebuild of a volume-backed
  server, microversion 2.93) writes the image's bytes into the file.
Volumes made before this driver had files get an empty one when first needed.

Tests need a snapshot that fails on demand, as a full or broken back end makes one fail: a
snapshot whose name contains FAIL_MARKER fails in the driver, and Cinder puts it in `error`.

cinder.conf: volume_driver = sirocco_fake_volume.FakeImageVolumeDriver (scripts/openstack/
cinder-volume.py puts this directory on sys.path)
"""
import io
import os
import shutil

from oslo_config import cfg

from cinder import exception
from cinder.tests import fake_driver

FAIL_MARKER = 'sirocco-fail-snapshot'
# the bytes a volume holds here, whatever its size: small, so backups and copies cost nothing
DATA_BYTES = 1024 * 1024


def _data_dir():
    path = os.path.join(cfg.CONF.state_path, 'fake-volumes')
    os.makedirs(path, exist_ok=True)
    return path


def _volume_file(volume):
    return os.path.join(_data_dir(), 'volume-%s' % volume['id'])


def _snapshot_file(snapshot):
    return os.path.join(_data_dir(), 'snapshot-%s' % snapshot['id'])


def _ensure_file(path):
    """The file at path, an empty (sparse) one when it is not there yet."""
    if not os.path.exists(path):
        with open(path, 'wb') as data:
            data.truncate(DATA_BYTES)
    return path


def _copy(source, target):
    shutil.copyfile(_ensure_file(source), target)


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _local_connection(path, access_mode='rw'):
    return {'driver_volume_type': 'local', 'data': {'device_path': path, 'access_mode': access_mode}}


class FakeImageVolumeDriver(fake_driver.FakeLoggingVolumeDriver):

    def create_volume(self, volume):
        update = super().create_volume(volume)
        _remove(_volume_file(volume))
        _ensure_file(_volume_file(volume))
        return update

    def delete_volume(self, volume):
        _remove(_volume_file(volume))

    def create_snapshot(self, snapshot):
        if FAIL_MARKER in (snapshot.display_name or ''):
            raise exception.VolumeBackendAPIException(data='the test back end fails snapshots named %s' % FAIL_MARKER)
        _copy(_volume_file(snapshot.volume), _snapshot_file(snapshot))

    def delete_snapshot(self, snapshot):
        _remove(_snapshot_file(snapshot))

    def create_cloned_volume(self, volume, src_vol):
        _copy(_volume_file(src_vol), _volume_file(volume))

    def create_volume_from_snapshot(self, volume, snapshot):
        _copy(_snapshot_file(snapshot), _volume_file(volume))

    def revert_to_snapshot(self, context, volume, snapshot):
        _copy(_snapshot_file(snapshot), _volume_file(volume))

    def initialize_connection(self, volume, connector):
        mode = super().initialize_connection(volume, connector)['data']['access_mode']
        return _local_connection(_ensure_file(_volume_file(volume)), mode)

    def initialize_connection_snapshot(self, snapshot, connector, **kwargs):
        return _local_connection(_ensure_file(_snapshot_file(snapshot)), 'ro')

    def copy_image_to_volume(self, context, volume, image_service, image_id):
        path = _volume_file(volume)
        with open(path, 'wb') as data:
            for chunk in image_service.download(context, image_id):
                data.write(chunk)
            if data.tell() < DATA_BYTES:
                data.truncate(DATA_BYTES)

    def copy_volume_to_image(self, context, volume, image_service, image_meta):
        with open(_ensure_file(_volume_file(volume)), 'rb') as data:
            image_service.update(context, image_meta['id'], {}, io.BytesIO(data.read()))

    def extend_volume(self, volume, new_size):
        pass
