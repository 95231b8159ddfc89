# Placement and Nova for scripts/openstack-dev.sh (sourced): placement-api (uwsgi, sqlite) on
# :8778; nova-api (uwsgi) on :8774, nova-conductor, nova-scheduler and nova-compute with
# sirocco_fake_virt.py (no hypervisor), Nova's databases on the private PostgreSQL; the
# neutron-stub.py on :9696; flavors m1.tiny (1), m1.bfv (2, disk 0, for boot from volume) and
# m1.small (3).
PLACEMENT_PORT=8778
NOVA_PORT=8774
NEUTRON_PORT=9696
PLACEMENT_URL="http://${OS_HOST}:${PLACEMENT_PORT}"
COMPUTE_URL="http://${OS_HOST}:${NOVA_PORT}/v2.1"
NETWORK_URL="http://${OS_HOST}:${NEUTRON_PORT}"
NOVA_DIR=$SIROCCO_OS_DIR/nova
NOVA_HOST=sirocco-dev # the compute host's name (fixed: the cell's host mapping records it)
NOVA_MICROVERSION=2.93
# service names (pid files) and what their command lines contain (see `running`)
NOVA_SERVICES=(nova-compute:nova-compute.py nova-scheduler:nova-scheduler nova-conductor:nova-conductor
  nova-api:nova-api-wsgi placement:placement-api neutron-stub:neutron-stub.py)
# FLAVOR_ID:NAME:RAM_MB:VCPUS:DISK_GB
NOVA_FLAVORS=(1:m1.tiny:64:1:1 2:m1.bfv:64:1:0 3:m1.small:128:1:1)

# nova_conf WITH_DATABASES(1|0): nova.conf for the API, conductor and scheduler (1) or compute (0)
nova_conf() {
  local etc=$SIROCCO_OS_DIR/etc
  cat <<CONF
[DEFAULT]
transport_url = $TRANSPORT_URL
compute_driver = sirocco_fake_virt.SnapshottingFakeDriver
host = $NOVA_HOST
my_ip = $OS_HOST
state_path = $NOVA_DIR
instances_path = $NOVA_DIR/instances
enabled_apis = osapi_compute
osapi_compute_workers = 1
debug = false
default_log_levels = $QUIET_LOG_LEVELS
# no Neutron to wait for
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
heal_instance_info_cache_interval = -1
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = $etc/nova/api-paste.ini
CONF
  [ "$1" = 1 ] && cat <<CONF
[api_database]
connection = $(pg_url nova_api)
[database]
connection = $(pg_url nova_cell1)
CONF
  cat <<CONF
[conductor]
workers = 1
[scheduler]
workers = 1
[quota]
instances = 100
cores = 200
ram = 204800
[oslo_concurrency]
lock_path = $NOVA_DIR/lock
# notifications on the bus (exchange nova, topic notifications, oslo's v2 envelope): Sirocco's
# event triggers read them (compute.instance.create.end, ...)
[oslo_messaging_notifications]
driver = messagingv2
topics = notifications
[notifications]
notification_format = unversioned
[glance]
api_servers = $IMAGE_URL
[cinder]
os_region_name = $OS_REGION
catalog_info = volumev3::publicURL
$(service_auth_conf placement nova)
$(service_auth_conf neutron nova)
# Cinder (its OSSA-2023-003 fix, in Debian's Zed) lets only a request that carries a service
# token delete a volume attachment: without this, deleting a server booted from a volume leaves
# the volume in-use
$(service_auth_conf service_user nova)
send_service_user_token = true
[vnc]
enabled = false
[serial_console]
enabled = false
$(authtoken_conf nova)
CONF
}

setup_nova() {
  local t0 t1 t2 t3 t4 etc=$SIROCCO_OS_DIR/etc
  t0=$(date +%s)
  mkdir -p "$NOVA_DIR"/{instances,lock} "$SIROCCO_OS_DIR/placement" "$etc/placement" "$etc/nova"

  # --- configuration and databases ---
  local placement_changed=0 nova_changed=0
  write_if_changed "$etc/placement/placement.conf" <<CONF || placement_changed=1
[DEFAULT]
debug = false
default_log_levels = $QUIET_LOG_LEVELS
[api]
auth_strategy = keystone
[placement_database]
connection = sqlite:///$SIROCCO_OS_DIR/placement/placement.sqlite
$(authtoken_conf placement)
CONF
  ln -sf /etc/nova/api-paste.ini "$etc/nova/api-paste.ini"
  # nova-compute gets no database: it must go through nova-conductor (with [api_database] it
  # tries to read the cells' service versions itself and logs "No DB access allowed")
  nova_conf 1 | write_if_changed "$etc/nova/nova.conf" || nova_changed=1
  nova_conf 0 | write_if_changed "$etc/nova/nova-compute.conf" || nova_changed=1
  local dbsync_log=$SIROCCO_OS_DIR/log/nova-manage.log
  if [ ! -f "$SIROCCO_OS_DIR/placement/.dbsynced" ]; then
    say "placement: db sync (in the background)"
    # then Placement's start-up sync of its traits and resource classes, once: uwsgi's workers
    # each do it as they load, and on an empty database two of them inserting at once fail
    # ("database is locked")
    ( placement-manage --config-file "$etc/placement/placement.conf" db sync &&
      sqlite3 "$SIROCCO_OS_DIR/placement/placement.sqlite" 'PRAGMA journal_mode=WAL;' > /dev/null &&
      OS_PLACEMENT_CONFIG_DIR=$etc/placement /usr/bin/python3 -c 'from placement import wsgi; wsgi.init_application()' &&
      touch "$SIROCCO_OS_DIR/placement/.dbsynced" ) >> "$SIROCCO_OS_DIR/log/placement-manage.log" 2>&1 &
  fi
  if [ ! -f "$NOVA_DIR/.dbsynced" ]; then
    await_job postgres 300
    say "nova: api_db sync, cells, db sync (log: $dbsync_log)"
    local manage=(nova-manage --config-file "$etc/nova/nova.conf")
    {
      "${manage[@]}" api_db sync &&
      "${manage[@]}" cell_v2 map_cell0 --database_connection "$(pg_url nova_cell0)" &&
      # 2: that cell exists already
      { "${manage[@]}" cell_v2 create_cell --name cell1 --database_connection "$(pg_url nova_cell1)" \
          --transport-url "$TRANSPORT_URL" || [ $? = 2 ]; } &&
      "${manage[@]}" db sync
    } >> "$dbsync_log" 2>&1 || die "nova-manage failed (log: $dbsync_log)"
    touch "$NOVA_DIR/.dbsynced"
  fi
  wait # placement's db sync
  [ -f "$SIROCCO_OS_DIR/placement/.dbsynced" ] || die "placement-manage db sync failed (log: $SIROCCO_OS_DIR/log/placement-manage.log)"
  t1=$(date +%s)

  # --- the services ---
  local entry name pattern started=()
  for entry in "${NOVA_SERVICES[@]}"; do
    name=${entry%%:*} pattern=${entry#*:}
    if running "$name" "$pattern"; then
      if { [ $nova_changed = 1 ] && [[ $name == nova-* ]]; } || { [ $placement_changed = 1 ] && [ "$name" = placement ]; }; then
        say "$name: its configuration changed, restarting"; stop_service "$name"
      fi
    fi
  done
  await_job postgres 300
  await_job rabbitmq 300
  local compute_since; compute_since=$(date -u +%Y-%m-%dT%H:%M:%S)
  # The APIs need Keystone only for their first request: they start at once. nova-conductor,
  # -scheduler and -compute log in to Keystone as nova when they start (and end when they cannot):
  # after the catalog job. nova-compute once Placement answers, too: when its first report to
  # Placement fails, it tries again only a minute later.
  for entry in neutron-stub:neutron-stub.py placement:placement-api nova-api:nova-api-wsgi \
               nova-conductor:nova-conductor nova-scheduler:nova-scheduler nova-compute:nova-compute.py; do
    name=${entry%%:*} pattern=${entry#*:}
    if [ "$name" = nova-conductor ]; then
      await_job catalog 600
      admin_session
    fi
    running "$name" "$pattern" && continue
    [ "$name" != nova-compute ] || wait_for_service placement "$PLACEMENT_URL/" 120 placement-api
    started+=("$name")
    case $name in
      neutron-stub) start_service neutron-stub /usr/bin/python3 "$OS_SCRIPTS/neutron-stub.py" "$OS_HOST" "$NEUTRON_PORT" ;;
      placement) start_wsgi placement "$PLACEMENT_PORT" /usr/bin/placement-api --env "OS_PLACEMENT_CONFIG_DIR=$etc/placement" ;;
      nova-api) start_wsgi nova-api "$NOVA_PORT" /usr/bin/nova-api-wsgi --env "OS_NOVA_CONFIG_DIR=$etc/nova" ;;
      nova-compute) start_service nova-compute /usr/bin/python3 "$OS_SCRIPTS/nova-compute.py" --config-file "$etc/nova/nova-compute.conf" ;;
      *) start_service "$name" "/usr/bin/$name" --config-file "$etc/nova/nova.conf" ;;
    esac
  done
  [ ${#started[@]} -gt 0 ] || say "nova: all services already running"
  wait_for_service neutron-stub "$NETWORK_URL/" 30 neutron-stub.py
  wait_for_service placement "$PLACEMENT_URL/" 120 placement-api
  wait_for_service nova-api "$COMPUTE_URL/" 180 nova-api-wsgi
  t2=$(date +%s)

  # --- flavors and quotas ---
  local flavors spec id fname ram vcpus disk want
  flavors=$(api_call GET "$COMPUTE_URL/flavors/detail?is_public=None")
  for spec in "${NOVA_FLAVORS[@]}"; do
    IFS=: read -r id fname ram vcpus disk <<< "$spec"
    want="$fname $ram $vcpus $disk true"
    case "$(jq -r --arg id "$id" '.flavors[] | select(.id == $id) | "\(.name) \(.ram) \(.vcpus) \(.disk) \(."os-flavor-access:is_public")"' <<< "$flavors")" in
      "$want") continue ;;
      "") ;;
      *) say "nova: flavor $id is not $want, recreating it"; api_call DELETE "$COMPUTE_URL/flavors/$id" > /dev/null ;;
    esac
    say "nova: creating flavor $id ($fname)"
    api_call POST "$COMPUTE_URL/flavors" "$(jq -nc --arg id "$id" --arg n "$fname" --argjson ram "$ram" --argjson vcpus "$vcpus" \
      --argjson disk "$disk" '{flavor: {id: $id, name: $n, ram: $ram, vcpus: $vcpus, disk: $disk, "os-flavor-access:is_public": true}}')" > /dev/null
  done
  local stamp project
  stamp=$(fingerprint "$DEMO_PROJECT_ID" "$ALT_PROJECT_ID" quotas-v1)
  if [ "$(cat "$NOVA_DIR/.quotas" 2>/dev/null)" != "$stamp" ]; then
    for project in "$DEMO_PROJECT_ID" "$ALT_PROJECT_ID"; do
      api_call GET "$COMPUTE_URL/os-quota-sets/$project" | jq -e '.quota_set | .instances >= 20 and .cores >= 20 and .ram >= 20480' > /dev/null ||
        api_call PUT "$COMPUTE_URL/os-quota-sets/$project" '{"quota_set": {"instances": 100, "cores": 200, "ram": 204800}}' > /dev/null
    done
    echo "$stamp" > "$NOVA_DIR/.quotas"
  fi
  t3=$(date +%s)

  # --- the compute host: up (reported since it started), in placement, mapped to cell1 ---
  if [ ${#started[@]} -gt 0 ] || [ ! -f "$NOVA_DIR/.host-mapped" ]; then
    say "nova: waiting for nova-compute to report"
    compute_reported() {
      still_running "${NOVA_SERVICES[@]}"
      api_call GET "$COMPUTE_URL/os-services?binary=nova-compute&host=$NOVA_HOST" 2>/dev/null |
        jq -e --arg since "$compute_since" '.services[] | select(.state == "up" and .status == "enabled" and (.updated_at == null or .updated_at >= $since))' > /dev/null
    }
    wait_until 120 "nova-compute reporting" compute_reported
    resource_provider() {
      api_call GET "$PLACEMENT_URL/resource_providers?name=$NOVA_HOST" '' 'OpenStack-API-Version: placement 1.14' 2>/dev/null |
        jq -e '.resource_providers | length > 0' > /dev/null
    }
    wait_until 60 "the compute host's resource provider" resource_provider
    if [ ! -f "$NOVA_DIR/.host-mapped" ]; then
      nova-manage --config-file "$etc/nova/nova.conf" cell_v2 discover_hosts --verbose >> "$dbsync_log" 2>&1 \
        || die "nova-manage cell_v2 discover_hosts failed (log: $dbsync_log)"
      touch "$NOVA_DIR/.host-mapped"
    fi
  fi
  t4=$(date +%s)
  say "nova timings: config+db $((t1 - t0))s, start $((t2 - t1))s, flavors+quotas $((t3 - t2))s, compute ready $((t4 - t3))s"
}
