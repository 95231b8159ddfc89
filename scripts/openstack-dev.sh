#!/usr/bin/env bash
# A real mini OpenStack (Debian bookworm's packages, OpenStack Zed) on this machine, for Sirocco's
# peer tests and local development. Everything listens on 127.0.0.1, region RegionOne:
#   Keystone   :5000/v3           scripts/keystone-dev.sh (users admin, demo, alt, sirocco)
#   Glance     :9292              file store; public image cirros-fake (4 KiB raw)
#   Placement  :8778
#   Nova       :8774/v2.1         microversions up to 2.93; a fake hypervisor (boot, stop/start,
#                                 createImage, rebuild, boot from volume all work, nothing runs);
#                                 flavors 1 m1.tiny, 2 m1.bfv (disk 0), 3 m1.small
#   Neutron    :9696              a stub: no networks (boot with "networks": "none")
#   Cinder     :8776/v3/<project> a fake back end (each volume a small file); volume type fake
#                                 (also the default); cinder-backup, posix driver (cinder/backups/)
#
#   bash scripts/openstack-dev.sh [start]  install what is missing, configure, start what is not
#                                          running, seed; exits 0 once every API answers. Takes
#                                          a few seconds when all is up already.
#   bash scripts/openstack-dev.sh stop     stop all of it, Keystone and the private PostgreSQL too
#                                          (state is kept; `start` brings it back)
#   bash scripts/openstack-dev.sh status   exit 0 when every service runs and every API answers
#   bash scripts/openstack/smoke-test.sh   an end-to-end check of it all, as user demo (~20 s)
#
# Written under the state dir ($SIROCCO_OS_DIR, default /var/lib/sirocco-openstack), besides
# keystone-dev.sh's files: openstack.env (endpoints, image, flavors, volume type, project ids:
# KEY=VALUE lines), clouds.yaml (clouds demo, alt, admin, sirocco), etc/ (configs), log/,
# run/*.pid, and per service a directory (sqlite files, images, stamps); pgdata/ is the private
# PostgreSQL cluster (port 5433) of Nova and Cinder. RabbitMQ (the machine's, started when it is
# not running) gets vhost and user sirocco-openstack.
#
# Why it is built this way (sqlite only with single-threaded workers and WAL, Nova and Cinder on
# PostgreSQL, "Connection: close" on uwsgi, the Neutron stub, the fake drivers, Nova's service
# token): see the comments where each is done, and scripts/openstack/*.py.
#
# Environment: SIROCCO_OS_DIR, keystone-dev.sh's variables (passwords, port),
# SIROCCO_OS_SERVICE_USERS_PASSWORD (glance, nova, placement and cinder's Keystone users, default
# service-pass), SIROCCO_OS_PG_PORT (5433), SIROCCO_OS_RABBIT_PASSWORD, UWSGI_PROCESSES.
HERE=$(cd "$(dirname "$0")" && pwd)
OS_SCRIPTS=$HERE/openstack
source "$HERE/lib/openstack.sh"

command=${1:-start}
case $command in start | stop | status) ;; *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;; esac

SERVICE_USERS_PASSWORD=${SIROCCO_OS_SERVICE_USERS_PASSWORD:-service-pass}
PG_PORT=${SIROCCO_OS_PG_PORT:-5433}
PG_DATA=$SIROCCO_OS_DIR/pgdata
PG_USER=sirocco
PG_PASSWORD=sirocco-pg-pass
RABBIT_USER=sirocco-openstack
RABBIT_PASSWORD=${SIROCCO_OS_RABBIT_PASSWORD:-rabbit-pass}
RABBIT_VHOST=sirocco-openstack
TRANSPORT_URL="rabbit://$RABBIT_USER:$RABBIT_PASSWORD@${OS_HOST}:5672/$RABBIT_VHOST"
ENV_FILE=$SIROCCO_OS_DIR/openstack.env
CLOUDS_FILE=$SIROCCO_OS_DIR/clouds.yaml
KEYSTONE_URL="http://${OS_HOST}:${SIROCCO_KEYSTONE_PORT:-5000}/v3" # keystone.env's, once it is there
[ -f "$SIROCCO_OS_DIR/keystone.env" ] && KEYSTONE_URL=$(sed -n 's/^SIROCCO_KEYSTONE_URL=//p' "$SIROCCO_OS_DIR/keystone.env")

# [keystone_authtoken] of a service's config (USER: its Keystone user)
authtoken_conf() {
  cat <<CONF
[keystone_authtoken]
www_authenticate_uri = ${KEYSTONE_URL%/v3}
auth_url = ${KEYSTONE_URL%/v3}
auth_type = password
user_domain_name = Default
project_domain_name = Default
project_name = service
username = $1
password = $SERVICE_USERS_PASSWORD
service_token_roles_required = true
CONF
}
# a config section with the credentials a service uses to call another (SECTION USER)
service_auth_conf() {
  cat <<CONF
[$1]
region_name = $OS_REGION
auth_type = password
auth_url = $KEYSTONE_URL
user_domain_name = Default
project_domain_name = Default
project_name = service
username = $2
password = $SERVICE_USERS_PASSWORD
CONF
}
# oslo.log's default levels, less the warnings that these packages log on every request
QUIET_LOG_LEVELS="amqp=WARN,amqplib=WARN,boto=WARN,qpid=WARN,sqlalchemy=WARN,suds=INFO,oslo.messaging=INFO,oslo_messaging=INFO"
QUIET_LOG_LEVELS+=",iso8601=WARN,requests.packages.urllib3.connectionpool=WARN,urllib3.connectionpool=WARN,websocket=WARN"
QUIET_LOG_LEVELS+=",requests.packages.urllib3.util.retry=WARN,urllib3.util.retry=WARN,keystonemiddleware=WARN,routes.middleware=WARN"
QUIET_LOG_LEVELS+=",stevedore=WARN,taskflow=WARN,keystoneauth=WARN,oslo.cache=INFO,oslo_policy=WARN,dogpile.core.dogpile=INFO"
QUIET_LOG_LEVELS+=",glanceclient=WARN,oslo.privsep.daemon=INFO,oslo_messaging.rpc.client=ERROR,py.warnings=ERROR"
pg_url() { echo "postgresql+psycopg2://$PG_USER:$PG_PASSWORD@${OS_HOST}:$PG_PORT/$1"; } # DATABASE

source "$OS_SCRIPTS/glance.sh"
source "$OS_SCRIPTS/nova.sh"
source "$OS_SCRIPTS/cinder.sh"
# NAME:PATTERN of every service this script starts (Keystone is keystone-dev.sh's), in stop order
ALL_SERVICES=("${NOVA_SERVICES[@]}" "${CINDER_SERVICES[@]}" "${GLANCE_SERVICES[@]}")
# NAME URL of the APIs that `status` checks
APIS=("glance-api $IMAGE_URL/" "placement $PLACEMENT_URL/" "nova-api $COMPUTE_URL/" "neutron-stub $NETWORK_URL/"
  "cinder-api http://${OS_HOST}:${CINDER_PORT}/")

ensure_state_dirs
# one start/stop at a time (keystone-dev.sh has its own lock, taken inside this one)
exec 9> "$SIROCCO_OS_DIR/run/openstack-dev.lock"
flock -w 900 9 || die "another openstack-dev.sh still holds $SIROCCO_OS_DIR/run/openstack-dev.lock"

# --- the private PostgreSQL of Nova and Cinder --------------------------------------------------
# Nova and Cinder are eventlet services: on sqlite one greenthread blocks in sqlite's busy wait
# while another holds the write lock, and builds fail with "database is locked". A cluster of
# our own (not the machine's on 5432, which tests use and which may be restarted under us).
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
pg_running() { running postgres postgres && port_listening "$PG_PORT"; }
psql_admin() { "$(pg_bin)/psql" -h "$OS_HOST" -p "$PG_PORT" -U postgres -d postgres -qtAX -v ON_ERROR_STOP=1 "$@"; }
ensure_postgres() {
  cd / # initdb and pg_ctl run as postgres, who may not be able to read the current directory
  local bin; bin=$(pg_bin); [ -n "$bin" ] || die "no PostgreSQL under /usr/lib/postgresql"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "postgres: initdb $PG_DATA"
    rm -rf "$PG_DATA"; install -d -o postgres -g postgres -m 700 "$PG_DATA"
    runuser -u postgres -- "$bin/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
      >> "$SIROCCO_OS_DIR/log/postgres-initdb.log" 2>&1 \
      || die "initdb failed (log: $SIROCCO_OS_DIR/log/postgres-initdb.log; the postgres user must be able to reach $PG_DATA)"
    echo "include = 'sirocco.conf'" >> "$PG_DATA/postgresql.conf"
  fi
  # a throw-away test database: no fsync
  local changed=0
  write_if_changed "$PG_DATA/sirocco.conf" <<CONF || changed=1
port = $PG_PORT
listen_addresses = '$OS_HOST'
unix_socket_directories = ''
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 64MB
log_min_messages = warning
CONF
  chown postgres: "$PG_DATA/sirocco.conf"
  if pg_running && [ $changed = 1 ]; then say "postgres: configuration changed, restarting"; stop_postgres; fi
  if pg_running; then
    say "postgres already running (pid $(cat "$(pid_file postgres)"), port $PG_PORT)"
  else
    if port_listening "$PG_PORT"; then die "port $PG_PORT is taken by $(port_owner "$PG_PORT"); set SIROCCO_OS_PG_PORT"; fi
    say "starting postgres on ${OS_HOST}:$PG_PORT (log: $SIROCCO_OS_DIR/log/postgres.log)"
    touch "$SIROCCO_OS_DIR/log/postgres.log"; chown postgres: "$SIROCCO_OS_DIR/log/postgres.log"
    runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DATA" -l "$SIROCCO_OS_DIR/log/postgres.log" -w -t 60 start > /dev/null 9>&- \
      || { tail -20 "$SIROCCO_OS_DIR/log/postgres.log" >&2; die "postgres did not start"; }
    head -1 "$PG_DATA/postmaster.pid" > "$(pid_file postgres)"
  fi
  # the role and the databases (one query when they are all there)
  local have db
  have=" $(psql_admin -c "select string_agg(datname, ' ') from pg_database") $(psql_admin -c "select rolname from pg_roles where rolname = '$PG_USER'") "
  [[ $have == *" $PG_USER "* ]] || psql_admin -c "create role $PG_USER login password '$PG_PASSWORD'" > /dev/null
  for db in nova_api nova_cell0 nova_cell1 cinder; do
    [[ $have == *" $db "* ]] || psql_admin -c "create database $db owner $PG_USER" > /dev/null
  done
}
stop_postgres() {
  if [ -f "$PG_DATA/postmaster.pid" ]; then
    say "stopping postgres"
    runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w stop > /dev/null 2>&1 || true
  fi
  rm -f "$(pid_file postgres)"
}

# --- RabbitMQ (the machine's broker; Nova's and Cinder's RPC) -------------------------------------
ensure_rabbitmq() {
  if ! port_listening 5672; then
    say "starting rabbitmq-server (log: $SIROCCO_OS_DIR/log/rabbitmq.log)"
    rabbitmq-server -detached >> "$SIROCCO_OS_DIR/log/rabbitmq.log" 2>&1 9>&- || die "rabbitmq-server -detached failed"
    wait_until 120 "RabbitMQ listening on 5672 (its logs: /var/log/rabbitmq/)" port_listening 5672
  fi
  # rabbitmqctl takes ~0.5 s a call: a stamp of what was set up skips them
  local stamp; stamp=$(fingerprint "$RABBIT_USER" "$RABBIT_PASSWORD" "$RABBIT_VHOST" notifications-policy-v1)
  [ "$(cat "$SIROCCO_OS_DIR/run/rabbitmq.stamp" 2>/dev/null)" = "$stamp" ] && return 0
  say "rabbitmq: vhost and user $RABBIT_USER"
  {
    rabbitmqctl -q await_startup --timeout 120 &&
    rabbitmqctl -q add_vhost "$RABBIT_VHOST" &&
    { rabbitmqctl -q add_user "$RABBIT_USER" "$RABBIT_PASSWORD" 2> /dev/null ||
      rabbitmqctl -q change_password "$RABBIT_USER" "$RABBIT_PASSWORD"; } &&
    rabbitmqctl -q set_permissions -p "$RABBIT_VHOST" "$RABBIT_USER" '.*' '.*' '.*' &&
    # the notifier's own queues (notifications.info, ...) fill up when nobody reads them: kept short
    rabbitmqctl -q set_policy -p "$RABBIT_VHOST" --apply-to queues notifier-queues '^notifications\.' '{"max-length": 1000}'
  } >> "$SIROCCO_OS_DIR/log/rabbitmq.log" 2>&1 || die "rabbitmqctl failed (log: $SIROCCO_OS_DIR/log/rabbitmq.log)"
  echo "$stamp" > "$SIROCCO_OS_DIR/run/rabbitmq.stamp"
}

# --- stop / status -------------------------------------------------------------------------------
if [ "$command" = stop ]; then
  names=(); for entry in "${ALL_SERVICES[@]}"; do names+=("${entry%%:*}"); done
  stop_services "${names[@]}"
  stop_postgres
  bash "$HERE/keystone-dev.sh" stop
  exit 0
fi
if [ "$command" = status ]; then
  rc=0
  bash "$HERE/keystone-dev.sh" status || rc=1
  for entry in "${ALL_SERVICES[@]}" postgres:postgres; do
    name=${entry%%:*}
    if running "$name" "${entry#*:}"; then state="runs (pid $(cat "$(pid_file "$name")"))"; else state="NOT RUNNING"; rc=1; fi
    for api in "${APIS[@]}"; do
      [ "${api%% *}" = "$name" ] || continue
      if http_ok "${api#* }"; then state+=", answers at ${api#* }"; else state+=", does NOT answer at ${api#* }"; rc=1; fi
    done
    say "$(printf '%-16s' "$name") $state"
  done
  [ $rc = 0 ] && say "all up" || say "not all up: run 'bash $0'"
  exit $rc
fi

# --- start ---------------------------------------------------------------------------------------
t_begin=$(date +%s)
# everything in one apt-get (keystone-dev.sh then finds its packages installed). nova-compute,
# cinder-volume: not the Debian packages (libvirt/qemu, lvm2/tgt), see scripts/openstack/*.py.
# dmidecode: cinder-backup's os-brick asks it for the machine's uuid (without it, every backup
# fails with FileNotFoundError where there is no /sys/class/dmi, as in a container)
install_packages python3-keystone uwsgi-core uwsgi-plugin-python3 sqlite3 jq curl \
  glance-api glance-common python3-glance \
  python3-nova nova-common nova-api nova-conductor nova-scheduler placement-api placement-common python3-placement \
  python3-cinder cinder-common cinder-api cinder-scheduler cinder-backup dmidecode \
  postgresql python3-psycopg2 rabbitmq-server
t_installed=$(date +%s)

[[ $SERVICE_USERS_PASSWORD =~ ^[A-Za-z0-9._+-]{4,}$ ]] || die "SIROCCO_OS_SERVICE_USERS_PASSWORD must be 4+ characters of [A-Za-z0-9._+-]"
# the ports must be free, or be ours
for entry in glance-api:glance-api:$GLANCE_PORT placement:placement-api:$PLACEMENT_PORT nova-api:nova-api-wsgi:$NOVA_PORT \
             neutron-stub:neutron-stub.py:$NEUTRON_PORT cinder-api:cinder-api:$CINDER_PORT; do
  IFS=: read -r name pattern port <<< "$entry"
  if ! running "$name" "$pattern" && port_listening "$port"; then
    die "port $port is taken by $(port_owner "$port"), not by this state dir's $name ($SIROCCO_OS_DIR)"
  fi
done

# --- the rest: parallel jobs, which wait for each other where they must (await_job) ---------------
# keystone: keystone-dev.sh. postgres, rabbitmq: for Nova and Cinder. catalog (after keystone): the
# service users and the endpoints. glance, nova, cinder: each runs its db sync at once, and waits
# for the jobs it needs before it starts its services.

# admin_login (the catalog job): logs in as admin, which sets ADMIN_TOKEN, ADMIN_PROJECT_ID,
# ADMIN_CATALOG and the projects' ids, and shares them with the other jobs in $SESSION_FILE (one
# login per run: every new token costs Keystone and each service that checks it ~0.3 s of CPU)
SESSION_FILE=$SIROCCO_OS_DIR/run/admin-session
admin_login() {
  await_job keystone 600
  load_env_file "$SIROCCO_OS_DIR/keystone.env"
  KEYSTONE_URL=$SIROCCO_KEYSTONE_URL ADMIN_PASSWORD=$KEYSTONE_ADMIN_PASSWORD
  local body projects; body=$(mktemp)
  ADMIN_TOKEN=$(login admin "$ADMIN_PASSWORD" admin "$body")
  [ -n "$ADMIN_TOKEN" ] || die "admin cannot log in to $KEYSTONE_URL"
  ADMIN_PROJECT_ID=$(jq -r .token.project.id "$body") ADMIN_CATALOG=$(jq -c .token.catalog "$body")
  rm -f "$body"
  projects=$(keystone_call GET "/projects?domain_id=default")
  project_id() { jq -r --arg n "$1" '.projects[] | select(.name == $n) | .id' <<< "$projects"; }
  DEMO_PROJECT_ID=$(project_id demo) ALT_PROJECT_ID=$(project_id alt) SERVICE_PROJECT_ID=$(project_id service)
  [ -n "$DEMO_PROJECT_ID" ] && [ -n "$ALT_PROJECT_ID" ] && [ -n "$SERVICE_PROJECT_ID" ] ||
    die "Keystone lacks project demo, alt or service (keystone-dev.sh makes them)"
  ( umask 077; printf '%s\n' "ADMIN_TOKEN=$ADMIN_TOKEN" "ADMIN_PROJECT_ID=$ADMIN_PROJECT_ID" "DEMO_PROJECT_ID=$DEMO_PROJECT_ID" \
      "ALT_PROJECT_ID=$ALT_PROJECT_ID" "SERVICE_PROJECT_ID=$SERVICE_PROJECT_ID" > "$SESSION_FILE" )
}
# admin_session (the other jobs, and the end of the run): the same, once the catalog job is done
admin_session() {
  await_job catalog 600
  load_env_file "$SIROCCO_OS_DIR/keystone.env"
  KEYSTONE_URL=$SIROCCO_KEYSTONE_URL ADMIN_PASSWORD=$KEYSTONE_ADMIN_PASSWORD
  load_env_file "$SESSION_FILE"
}

# the catalog this script makes: TYPE NAME URL
CATALOG=("image glance $IMAGE_URL" "placement placement $PLACEMENT_URL" "compute nova $COMPUTE_URL"
  "network neutron $NETWORK_URL" "volumev3 cinderv3 $VOLUME_URL/%(project_id)s" "block-storage cinder $VOLUME_URL/%(project_id)s")
catalog_complete() { # the admin token's catalog has all of it (the project id filled in)
  local entry type url
  for entry in "${CATALOG[@]}"; do
    read -r type _ url <<< "$entry"; url=${url//%(project_id)s/$ADMIN_PROJECT_ID}
    jq -e --arg t "$type" --arg u "$url" --arg r "$OS_REGION" \
      '[.[] | select(.type == $t) | .endpoints[] | select(.url == $u and .region_id == $r) | .interface] | sort == ["admin", "internal", "public"]' \
      <<< "$ADMIN_CATALOG" > /dev/null || return 1
  done
}
ensure_catalog() {
  admin_login
  local stamp; stamp=$(fingerprint "$KEYSTONE_URL" "$SERVICE_USERS_PASSWORD" "${CATALOG[@]}" v1)
  if [ "$(cat "$SIROCCO_OS_DIR/keystone/.openstack-services" 2>/dev/null)" = "$stamp" ] && catalog_complete; then
    say "service users and catalog already set up"; return 0
  fi
  say "keystone: service users glance, nova, placement, cinder; the catalog"
  local roles users admin_role service_role user user_id services endpoints entry type name url
  roles=$(keystone_call GET /roles)
  users=$(keystone_call GET "/users?domain_id=default")
  admin_role=$(ensure_role admin "$roles")
  service_role=$(ensure_role service "$roles")
  for user in glance nova placement cinder; do
    # role service: Cinder and Nova accept a service token only with it (service_token_roles)
    user_id=$(ensure_user "$user" "$SERVICE_USERS_PASSWORD" "$SERVICE_PROJECT_ID" "$users")
    grant_role "$SERVICE_PROJECT_ID" "$user_id" "$admin_role"
    grant_role "$SERVICE_PROJECT_ID" "$user_id" "$service_role"
  done
  services=$(keystone_call GET /services)
  endpoints=$(keystone_call GET /endpoints)
  for entry in "${CATALOG[@]}"; do
    read -r type name url <<< "$entry"
    ensure_endpoint "$name" "$type" "$url" "$services" "$endpoints"
  done
  echo "$stamp" > "$SIROCCO_OS_DIR/keystone/.openstack-services"
}

rm -f "$SESSION_FILE"; trap 'rm -f "$SESSION_FILE"' EXIT
say "keystone, postgres, rabbitmq, catalog, glance, nova, cinder: in parallel (logs: $SIROCCO_OS_DIR/log/setup-*.log)"
start_job keystone bash "$HERE/keystone-dev.sh" start
start_job postgres ensure_postgres
start_job rabbitmq ensure_rabbitmq
start_job catalog ensure_catalog
start_job glance setup_glance
start_job nova setup_nova
start_job cinder setup_cinder
jobs_ok=1; wait_jobs || jobs_ok=0
say "job times: $JOB_TIMES"
started=$(grep -ho "starting [a-z-]*" "$SIROCCO_OS_DIR"/log/setup-*.log | cut -d' ' -f2 | sort -u | tr '\n' ' ' || true)
say "started this time: ${started:-nothing (all was running)}"
grep -h "timings:" "$SIROCCO_OS_DIR"/log/setup-{keystone,glance,nova,cinder}.log | sed 's/^\[[0-9:]*\] //; s/^/  /' >&2 || true
[ $jobs_ok = 1 ] || die "the OpenStack services are not all up (see above)"
t_services=$(date +%s)
admin_session

# --- openstack.env and clouds.yaml ----------------------------------------------------------------
IMAGE_ID=$(cat "$GLANCE_DIR/$IMAGE_NAME.id")
# KEY=VALUE lines, no quotes (plain values): `set -a; . openstack.env` in a shell, or parse them
write_if_changed "$ENV_FILE" <<ENV || true
# Written by scripts/openstack-dev.sh: the test OpenStack (passwords: keystone.env)
OS_AUTH_URL=$KEYSTONE_URL
OS_REGION_NAME=$OS_REGION
OS_IDENTITY_API_VERSION=3
OS_CLIENT_CONFIG_FILE=$CLOUDS_FILE
IDENTITY_URL=$KEYSTONE_URL
COMPUTE_URL=$COMPUTE_URL
COMPUTE_MAX_MICROVERSION=$NOVA_MICROVERSION
IMAGE_URL=$IMAGE_URL
PLACEMENT_URL=$PLACEMENT_URL
NETWORK_URL=$NETWORK_URL
# Cinder's URL is VOLUME_URL/<project id>, for example VOLUME_URL/OPENSTACK_DEMO_PROJECT_ID
VOLUME_URL=$VOLUME_URL
OPENSTACK_ADMIN_PROJECT_ID=$ADMIN_PROJECT_ID
OPENSTACK_DEMO_PROJECT_ID=$DEMO_PROJECT_ID
OPENSTACK_ALT_PROJECT_ID=$ALT_PROJECT_ID
OPENSTACK_SERVICE_PROJECT_ID=$SERVICE_PROJECT_ID
OPENSTACK_IMAGE_ID=$IMAGE_ID
OPENSTACK_IMAGE_NAME=$IMAGE_NAME
OPENSTACK_FLAVOR_ID=1
OPENSTACK_FLAVOR_NAME=m1.tiny
OPENSTACK_BFV_FLAVOR_ID=2
OPENSTACK_SMALL_FLAVOR_ID=3
OPENSTACK_VOLUME_TYPE=$VOLUME_TYPE
ENV
# the message bus Nova's notifications go to (for Sirocco's event triggers; holds a password)
write_if_changed "$SIROCCO_OS_DIR/notifications.env" <<ENV || true
# Written by scripts/openstack-dev.sh: the RabbitMQ vhost of Nova's notifications
SIROCCO_NOTIFICATIONS_URL=amqp://$RABBIT_USER:$RABBIT_PASSWORD@${OS_HOST}:5672/$RABBIT_VHOST
NOVA_NOTIFICATIONS_EXCHANGE=nova
NOVA_NOTIFICATIONS_TOPIC=notifications
ENV
{
  echo "# Written by scripts/openstack-dev.sh: OS_CLOUD=demo (or alt, admin, sirocco) OS_CLIENT_CONFIG_FILE=$CLOUDS_FILE"
  echo "clouds:"
  for who in demo:demo:$KEYSTONE_DEMO_PASSWORD alt:alt:$KEYSTONE_ALT_PASSWORD admin:admin:$ADMIN_PASSWORD \
             sirocco:service:$SIROCCO_KEYSTONE_PASSWORD; do
    IFS=: read -r user project password <<< "$who"
    cat <<YAML
  $user:
    auth:
      auth_url: $KEYSTONE_URL
      username: $user
      password: $password
      project_name: $project
      user_domain_name: Default
      project_domain_name: Default
    region_name: $OS_REGION
    identity_api_version: 3
    interface: public
YAML
  done
} | write_if_changed "$CLOUDS_FILE" || true
t_ready=$(date +%s)

cat >&2 <<SUMMARY
OpenStack is up (region $OS_REGION):
  identity $KEYSTONE_URL   image $IMAGE_URL   placement $PLACEMENT_URL
  compute  $COMPUTE_URL (microversion up to $NOVA_MICROVERSION; boot with "networks": "none")
  volumev3 $VOLUME_URL/<project id>   network (stub) $NETWORK_URL
  image $IMAGE_NAME $IMAGE_ID   flavors 1 m1.tiny, 2 m1.bfv (disk 0), 3 m1.small   volume type $VOLUME_TYPE
  settings: $ENV_FILE, $SIROCCO_OS_DIR/keystone.env   clouds: $CLOUDS_FILE (demo, alt, admin, sirocco)
  logs: $SIROCCO_OS_DIR/log/
openstack timings: install $((t_installed - t_begin))s, the rest (in parallel) $((t_services - t_installed))s, env files $((t_ready - t_services))s, total $((t_ready - t_begin))s
SUMMARY
