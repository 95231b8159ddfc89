# Glance for scripts/openstack-dev.sh (sourced): glance-api on http://127.0.0.1:9292, sqlite,
# file store under $SIROCCO_OS_DIR/glance, and the public image cirros-fake (a few KiB of raw
# zeros: the fake compute driver never reads it).
GLANCE_PORT=9292
IMAGE_URL="http://${OS_HOST}:${GLANCE_PORT}"
GLANCE_DIR=$SIROCCO_OS_DIR/glance
GLANCE_SERVICES=(glance-api:glance-api) # NAME:PATTERN, see `running`
IMAGE_NAME=cirros-fake

setup_glance() {
  local t0 t1 t2 t3 conf=$SIROCCO_OS_DIR/etc/glance-api.conf changed=0
  t0=$(date +%s)
  mkdir -p "$GLANCE_DIR"/{images,staging,tasks,lock}
  write_if_changed "$conf" <<CONF || changed=1
[DEFAULT]
bind_host = $OS_HOST
bind_port = $GLANCE_PORT
workers = 1
debug = false
default_log_levels = $QUIET_LOG_LEVELS
enabled_backends = file:file
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $GLANCE_DIR/images/
[os_glance_staging_store]
filesystem_store_datadir = $GLANCE_DIR/staging/
[os_glance_tasks_store]
filesystem_store_datadir = $GLANCE_DIR/tasks/
[database]
connection = sqlite:///$GLANCE_DIR/glance.sqlite
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $GLANCE_DIR/lock
$(authtoken_conf glance)
CONF
  if [ ! -f "$GLANCE_DIR/.dbsynced" ]; then
    say "glance: db_sync"
    glance-manage --config-file "$conf" db_sync >> "$SIROCCO_OS_DIR/log/glance-manage.log" 2>&1 \
      || die "glance-manage db_sync failed (log: $SIROCCO_OS_DIR/log/glance-manage.log)"
    sqlite3 "$GLANCE_DIR/glance.sqlite" 'PRAGMA journal_mode=WAL;' > /dev/null # see keystone-dev.sh
    touch "$GLANCE_DIR/.dbsynced"
  fi
  t1=$(date +%s)

  if [ $changed = 1 ] && running glance-api glance-api; then
    say "glance: $conf changed, restarting"; stop_service glance-api
  fi
  if running glance-api glance-api; then
    say "glance-api already running (pid $(cat "$(pid_file glance-api)"))"
  else
    start_service glance-api glance-api --config-file "$conf"
  fi
  wait_for_service glance-api "$IMAGE_URL/" 120 glance-api
  t2=$(date +%s)

  await_job catalog 600 # Glance checks tokens as its user glance
  admin_session
  # the image: the one of the last run when it is still there and active, else one found by name,
  # else a new one
  local id status
  id=$(cat "$GLANCE_DIR/$IMAGE_NAME.id" 2>/dev/null || true)
  status=$( { [ -n "$id" ] && api_call GET "$IMAGE_URL/v2/images/$id" 2>/dev/null; } | jq -r '.status // empty' || true)
  if [ "$status" != active ]; then
    id=$(api_call GET "$IMAGE_URL/v2/images?name=$IMAGE_NAME&visibility=public&status=active" | jq -r '.images[0].id // empty')
    if [ -z "$id" ]; then
      say "glance: creating the public image $IMAGE_NAME"
      id=$(api_call POST "$IMAGE_URL/v2/images" \
        "{\"name\": \"$IMAGE_NAME\", \"disk_format\": \"raw\", \"container_format\": \"bare\", \"visibility\": \"public\"}" | jq -r .id)
      head -c 4096 /dev/zero | curl -sf -m 60 -X PUT "$IMAGE_URL/v2/images/$id/file" -H "X-Auth-Token: $ADMIN_TOKEN" \
        -H 'Content-Type: application/octet-stream' --data-binary @- || die "uploading $IMAGE_NAME's data failed"
      status=$(api_call GET "$IMAGE_URL/v2/images/$id" | jq -r .status)
      [ "$status" = active ] || die "image $IMAGE_NAME ($id) is $status after its upload, not active"
    fi
    echo "$id" > "$GLANCE_DIR/$IMAGE_NAME.id"
  fi
  t3=$(date +%s)
  say "glance timings: config+db $((t1 - t0))s, start $((t2 - t1))s, image $((t3 - t2))s"
}
