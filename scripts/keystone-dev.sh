#!/usr/bin/env bash
# Installs (from Debian) and starts a real Keystone on http://127.0.0.1:5000/v3 for Sirocco's peer
# tests: sqlite, fernet tokens, uwsgi. Idempotent and fast when it already runs.
#   bash scripts/keystone-dev.sh          install if needed, configure, start, create identities
#   bash scripts/keystone-dev.sh stop
# Identities (domain "default"): admin/admin-pass (project admin, role admin); demo/demo-pass
# (project demo, role member); alt/alt-pass (project alt, role member); sirocco/sirocco-pass
# (project service, roles admin + service: Sirocco's service user, the trustee of triggers).
# Writes $SIROCCO_OS_DIR/keystone.env with SIROCCO_KEYSTONE_* settings for Sirocco and the tests.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/openstack.sh"

if [ "${1:-}" = stop ]; then stop_service keystone; exit 0; fi

started=$(date +%s)
install_packages python3-keystone uwsgi-core uwsgi-plugin-python3 sqlite3 jq curl
installed=$(date +%s)

KS_DIR=$SIROCCO_OS_DIR/keystone
CONF=$SIROCCO_OS_DIR/etc/keystone.conf
mkdir -p "$KS_DIR"/{fernet-keys,credential-keys,receipt-keys}
if [ ! -f "$CONF" ]; then
  cat > "$CONF" <<CONF
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
fi
KM="keystone-manage --config-file $CONF"
if [ ! -f "$KS_DIR/.bootstrapped" ]; then
  say "keystone: database and bootstrap"
  $KM db_sync
  $KM fernet_setup --keystone-user root --keystone-group root
  $KM credential_setup --keystone-user root --keystone-group root
  $KM bootstrap --bootstrap-password "$ADMIN_PASSWORD" --bootstrap-username admin \
    --bootstrap-project-name admin --bootstrap-role-name admin --bootstrap-region-id "$OS_REGION" \
    --bootstrap-admin-url "$KEYSTONE_URL" --bootstrap-internal-url "$KEYSTONE_URL" --bootstrap-public-url "$KEYSTONE_URL"
  # keystone keeps idle sqlite connections holding a shared lock; WAL keeps later commits working
  sqlite3 "$KS_DIR/keystone.sqlite" 'PRAGMA journal_mode=WAL;' > /dev/null
  touch "$KS_DIR/.bootstrapped"
fi
start_wsgi keystone 5000 /usr/bin/keystone-wsgi-public --env "OS_KEYSTONE_CONFIG_FILES=$CONF"
wait_for_http "$KEYSTONE_URL" 90
serving=$(date +%s)

ADMIN_TOKEN=$(admin_token)
[ -n "$ADMIN_TOKEN" ] || { say "keystone: no admin token"; exit 1; }
member=$(ensure_role member); ensure_role reader > /dev/null; admin=$(ensure_role admin); service=$(ensure_role service)
demo_project=$(ensure_project demo); alt_project=$(ensure_project alt); service_project=$(ensure_project service)
grant_role "$demo_project" "$(ensure_user demo "$DEMO_PASSWORD" "$demo_project")" "$member"
grant_role "$alt_project" "$(ensure_user alt "$ALT_PASSWORD" "$alt_project")" "$member"
sirocco_user=$(ensure_user sirocco "$SIROCCO_SERVICE_PASSWORD" "$service_project")
grant_role "$service_project" "$sirocco_user" "$admin"
grant_role "$service_project" "$sirocco_user" "$service"
ready=$(date +%s)

cat > "$SIROCCO_OS_DIR/keystone.env" <<ENV
SIROCCO_KEYSTONE_URL=$KEYSTONE_URL
SIROCCO_KEYSTONE_USERNAME=sirocco
SIROCCO_KEYSTONE_PASSWORD=$SIROCCO_SERVICE_PASSWORD
SIROCCO_KEYSTONE_PROJECT=service
SIROCCO_KEYSTONE_USER_DOMAIN=default
SIROCCO_KEYSTONE_PROJECT_DOMAIN=default
ENV
say "keystone ready at $KEYSTONE_URL: install $((installed - started)) s, database and start $((serving - installed)) s, identities $((ready - serving)) s"
