#!/usr/bin/env bash
# A real Keystone (Debian bookworm's python3-keystone, OpenStack Zed) for Sirocco's peer tests and
# local development: sqlite, fernet tokens, served by uwsgi on http://127.0.0.1:5000/v3.
#
#   bash scripts/keystone-dev.sh [start]   install what is missing, configure, bootstrap, start in
#                                          the background, create the identities; exits 0 once
#                                          GET /v3 answers. Re-running when it is up takes ~1 s.
#   bash scripts/keystone-dev.sh stop      stop it (state is kept; `start` brings it back)
#   bash scripts/keystone-dev.sh status    exit 0 when it runs and answers
#
# Identities, all in domain "default" (test passwords, overridable, see below):
#   admin / admin-pass      project admin, role admin (keystone-manage bootstrap)
#   demo / demo-pass        project demo, role member (and reader, implied by member)
#   alt / alt-pass          project alt, role member
#   sirocco / sirocco-pass  project service, roles admin + service: Sirocco's service user, the
#                           trustee of cron triggers' trusts
# Written under the state dir: keystone.env (SIROCCO_KEYSTONE_* for Sirocco, OS_* and the test
# users' passwords), openrc-{admin,demo,alt,sirocco} for the openstack CLI, run/keystone.pid,
# log/keystone.log (uwsgi) and log/keystone-app.log (Keystone's own log).
#
# Environment: SIROCCO_OS_DIR (state dir, default /var/lib/sirocco-openstack),
# SIROCCO_KEYSTONE_PORT (default 5000, fixed per state dir), SIROCCO_OS_ADMIN_PASSWORD,
# SIROCCO_OS_DEMO_PASSWORD, SIROCCO_OS_ALT_PASSWORD, SIROCCO_OS_SERVICE_PASSWORD, UWSGI_PROCESSES.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/openstack.sh"

KEYSTONE_PORT=${SIROCCO_KEYSTONE_PORT:-5000}
KEYSTONE_URL="http://${OS_HOST}:${KEYSTONE_PORT}/v3"
ADMIN_PASSWORD=${SIROCCO_OS_ADMIN_PASSWORD:-admin-pass}
DEMO_PASSWORD=${SIROCCO_OS_DEMO_PASSWORD:-demo-pass}
ALT_PASSWORD=${SIROCCO_OS_ALT_PASSWORD:-alt-pass}
SIROCCO_PASSWORD=${SIROCCO_OS_SERVICE_PASSWORD:-sirocco-pass}
KS_DIR=$SIROCCO_OS_DIR/keystone
CONF=$SIROCCO_OS_DIR/etc/keystone.conf
ENV_FILE=$SIROCCO_OS_DIR/keystone.env
PROCESS=keystone-wsgi-public # what the uwsgi command line contains (see `running`)

command=${1:-start}
case $command in start | stop | status) ;; *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;; esac

ensure_state_dirs
# one start/stop at a time: several test runs may call this script at once
exec 9> "$SIROCCO_OS_DIR/run/keystone-dev.lock"
flock -w 600 9 || die "another keystone-dev.sh still holds $SIROCCO_OS_DIR/run/keystone-dev.lock"

if [ "$command" = stop ]; then stop_service keystone; exit 0; fi
if [ "$command" = status ]; then
  if running keystone "$PROCESS" && http_ok "$KEYSTONE_URL"; then
    say "keystone runs (pid $(cat "$(pid_file keystone)")) and answers at $KEYSTONE_URL"; exit 0
  fi
  say "keystone is not running (or not answering) at $KEYSTONE_URL"; exit 1
fi

for password in "$ADMIN_PASSWORD" "$DEMO_PASSWORD" "$ALT_PASSWORD" "$SIROCCO_PASSWORD"; do
  # the env files are read by shells and by simple KEY=VALUE parsers: keep the values plain
  [[ $password =~ ^[A-Za-z0-9._+-]{4,}$ ]] || die "test passwords must be 4+ characters of [A-Za-z0-9._+-]"
done

fail_if_port_taken() {
  if ! running keystone "$PROCESS" && port_listening "$KEYSTONE_PORT"; then
    die "port $KEYSTONE_PORT is taken by $(port_owner "$KEYSTONE_PORT"), not by this state dir's Keystone" \
      "($SIROCCO_OS_DIR); stop that, or set SIROCCO_OS_DIR / SIROCCO_KEYSTONE_PORT"
  fi
}
fail_if_port_taken

t_begin=$(date +%s)
install_packages python3-keystone uwsgi-core uwsgi-plugin-python3 sqlite3 jq curl
t_installed=$(date +%s)

# --- configuration and database ------------------------------------------------------------------
mkdir -p "$KS_DIR"/{fernet-keys,credential-keys,receipt-keys}
if ! write_if_changed "$CONF" <<CONF
[DEFAULT]
log_file = $SIROCCO_OS_DIR/log/keystone-app.log
[database]
connection = sqlite:///$KS_DIR/keystone.sqlite
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = $KS_DIR/fernet-keys
[fernet_receipts]
key_repository = $KS_DIR/receipt-keys
[credential]
key_repository = $KS_DIR/credential-keys
[cache]
enabled = false
[identity]
# a cheap password hash: every password login is ~0.2 s faster on a 2-core test machine
password_hash_rounds = 4
CONF
then
  running keystone "$PROCESS" && say "NOTE: $CONF changed; run '$0 stop' and '$0' to apply it"
fi

KM=(keystone-manage --config-file "$CONF")
bootstrap() { # also resets admin's password, so it is run again when that was changed
  "${KM[@]}" bootstrap --bootstrap-password "$ADMIN_PASSWORD" --bootstrap-username admin \
    --bootstrap-project-name admin --bootstrap-role-name admin --bootstrap-region-id "$OS_REGION" \
    --bootstrap-admin-url "$KEYSTONE_URL" --bootstrap-internal-url "$KEYSTONE_URL" \
    --bootstrap-public-url "$KEYSTONE_URL" >> "$SIROCCO_OS_DIR/log/keystone-manage.log" 2>&1 \
    || die "keystone-manage bootstrap failed (log: $SIROCCO_OS_DIR/log/keystone-manage.log)"
}
if [ ! -f "$KS_DIR/.bootstrapped" ]; then
  say "keystone: db_sync, fernet keys, bootstrap (log: $SIROCCO_OS_DIR/log/keystone-manage.log)"
  {
    "${KM[@]}" db_sync &&
    "${KM[@]}" fernet_setup --keystone-user root --keystone-group root &&
    "${KM[@]}" credential_setup --keystone-user root --keystone-group root
  } >> "$SIROCCO_OS_DIR/log/keystone-manage.log" 2>&1 \
    || die "keystone-manage failed (log: $SIROCCO_OS_DIR/log/keystone-manage.log)"
  bootstrap
  # Keystone keeps idle sqlite connections that hold a shared lock; in the default rollback
  # journal mode later COMMITs then fail ("database is locked", 500s). WAL avoids that.
  sqlite3 "$KS_DIR/keystone.sqlite" 'PRAGMA journal_mode=WAL;' > /dev/null
  echo "$KEYSTONE_PORT" > "$KS_DIR/port"
  touch "$KS_DIR/.bootstrapped"
fi
bootstrapped_port=$(cat "$KS_DIR/port" 2>/dev/null || echo 5000)
[ "$bootstrapped_port" = "$KEYSTONE_PORT" ] ||
  die "$SIROCCO_OS_DIR was set up for port $bootstrapped_port (its catalog says so); use that port or another SIROCCO_OS_DIR"
t_configured=$(date +%s)

# --- the service ---------------------------------------------------------------------------------
if running keystone "$PROCESS"; then
  say "keystone already running (pid $(cat "$(pid_file keystone)"))"
else
  fail_if_port_taken
  start_wsgi keystone "$KEYSTONE_PORT" /usr/bin/keystone-wsgi-public --env "OS_KEYSTONE_CONFIG_FILES=$CONF"
fi
wait_for_service keystone "$KEYSTONE_URL" 90 "$PROCESS"
t_serving=$(date +%s)

# --- identities ----------------------------------------------------------------------------------
# A stamp of what was last set up: when it matches and the service user can still log in, a
# re-run skips the dozen API calls.
stamp=$(printf '%s\n' "$KEYSTONE_URL" "$ADMIN_PASSWORD" "$DEMO_PASSWORD" "$ALT_PASSWORD" "$SIROCCO_PASSWORD" "v1" | sha256sum | cut -c1-16)
if [ "$(cat "$KS_DIR/.identities" 2>/dev/null)" = "$stamp" ] && [ -f "$ENV_FILE" ] &&
   [ -n "$(password_token sirocco "$SIROCCO_PASSWORD" service)" ]; then
  say "identities already set up"
else
  say "keystone: projects, users and roles"
  ADMIN_TOKEN=$(password_token admin "$ADMIN_PASSWORD" admin)
  if [ -z "$ADMIN_TOKEN" ]; then bootstrap; ADMIN_TOKEN=$(password_token admin "$ADMIN_PASSWORD" admin); fi
  [ -n "$ADMIN_TOKEN" ] || die "admin cannot log in to $KEYSTONE_URL"
  roles=$(keystone_call GET /roles)
  projects=$(keystone_call GET "/projects?domain_id=default")
  users=$(keystone_call GET "/users?domain_id=default")
  member=$(ensure_role member "$roles")
  admin=$(ensure_role admin "$roles")
  service=$(ensure_role service "$roles")
  demo_project=$(ensure_project demo "$projects")
  alt_project=$(ensure_project alt "$projects")
  service_project=$(ensure_project service "$projects")
  demo_user=$(ensure_user demo "$DEMO_PASSWORD" "$demo_project" "$users")
  alt_user=$(ensure_user alt "$ALT_PASSWORD" "$alt_project" "$users")
  sirocco_user=$(ensure_user sirocco "$SIROCCO_PASSWORD" "$service_project" "$users")
  grant_role "$demo_project" "$demo_user" "$member"
  grant_role "$alt_project" "$alt_user" "$member"
  grant_role "$service_project" "$sirocco_user" "$admin"
  grant_role "$service_project" "$sirocco_user" "$service"
  [ -n "$(password_token sirocco "$SIROCCO_PASSWORD" service)" ] || die "the sirocco user cannot log in to project service"

  # KEY=VALUE lines, no quotes (plain values): `set -a; . keystone.env` in a shell, or parse them
  write_if_changed "$ENV_FILE" <<ENV || true
# Written by scripts/keystone-dev.sh: the test Keystone at $KEYSTONE_URL
SIROCCO_KEYSTONE_URL=$KEYSTONE_URL
SIROCCO_KEYSTONE_USERNAME=sirocco
SIROCCO_KEYSTONE_PASSWORD=$SIROCCO_PASSWORD
SIROCCO_KEYSTONE_PROJECT=service
SIROCCO_KEYSTONE_USER_DOMAIN=default
SIROCCO_KEYSTONE_PROJECT_DOMAIN=default
KEYSTONE_ADMIN_PASSWORD=$ADMIN_PASSWORD
KEYSTONE_DEMO_PASSWORD=$DEMO_PASSWORD
KEYSTONE_ALT_PASSWORD=$ALT_PASSWORD
OS_AUTH_URL=$KEYSTONE_URL
OS_IDENTITY_API_VERSION=3
OS_REGION_NAME=$OS_REGION
OS_USER_DOMAIN_ID=default
OS_PROJECT_DOMAIN_ID=default
ENV
  for who in admin:admin:$ADMIN_PASSWORD demo:demo:$DEMO_PASSWORD alt:alt:$ALT_PASSWORD sirocco:service:$SIROCCO_PASSWORD; do
    IFS=: read -r user project password <<< "$who"
    write_if_changed "$SIROCCO_OS_DIR/openrc-$user" <<RC || true
export OS_AUTH_URL=$KEYSTONE_URL OS_IDENTITY_API_VERSION=3 OS_REGION_NAME=$OS_REGION
export OS_USER_DOMAIN_ID=default OS_PROJECT_DOMAIN_ID=default
export OS_USERNAME=$user OS_PASSWORD=$password OS_PROJECT_NAME=$project
RC
  done
  echo "$stamp" > "$KS_DIR/.identities"
fi
t_ready=$(date +%s)

cat >&2 <<SUMMARY
Keystone is up at $KEYSTONE_URL (pid $(cat "$(pid_file keystone)"), log $SIROCCO_OS_DIR/log/keystone.log)
  admin/$ADMIN_PASSWORD (project admin)   demo/$DEMO_PASSWORD (project demo)   alt/$ALT_PASSWORD (project alt)
  sirocco/$SIROCCO_PASSWORD (project service, roles admin + service)   domain: default
  settings: $ENV_FILE   CLI: . $SIROCCO_OS_DIR/openrc-demo
keystone timings: install $((t_installed - t_begin))s, configure+bootstrap $((t_configured - t_installed))s, start $((t_serving - t_configured))s, identities $((t_ready - t_serving))s, total $((t_ready - t_begin))s
SUMMARY
