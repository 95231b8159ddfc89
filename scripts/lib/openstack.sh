# Shell helpers for the scripts that run real OpenStack services (Debian bookworm packages,
# OpenStack Zed) for Sirocco's peer tests. Sourced, not executed.
#
# All state lives under $SIROCCO_OS_DIR: etc/ (configs), log/, run/ (pid files) and one
# directory per service. Services listen on 127.0.0.1 only, run as root, and are started in the
# background by the scripts themselves: this machine has no systemd and Debian's init scripts are
# kept from starting anything (policy-rc.d).
set -euo pipefail
shopt -s inherit_errexit

SIROCCO_OS_DIR=${SIROCCO_OS_DIR:-/var/lib/sirocco-openstack}
OS_HOST=127.0.0.1
OS_REGION=${OS_REGION:-RegionOne}
export DEBIAN_FRONTEND=noninteractive

say() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

ensure_state_dirs() { mkdir -p "$SIROCCO_OS_DIR"/{etc,log,run}; }

# install_packages PACKAGE...: apt-get install of those not installed yet (nothing to do, and no
# apt lock taken, when all are there). Tries the current package lists first and runs
# `apt-get update` only when that fails (a fresh machine, or stale lists).
install_packages() {
  local missing=() package installed
  # one dpkg-query for all of them (it fails for unknown names, but still lists the others)
  installed=" $(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null | awk '/ install ok installed$/ {printf "%s ", $1}' || true)"
  for package in "$@"; do
    [[ $installed == *" $package "* ]] || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  ensure_state_dirs
  say "apt-get install ${missing[*]} (log: $SIROCCO_OS_DIR/log/apt.log)"
  local policy_added=0 status=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_added=1
  fi
  # man-db re-indexes every man page after each install (~10 s); nobody reads them here
  echo "man-db man-db/auto-update boolean false" | debconf-set-selections 2>/dev/null || true
  local apt=(apt-get -o DPkg::Lock::Timeout=900 -q)
  {
    "${apt[@]}" -y install --no-install-recommends "${missing[@]}" \
      || { "${apt[@]}" update && "${apt[@]}" -y install --no-install-recommends "${missing[@]}"; }
  } >> "$SIROCCO_OS_DIR/log/apt.log" 2>&1 || status=$?
  [ $policy_added = 1 ] && rm -f /usr/sbin/policy-rc.d
  if [ $status -ne 0 ]; then tail -30 "$SIROCCO_OS_DIR/log/apt.log" >&2; die "apt-get failed"; fi
}

pid_file() { echo "$SIROCCO_OS_DIR/run/$1.pid"; }

# running NAME: the pid file names a live process (and not a recycled pid of something else)
running() {
  local pidfile; pidfile=$(pid_file "$1")
  [ -f "$pidfile" ] || return 1
  local pid; pid=$(cat "$pidfile")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qa "${2:-}" "/proc/$pid/cmdline" 2>/dev/null
}

# start_service NAME COMMAND...: detached in its own session / process group (so stop_service can
# end it with all its children); pid in run/NAME.pid, output appended to log/NAME.log
start_service() {
  local name=$1; shift
  ensure_state_dirs
  say "starting $name (log: $SIROCCO_OS_DIR/log/$name.log)"
  # fd 9 is the calling script's lock (see keystone-dev.sh): the service must not keep holding it
  setsid nohup "$@" >> "$SIROCCO_OS_DIR/log/$name.log" 2>&1 < /dev/null 9>&- &
  echo $! > "$(pid_file "$name")"
}

# stop_service NAME: TERM to the process group, KILL after 5 s; no pid file = nothing to do
stop_service() {
  local pidfile; pidfile=$(pid_file "$1")
  if [ ! -f "$pidfile" ]; then say "$1 is not running (no pid file)"; return 0; fi
  local pid; pid=$(cat "$pidfile")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    say "stopping $1 (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# still_running NAME:PATTERN...: each service still runs; else the tail of its log, and exit
still_running() {
  local entry
  for entry in "$@"; do
    running "${entry%%:*}" "${entry#*:}" ||
      { tail -20 "$SIROCCO_OS_DIR/log/${entry%%:*}.log" >&2; die "${entry%%:*} exited (log: $SIROCCO_OS_DIR/log/${entry%%:*}.log)"; }
  done
}

# http_ok URL: answers with a 2xx/3xx status
http_ok() { curl -sf -o /dev/null -m 3 "$1"; }
# port_listening PORT: something listens on 127.0.0.1:PORT
port_listening() { (exec 3<> "/dev/tcp/$OS_HOST/$1") 2>/dev/null; }
# port_owner PORT: "name(pid)" of the listener, for error messages
port_owner() { ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*' | head -1 | sed 's/users:((//' || true; }

# wait_for_service NAME URL SECONDS [PATTERN]: until URL answers OK; fails early when NAME dies
wait_for_service() {
  local name=$1 url=$2 seconds=$3 pattern=${4:-}
  local deadline=$(( $(date +%s) + seconds ))
  until http_ok "$url"; do
    if ! running "$name" "$pattern"; then
      tail -20 "$SIROCCO_OS_DIR/log/$name.log" >&2 || true
      die "$name exited while starting (log: $SIROCCO_OS_DIR/log/$name.log)"
    fi
    [ "$(date +%s)" -lt "$deadline" ] || die "$url did not answer within ${seconds}s (log: $SIROCCO_OS_DIR/log/$name.log)"
    sleep 0.2
  done
}

# start_wsgi NAME PORT WSGI_FILE [uwsgi args...]: a WSGI app under uwsgi.
# One thread per worker: with threads, sqlite connections cross threads ("database is locked").
# "Connection: close": uwsgi's http-socket drops idle keep-alive connections, which clients then
# see as random disconnects. --need-app: a worker that cannot load the app ends uwsgi (which
# wait_for_service reports), rather than answering 500 to every request it gets.
start_wsgi() {
  local name=$1 port=$2 wsgi=$3; shift 3
  start_service "$name" uwsgi --plugin python3 --master --die-on-term \
    --http-socket "${OS_HOST}:${port}" --wsgi-file "$wsgi" --processes "${UWSGI_PROCESSES:-2}" --threads 1 \
    --lazy-apps --need-app --buffer-size 65535 --add-header "Connection: close" "$@"
}

# write_if_changed FILE: stdin becomes FILE unless FILE already has that content; returns 1 when
# the file changed (0 when it was already up to date)
write_if_changed() {
  local file=$1 tmp; tmp=$(mktemp)
  cat > "$tmp"
  if [ -f "$file" ] && cmp -s "$tmp" "$file"; then rm -f "$tmp"; return 0; fi
  mv "$tmp" "$file"; chmod 600 "$file"; return 1
}

# --- Keystone identity API with curl + jq, as $KEYSTONE_URL's admin ($ADMIN_TOKEN) ---------------

# password_token USER PASSWORD PROJECT: a project-scoped token (empty when refused)
password_token() {
  jq -n --arg u "$1" --arg p "$2" --arg project "$3" \
    '{auth: {identity: {methods: ["password"], password: {user: {name: $u, domain: {id: "default"}, password: $p}}},
             scope: {project: {name: $project, domain: {id: "default"}}}}}' \
    | curl -s -i -X POST "$KEYSTONE_URL/auth/tokens" -H 'Content-Type: application/json' --data-binary @- \
    | awk 'tolower($1) == "x-subject-token:" {print $2}' | tr -d '\r'
}

# keystone_call METHOD PATH [JSON]: the response body; fails on an HTTP error status
keystone_call() {
  local args=(-sS -f -X "$1" "$KEYSTONE_URL$2" -H "X-Auth-Token: $ADMIN_TOKEN")
  [ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  curl "${args[@]}" || die "Keystone: $1 $2 failed"
}
# ensure_named KIND NAME LISTING CREATE_JSON: the id of the KIND (roles|projects|users) called
# NAME in LISTING (the JSON of GET /KIND), created with CREATE_JSON when absent
ensure_named() {
  local kind=$1 name=$2 listing=$3 create=$4 id
  id=$(jq -r --arg kind "$kind" --arg n "$name" '.[$kind][] | select(.name == $n) | .id' <<< "$listing" | head -1)
  [ -n "$id" ] || id=$(keystone_call POST "/$kind" "$create" | jq -r '.[keys[0]].id')
  [ -n "$id" ] && [ "$id" != null ] || die "no id for $kind $name"
  echo "$id"
}
ensure_role() { ensure_named roles "$1" "$2" "$(jq -nc --arg n "$1" '{role: {name: $n}}')"; } # NAME LISTING
ensure_project() { # NAME LISTING
  ensure_named projects "$1" "$2" "$(jq -nc --arg n "$1" '{project: {name: $n, domain_id: "default"}}')"
}
# password_works USER PASSWORD: the user can log in (explicitly unscoped, so no role is needed)
password_works() {
  jq -n --arg u "$1" --arg p "$2" \
    '{auth: {identity: {methods: ["password"], password: {user: {name: $u, domain: {id: "default"}, password: $p}}}, scope: "unscoped"}}' \
    | curl -s -o /dev/null -w '%{http_code}' -X POST "$KEYSTONE_URL/auth/tokens" -H 'Content-Type: application/json' --data-binary @- \
    | grep -q '^201$'
}
# ensure_user NAME PASSWORD DEFAULT_PROJECT_ID LISTING: creates the user, or resets its password
# when it no longer works (only then: a password change revokes the user's tokens, which tests running
# at the same time may hold)
ensure_user() {
  local name=$1 password=$2 project=$3 listing=$4 id
  id=$(jq -r --arg n "$name" '.users[] | select(.name == $n) | .id' <<< "$listing" | head -1)
  if [ -z "$id" ]; then
    id=$(ensure_named users "$name" "$listing" "$(jq -nc --arg n "$name" --arg p "$password" --arg project "$project" \
      '{user: {name: $n, domain_id: "default", password: $p, default_project_id: $project, enabled: true}}')")
  elif ! password_works "$name" "$password"; then
    keystone_call PATCH "/users/$id" "$(jq -nc --arg p "$password" '{user: {password: $p, enabled: true}}')" > /dev/null
  fi
  echo "$id"
}
grant_role() { keystone_call PUT "/projects/$1/users/$2/roles/$3" > /dev/null; } # PROJECT_ID USER_ID ROLE_ID

# --- more helpers for scripts/openstack-dev.sh ---------------------------------------------------

# wait_until SECONDS WHAT COMMAND...: runs COMMAND every 0.5 s until it succeeds; fails (with
# "WHAT did not happen") after SECONDS
wait_until() {
  local seconds=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + seconds ))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || die "$what did not happen within ${seconds}s"
    sleep 0.5
  done
}

# stop_services NAME...: stop_service for all of them at once (the eventlet services take a few
# seconds each to stop)
stop_services() {
  local name pids=()
  for name in "$@"; do stop_service "$name" & pids+=($!); done
  for name in "${pids[@]}"; do wait "$name" || true; done
}

# start_job NAME FUNCTION [ARGS...]: runs FUNCTION in a background subshell, output to
# log/setup-NAME.log; run/job-NAME.ok (holding its duration in seconds) or run/job-NAME.failed
# when it ends. await_job lets one job wait for another; wait_jobs waits for all of them.
JOB_PIDS=() JOB_NAMES=()
start_job() {
  local name=$1 marker=$SIROCCO_OS_DIR/run/job-$1 started; shift
  started=$(date +%s)
  rm -f "$marker.ok" "$marker.failed"
  : > "$SIROCCO_OS_DIR/log/setup-$name.log"
  # (not `if ( "$@" )`: in an if's condition, errexit is off, also in the functions it runs)
  # (the trap's variables are globals of the subshell: a function's locals of the same names
  # would hide locals of start_job when it fires)
  (
    JOB_MARKER=$marker JOB_STARTED=$started
    trap 'if [ $? = 0 ]; then echo $(( $(date +%s) - JOB_STARTED )) > "$JOB_MARKER.ok"; else touch "$JOB_MARKER.failed"; fi' EXIT
    "$@"
  ) >> "$SIROCCO_OS_DIR/log/setup-$name.log" 2>&1 9>&- &
  JOB_PIDS+=($!) JOB_NAMES+=("$name")
}
# await_job NAME SECONDS: (in a job) until job NAME has succeeded; fails when it failed
await_job() {
  local marker=$SIROCCO_OS_DIR/run/job-$1 deadline=$(( $(date +%s) + $2 ))
  until [ -f "$marker.ok" ]; do
    [ ! -f "$marker.failed" ] || die "$1 failed (log: $SIROCCO_OS_DIR/log/setup-$1.log)"
    [ "$(date +%s)" -lt "$deadline" ] || die "$1 did not finish within $2s"
    sleep 0.2
  done
}
# wait_jobs: 0 when all succeeded; otherwise prints the failed ones' log tails and returns 1.
# Sets JOB_TIMES ("name 12s, other 3s").
wait_jobs() {
  local i failed=() seconds
  JOB_TIMES=
  for i in "${!JOB_PIDS[@]}"; do
    if wait "${JOB_PIDS[$i]}"; then
      seconds=$(cat "$SIROCCO_OS_DIR/run/job-${JOB_NAMES[$i]}.ok" 2>/dev/null || echo '?')
      JOB_TIMES+="${JOB_TIMES:+, }${JOB_NAMES[$i]} ${seconds}s"
    else
      failed+=("${JOB_NAMES[$i]}")
      JOB_TIMES+="${JOB_TIMES:+, }${JOB_NAMES[$i]} FAILED"
    fi
  done
  JOB_PIDS=() JOB_NAMES=()
  for i in "${failed[@]}"; do
    say "---- $i FAILED; the end of $SIROCCO_OS_DIR/log/setup-$i.log:"
    tail -25 "$SIROCCO_OS_DIR/log/setup-$i.log" >&2
  done
  [ ${#failed[@]} -eq 0 ] || { say "ERROR: failed: ${failed[*]}"; return 1; }
}

# login USER PASSWORD PROJECT BODY_FILE: a project-scoped token on stdout (empty when refused),
# the token's JSON (with the catalog) in BODY_FILE
login() {
  local headers; headers=$(mktemp)
  jq -n --arg u "$1" --arg p "$2" --arg project "$3" \
    '{auth: {identity: {methods: ["password"], password: {user: {name: $u, domain: {id: "default"}, password: $p}}},
             scope: {project: {name: $project, domain: {id: "default"}}}}}' \
    | curl -s -m 30 -D "$headers" -o "$4" -X POST "$KEYSTONE_URL/auth/tokens" -H 'Content-Type: application/json' --data-binary @- || true
  awk 'tolower($1) == "x-subject-token:" {print $2}' "$headers" | tr -d '\r'
  rm -f "$headers"
}

# api_call METHOD URL [JSON [HEADER...]]: an OpenStack API call with $ADMIN_TOKEN; the response
# body on stdout; fails (with the status and body) on an HTTP error status
api_call() {
  local method=$1 url=$2 data=${3:-} out status header; shift 2; [ $# -eq 0 ] || shift
  local args=(-s -m 60 -X "$method" "$url" -H "X-Auth-Token: $ADMIN_TOKEN" -H 'Accept: application/json')
  [ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
  for header in "$@"; do args+=(-H "$header"); done
  out=$(mktemp)
  status=$(curl "${args[@]}" -o "$out" -w '%{http_code}') || status=000
  if [ "${status:0:1}" != 2 ]; then
    say "$method $url answered $status: $(head -c 400 "$out")"; rm -f "$out"; return 1
  fi
  cat "$out"; rm -f "$out"
}

# ensure_endpoint NAME TYPE URL SERVICES ENDPOINTS: the catalog has service TYPE (created as NAME
# when absent) with a public, internal and admin endpoint in $OS_REGION at URL (fixed when it
# points elsewhere). SERVICES and ENDPOINTS: the JSON of GET /services and GET /endpoints.
ensure_endpoint() {
  local name=$1 type=$2 url=$3 services=$4 endpoints=$5 service interface endpoint
  service=$(jq -r --arg t "$type" '[.services[] | select(.type == $t)][0].id // empty' <<< "$services")
  [ -n "$service" ] || service=$(keystone_call POST /services \
    "$(jq -nc --arg n "$name" --arg t "$type" '{service: {name: $n, type: $t, enabled: true}}')" | jq -r .service.id)
  for interface in public internal admin; do
    endpoint=$(jq -c --arg s "$service" --arg i "$interface" --arg r "$OS_REGION" \
      '[.endpoints[] | select(.service_id == $s and .interface == $i and .region_id == $r)][0] // empty' <<< "$endpoints")
    if [ -z "$endpoint" ]; then
      keystone_call POST /endpoints "$(jq -nc --arg s "$service" --arg i "$interface" --arg r "$OS_REGION" --arg u "$url" \
        '{endpoint: {service_id: $s, interface: $i, region_id: $r, url: $u, enabled: true}}')" > /dev/null
    elif [ "$(jq -r '.url + " " + (.enabled | tostring)' <<< "$endpoint")" != "$url true" ]; then
      keystone_call PATCH "/endpoints/$(jq -r .id <<< "$endpoint")" \
        "$(jq -nc --arg u "$url" '{endpoint: {url: $u, enabled: true}}')" > /dev/null
    fi
  done
}

# load_env_file FILE: its KEY=VALUE lines become shell variables (not exported)
load_env_file() {
  local key value
  while IFS='=' read -r key value; do
    if [[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then printf -v "$key" '%s' "$value"; fi
  done < "$1"
}

# fingerprint WORD...: a short hash of them, for the stamp files that let re-runs skip set-up steps
fingerprint() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }
