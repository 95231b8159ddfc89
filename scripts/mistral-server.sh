#!/bin/bash
# The real OpenStack Mistral 15 ("Zed", Debian bookworm packages) as a peer to measure Sirocco
# against. Mirrors /work/shared/reference/mistral/setup.sh and stop.sh: PostgreSQL 15 (the
# machine's cluster, database "mistral"), RabbitMQ (own vhost /mistral) for RPC, Keystone auth
# off, API on 127.0.0.1:$MISTRAL_PORT (8989), one process per component (api, engine,
# executor, notifier), started with start-stop-daemon and pidfiles under /run/mistral-peer
# (the same place as setup.sh, so either script can stop what the other started).
#
# Usage (as root; apt-get installs the packages on first use, about 2 minutes):
#   scripts/mistral-server.sh start     install if missing, configure, start what is not running
#   scripts/mistral-server.sh stop      stop the processes started here (by pidfile only)
#   scripts/mistral-server.sh status    exit 0 when the API answers, 1 otherwise
#   scripts/mistral-server.sh pids      the PIDs of the running components, one per line
# Env: MISTRAL_PORT (8989), MISTRAL_LAYOUT (split|all), MISTRAL_DB_PASS (mistral).
# PostgreSQL and RabbitMQ are left running by `stop`: other services may share them.
set -euo pipefail

LAYOUT="${MISTRAL_LAYOUT:-split}"
PORT="${MISTRAL_PORT:-8989}"
DB_PASS="${MISTRAL_DB_PASS:-mistral}"
RUN_DIR=/run/mistral-peer
LOG_DIR=/var/log/mistral
CONF=/etc/mistral/mistral.conf
API_URL="http://127.0.0.1:$PORT"
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -o DPkg::Lock::Timeout=900 -y"
t0=$(date +%s)
log() { echo "[mistral-server $(($(date +%s) - t0))s] $*" >&2; }

api_up() { curl -sf -m 5 "$API_URL/v2/workflows?limit=1" >/dev/null 2>&1; }

running_pids() {
  local f
  for f in "$RUN_DIR"/*.pid; do
    [ -f "$f" ] || continue
    if kill -0 "$(cat "$f")" 2>/dev/null; then cat "$f"; fi
  done
}

install_packages() {
  local pkgs="mistral-api mistral-engine mistral-executor python3-mistralclient python3-psycopg2 \
              postgresql rabbitmq-server curl jq" missing="" p
  for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -z "$missing" ]; then log "packages already installed"; return; fi
  log "installing:$missing"
  for q in configure_db configure_rabbit configure_ksat; do
    echo "mistral-common mistral/$q boolean false" | debconf-set-selections
  done
  echo "mistral-api mistral/register-endpoint boolean false" | debconf-set-selections || true
  # Keep the packages' maintainer scripts from starting their own daemons with the unconfigured
  # package config (they would take port 8989): a temporary policy-rc.d when there is none.
  local own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  $APT update >/dev/null
  # shellcheck disable=SC2086
  $APT install --no-install-recommends $missing >/dev/null || { [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d; exit 1; }
  [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
  if [ -d /run/systemd/system ]; then
    for s in mistral-api mistral-engine mistral-executor mistral-event-engine; do
      systemctl disable --now "$s" >/dev/null 2>&1 || true
    done
  fi
}

setup_postgres() {
  if ! pg_lsclusters -h | awk '$1==15 && $2=="main"' | grep -q online; then
    log "starting PostgreSQL 15/main"
    pg_ctlcluster 15 main start || pg_lsclusters -h | grep -q online
  fi
  for _ in $(seq 1 30); do su postgres -c "psql -tAc 'select 1'" >/dev/null 2>&1 && break; sleep 1; done
  if ! su postgres -c "psql -tAc \"select 1 from pg_roles where rolname='mistral'\"" | grep -q 1; then
    log "creating role mistral"
    su postgres -c "psql -q -c \"create role mistral login password '$DB_PASS'\""
  fi
  if ! su postgres -c "psql -tAc \"select 1 from pg_database where datname='mistral'\"" | grep -q 1; then
    log "creating database mistral"
    su postgres -c "createdb -O mistral mistral"
  fi
}

setup_rabbitmq() {
  if ! rabbitmqctl status >/dev/null 2>&1; then
    log "starting rabbitmq-server"
    /etc/init.d/rabbitmq-server start || true
    for _ in $(seq 1 60); do rabbitmqctl status >/dev/null 2>&1 && break; sleep 1; done
  fi
  rabbitmqctl list_vhosts -q | grep -qx /mistral || rabbitmqctl add_vhost /mistral >/dev/null
  rabbitmqctl set_permissions -p /mistral guest '.*' '.*' '.*' >/dev/null
}

write_config() {
  [ -f /etc/mistral/mistral.conf.dpkg-orig ] || cp "$CONF" /etc/mistral/mistral.conf.dpkg-orig
  cat >"$CONF" <<CONFEOF
# Written by scripts/mistral-server.sh (Sirocco's engine bench). Package file: mistral.conf.dpkg-orig
[DEFAULT]
# "fake:/" does not work: the API runs in a forked worker, which would never reach the engine.
transport_url = rabbit://guest:guest@127.0.0.1:5672//mistral
rpc_response_timeout = 60
graceful_shutdown_timeout = 5
use_stderr = false
debug = false

[api]
host = 127.0.0.1
port = $PORT
api_workers = 1

[database]
connection = postgresql+psycopg2://mistral:$DB_PASS@127.0.0.1/mistral
max_pool_size = 20
max_overflow = 20

[pecan]
auth_enable = False

[cron_trigger]
enabled = True
execution_interval = 1

[oslo_policy]
enforce_scope = false
enforce_new_defaults = false
CONFEOF
  chown root:mistral "$CONF"
  chmod 640 "$CONF"
  install -d -o mistral -g adm -m 2750 "$LOG_DIR"
  install -d -o root -g root -m 755 "$RUN_DIR"
  chown -R mistral:adm "$LOG_DIR"
}

migrate() {
  log "mistral-db-manage upgrade head"
  # alembic prints one INFO line per migration on stderr: keep them in the log folder
  runuser -u mistral -- mistral-db-manage --config-file "$CONF" --log-file "$LOG_DIR/mistral-db-manage.log" upgrade head \
    >>"$LOG_DIR/mistral-db-manage.out" 2>&1 || { tail -20 "$LOG_DIR/mistral-db-manage.out" >&2; exit 1; }
  log "mistral-db-manage populate"
  runuser -u mistral -- mistral-db-manage --config-file "$CONF" --log-file "$LOG_DIR/mistral-db-manage.log" populate \
    >>"$LOG_DIR/mistral-db-manage.out" 2>&1 || { tail -20 "$LOG_DIR/mistral-db-manage.out" >&2; exit 1; }
}

start_component() {
  local c=$1 pidf="$RUN_DIR/$1.pid"
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
    log "mistral $c already running (pid $(cat "$pidf"))"
    return
  fi
  log "starting mistral $c"
  start-stop-daemon --start --background --make-pidfile --pidfile "$pidf" \
    --chuid mistral:mistral --chdir /var/lib/mistral \
    --output "$LOG_DIR/mistral-$c.stdout" \
    --exec /usr/bin/python3 -- /usr/bin/mistral-server --server "$c" \
    --config-file "$CONF" --log-file "$LOG_DIR/mistral-$c.log"
}

cmd_start() {
  if api_up && [ -n "$(running_pids)" ]; then log "already running"; return 0; fi
  install_packages
  setup_postgres
  setup_rabbitmq
  write_config
  migrate
  local components="engine executor notifier api"
  [ "$LAYOUT" = all ] && components="all"
  for c in $components; do start_component "$c"; done
  log "waiting for the API on $API_URL"
  for _ in $(seq 1 120); do api_up && break; sleep 1; done
  api_up || { log "API did not come up; see $LOG_DIR"; exit 1; }
  log "up. PIDs: $(running_pids | tr '\n' ' ')"
}

cmd_stop() {
  local f c
  for f in "$RUN_DIR"/*.pid; do
    [ -f "$f" ] || continue
    c=$(basename "$f" .pid)
    if kill -0 "$(cat "$f")" 2>/dev/null; then
      log "stopping mistral $c (pid $(cat "$f"))"
      start-stop-daemon --stop --pidfile "$f" --retry TERM/15/KILL/5 >/dev/null || true
    fi
    rm -f "$f"
  done
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) api_up ;;
  pids) running_pids ;;
  *) echo "usage: $0 start|stop|status|pids" >&2; exit 2 ;;
esac
