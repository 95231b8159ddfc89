# Cinder for scripts/openstack-dev.sh (sourced): cinder-api on :8776, cinder-scheduler,
# cinder-volume with a fake back end (sirocco_fake_volume.py, on top of the one python3-cinder
# ships: each volume's data is a small file, but the API, scheduler, volume state machine, quotas
# and attachments are the real ones) and cinder-backup (Debian's package, the posix backup driver
# writing to $CINDER_DIR/backups: real full and incremental backups and restores of those files);
# the database on the private PostgreSQL; volume type "fake" (also the default).
CINDER_PORT=8776
VOLUME_URL="http://${OS_HOST}:${CINDER_PORT}/v3" # + /<project id>
CINDER_DIR=$SIROCCO_OS_DIR/cinder
CINDER_HOST=sirocco-dev
VOLUME_TYPE=fake
CINDER_SERVICES=(cinder-backup:cinder-backup cinder-volume:cinder-volume.py cinder-scheduler:cinder-scheduler cinder-api:cinder-api)
CINDER_BACKUP_DIR=$CINDER_DIR/backups

setup_cinder() {
  local t0 t1 t2 t3 conf=$SIROCCO_OS_DIR/etc/cinder.conf changed=0
  local backup_conf=$SIROCCO_OS_DIR/etc/cinder-backup.conf backup_changed=0 driver_changed=0 driver_stamp
  t0=$(date +%s)
  mkdir -p "$CINDER_DIR"/lock "$CINDER_BACKUP_DIR"
  write_if_changed "$conf" <<CONF || changed=1
[DEFAULT]
transport_url = $TRANSPORT_URL
auth_strategy = keystone
host = $CINDER_HOST
my_ip = $OS_HOST
state_path = $CINDER_DIR
osapi_volume_listen = $OS_HOST
osapi_volume_listen_port = $CINDER_PORT
osapi_volume_workers = 1
api_paste_config = /etc/cinder/api-paste.ini
enabled_backends = fake
default_volume_type = $VOLUME_TYPE
glance_api_servers = $IMAGE_URL
debug = false
default_log_levels = $QUIET_LOG_LEVELS
[database]
connection = $(pg_url cinder)
[oslo_concurrency]
lock_path = $CINDER_DIR/lock
[oslo_messaging_notifications]
driver = noop
[fake]
volume_driver = sirocco_fake_volume.FakeImageVolumeDriver
volume_backend_name = fake
$(service_auth_conf nova cinder)
$(authtoken_conf cinder)
CONF
  # cinder-backup's own options, in a file of its own (read after cinder.conf): the other
  # services do not need them, and are not restarted when they change
  write_if_changed "$backup_conf" <<CONF || backup_changed=1
[DEFAULT]
backup_driver = cinder.backup.drivers.posix.PosixBackupDriver
backup_posix_path = $CINDER_BACKUP_DIR
CONF
  # cinder-volume loads the fake driver once: a changed driver means a restart
  driver_stamp=$(sha256sum < "$OS_SCRIPTS/sirocco_fake_volume.py" | cut -c1-16)
  [ "$(cat "$SIROCCO_OS_DIR/run/cinder-volume.driver" 2>/dev/null)" = "$driver_stamp" ] || driver_changed=1
  if [ ! -f "$CINDER_DIR/.dbsynced" ]; then
    await_job postgres 300
    say "cinder: db sync"
    cinder-manage --config-file "$conf" db sync >> "$SIROCCO_OS_DIR/log/cinder-manage.log" 2>&1 \
      || die "cinder-manage db sync failed (log: $SIROCCO_OS_DIR/log/cinder-manage.log)"
    touch "$CINDER_DIR/.dbsynced"
  fi
  t1=$(date +%s)

  await_job postgres 300
  await_job rabbitmq 300
  local entry name pattern started=() since
  since=$(date -u +%Y-%m-%dT%H:%M:%S)
  for entry in "${CINDER_SERVICES[@]}"; do
    name=${entry%%:*} pattern=${entry#*:}
    if [ $changed = 1 ] && running "$name" "$pattern"; then say "$name: $conf changed, restarting"; stop_service "$name"; fi
  done
  if [ $backup_changed = 1 ] && running cinder-backup cinder-backup; then say "cinder-backup: $backup_conf changed, restarting"; stop_service cinder-backup; fi
  if [ $driver_changed = 1 ] && running cinder-volume cinder-volume.py; then say "cinder-volume: the fake volume driver changed, restarting"; stop_service cinder-volume; fi
  for entry in cinder-api:cinder-api cinder-scheduler:cinder-scheduler cinder-volume:cinder-volume.py cinder-backup:cinder-backup; do
    name=${entry%%:*} pattern=${entry#*:}
    running "$name" "$pattern" && continue
    started+=("$name")
    if [ "$name" = cinder-volume ]; then
      start_service cinder-volume /usr/bin/python3 "$OS_SCRIPTS/cinder-volume.py" --config-file "$conf"
      echo "$driver_stamp" > "$SIROCCO_OS_DIR/run/cinder-volume.driver"
    elif [ "$name" = cinder-backup ]; then
      start_service cinder-backup /usr/bin/cinder-backup --config-file "$conf" --config-file "$backup_conf"
    else
      start_service "$name" "/usr/bin/$name" --config-file "$conf"
    fi
  done
  [ ${#started[@]} -gt 0 ] || say "cinder: all services already running"
  wait_for_service cinder-api "http://${OS_HOST}:${CINDER_PORT}/" 120 cinder-api
  await_job catalog 600 # (the services need Keystone only for their first request)
  admin_session
  t2=$(date +%s)

  # the volume type (its extra spec sends it to the fake back end); Cinder's default type
  # (__DEFAULT__) would land there too, there being one back end
  local admin_volumes="$VOLUME_URL/$ADMIN_PROJECT_ID" type_id
  type_id=$(api_call GET "$admin_volumes/types?is_public=None" | jq -r --arg n "$VOLUME_TYPE" '.volume_types[] | select(.name == $n) | .id')
  if [ -z "$type_id" ]; then
    say "cinder: creating volume type $VOLUME_TYPE"
    type_id=$(api_call POST "$admin_volumes/types" \
      "{\"volume_type\": {\"name\": \"$VOLUME_TYPE\", \"os-volume-type-access:is_public\": true}}" | jq -r .volume_type.id)
  fi
  if ! api_call GET "$admin_volumes/types/$type_id/extra_specs" | jq -e '.extra_specs.volume_backend_name == "fake"' > /dev/null; then
    api_call POST "$admin_volumes/types/$type_id/extra_specs" '{"extra_specs": {"volume_backend_name": "fake"}}' > /dev/null
  fi
  local stamp project
  stamp=$(fingerprint "$DEMO_PROJECT_ID" "$ALT_PROJECT_ID" quotas-v2)
  if [ "$(cat "$CINDER_DIR/.quotas" 2>/dev/null)" != "$stamp" ]; then
    # the defaults of every project (Cinder's quota_* options for them are deprecated)
    api_call PUT "$admin_volumes/os-quota-class-sets/default" '{"quota_class_set": {"volumes": 200, "snapshots": 200, "gigabytes": 10000}}' > /dev/null
    for project in "$DEMO_PROJECT_ID" "$ALT_PROJECT_ID"; do
      api_call GET "$admin_volumes/os-quota-sets/$project" | jq -e '.quota_set | .volumes >= 50 and .snapshots >= 50 and .gigabytes >= 1000' > /dev/null ||
        api_call PUT "$admin_volumes/os-quota-sets/$project" '{"quota_set": {"volumes": 200, "snapshots": 200, "gigabytes": 10000}}' > /dev/null
    done
    echo "$stamp" > "$CINDER_DIR/.quotas"
  fi

  # ready for volumes and backups: cinder-volume and cinder-backup report (since they started) and
  # the scheduler knows the volume pool
  if [ ${#started[@]} -gt 0 ]; then
    say "cinder: waiting for cinder-volume and cinder-backup to report"
    service_reported() { # BINARY
      api_call GET "$admin_volumes/os-services?binary=$1" 2>/dev/null |
        jq -e --arg since "$since" '.services[] | select(.state == "up" and (.updated_at == null or .updated_at >= $since))' > /dev/null
    }
    volume_reported() {
      still_running "${CINDER_SERVICES[@]}"
      service_reported cinder-volume && service_reported cinder-backup &&
      api_call GET "$admin_volumes/scheduler-stats/get_pools" 2>/dev/null | jq -e '.pools | length > 0' > /dev/null
    }
    wait_until 120 "cinder-volume and cinder-backup reporting" volume_reported
  fi
  t3=$(date +%s)
  say "cinder timings: config+db $((t1 - t0))s, start $((t2 - t1))s, type+quotas+ready $((t3 - t2))s"
}
