# Shared by the scripts that run real OpenStack services for Sirocco's peer tests (sourced).
# Everything lives under $SIROCCO_OS_DIR: configs, sqlite databases, logs and pid files.
# Services listen on 127.0.0.1 only. Debian packages (bookworm: OpenStack Zed).
set -euo pipefail

SIROCCO_OS_DIR=${SIROCCO_OS_DIR:-/var/lib/sirocco-openstack}
OS_HOST=127.0.0.1
KEYSTONE_URL="http://${OS_HOST}:5000/v3"
OS_REGION=${OS_REGION:-RegionOne}
# Test-cloud passwords: this cloud exists only for the tests.
ADMIN_PASSWORD=${SIROCCO_OS_ADMIN_PASSWORD:-admin-pass}
DEMO_PASSWORD=${SIROCCO_OS_DEMO_PASSWORD:-demo-pass}
ALT_PASSWORD=${SIROCCO_OS_ALT_PASSWORD:-alt-pass}
SIROCCO_SERVICE_PASSWORD=${SIROCCO_OS_SERVICE_PASSWORD:-sirocco-pass}

export DEBIAN_FRONTEND=noninteractive
mkdir -p "$SIROCCO_OS_DIR"/{etc,log,run}

say() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# Installs the packages that are missing; Debian's init scripts are kept from starting them
# (the scripts start each service themselves, in the background).
install_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "apt-get install ${missing[*]}"
  local policy_added=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; policy_added=1
  fi
  local log="$SIROCCO_OS_DIR/log/apt.log"
  if ! { apt-get -o DPkg::Lock::Timeout=900 -qq update && \
         apt-get -o DPkg::Lock::Timeout=900 -y -q install --no-install-recommends "${missing[@]}"; } > "$log" 2>&1; then
    tail -30 "$log" >&2; [ $policy_added = 1 ] && rm -f /usr/sbin/policy-rc.d; return 1
  fi
  [ $policy_added = 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

running() { local pidfile="$SIROCCO_OS_DIR/run/$1.pid"; [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

# start_service NAME COMMAND...: detached, in its own process group; pid and log under the state dir
start_service() {
  local name=$1; shift
  running "$name" && return 0
  say "starting $name"
  setsid nohup "$@" >> "$SIROCCO_OS_DIR/log/$name.log" 2>&1 < /dev/null &
  echo $! > "$SIROCCO_OS_DIR/run/$name.pid"
}

stop_service() {
  local pidfile="$SIROCCO_OS_DIR/run/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

wait_for_http() { # URL SECONDS
  for _ in $(seq $(( ${2:-60} * 5 ))); do
    curl -s -o /dev/null -m 2 "$1" && return 0
    sleep 0.2
  done
  say "no answer from $1"; return 1
}

# A WSGI app under uwsgi. One thread per worker: sqlite connections must not cross threads.
# "Connection: close" because uwsgi's http-socket drops idle keep-alive connections.
start_wsgi() { # NAME PORT WSGI_FILE [uwsgi args...]
  local name=$1 port=$2 wsgi=$3; shift 3
  start_service "$name" uwsgi --plugin python3 --master --die-on-term \
    --http-socket "${OS_HOST}:${port}" --wsgi-file "$wsgi" --processes "${UWSGI_PROCESSES:-2}" --threads 1 \
    --lazy-apps --buffer-size 65535 --add-header "Connection: close" "$@"
}

admin_token() {
  curl -s -i -X POST "$KEYSTONE_URL/auth/tokens" -H 'Content-Type: application/json' -d '{
    "auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": "'"$ADMIN_PASSWORD"'"}}},
             "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}' \
    | awk 'tolower($1) == "x-subject-token:" {print $2}' | tr -d '\r'
}

keystone_call() { # METHOD PATH [JSON], with $ADMIN_TOKEN
  if [ -n "${3:-}" ]; then
    curl -s -X "$1" "$KEYSTONE_URL$2" -H "X-Auth-Token: $ADMIN_TOKEN" -H 'Content-Type: application/json' -d "$3"
  else
    curl -s -X "$1" "$KEYSTONE_URL$2" -H "X-Auth-Token: $ADMIN_TOKEN"
  fi
}
id_of() { keystone_call GET "/$1?name=$2" | jq -r ".$1[0].id // empty"; } # KIND NAME
ensure_project() {
  local id; id=$(id_of projects "$1")
  [ -n "$id" ] || id=$(keystone_call POST /projects '{"project": {"name": "'"$1"'", "domain_id": "default"}}' | jq -r .project.id)
  echo "$id"
}
ensure_role() {
  local id; id=$(id_of roles "$1")
  [ -n "$id" ] || id=$(keystone_call POST /roles '{"role": {"name": "'"$1"'"}}' | jq -r .role.id)
  echo "$id"
}
ensure_user() { # NAME PASSWORD PROJECT_ID
  local id; id=$(id_of users "$1")
  [ -n "$id" ] || id=$(keystone_call POST /users '{"user": {"name": "'"$1"'", "domain_id": "default", "password": "'"$2"'", "default_project_id": "'"$3"'", "enabled": true}}' | jq -r .user.id)
  echo "$id"
}
grant_role() { keystone_call PUT "/projects/$1/users/$2/roles/$3" > /dev/null; } # PROJECT USER ROLE
