#!/usr/bin/env bash
# End-to-end check of the cloud that scripts/openstack-dev.sh runs, with curl + jq, as user demo in
# project demo (microversions: compute 2.93, volume 3.0). Cleans up after itself; exit 0 = all ok.
#
#   bash scripts/openstack/smoke-test.sh [server|volume|trust]...   (default: all three)
#
# server: boot from cirros-fake (flavor 1, networks none) -> ACTIVE; os-stop -> SHUTOFF; os-start ->
#         ACTIVE; createImage with metadata -> the image goes active, owned by demo, with the
#         property; rebuild from it -> ACTIVE on the snapshot; delete.
# volume: a 1 GiB volume of type fake -> available, set bootable; a server booted from it (flavor 2) -> ACTIVE,
#         volume in-use; a snapshot of it (force) -> available; a volume from the snapshot ->
#         available; delete all of it (the server first). A volume from cirros-fake -> available.
# trust:  demo trusts sirocco (role member, impersonation); sirocco's trust-scoped token makes a
#         snapshot of demo's server -> the image belongs to demo's project.
HERE=$(cd "$(dirname "$0")/.." && pwd)
source "$HERE/lib/openstack.sh"
load_env_file "$SIROCCO_OS_DIR/keystone.env"
load_env_file "$SIROCCO_OS_DIR/openstack.env"
KEYSTONE_URL=$OS_AUTH_URL
NOVA="OpenStack-API-Version: compute $COMPUTE_MAX_MICROVERSION"
RUN=smoke-$$
T0=$(date +%s.%N)
step() { say "$(awk -v t0="$T0" -v t="$(date +%s.%N)" 'BEGIN {printf "%6.1fs", t - t0}')  $*"; }

# as TOKEN: METHOD URL [JSON [HEADER...]] -> body (api_call with that token)
as() { local ADMIN_TOKEN=$1; shift; api_call "$@"; }
# poll SECONDS WHAT COMMAND...: until COMMAND prints "ok"; its last output is the error otherwise
poll() {
  local seconds=$1 what=$2 out=; shift 2
  local deadline=$(( $(date +%s) + seconds ))
  while :; do
    out=$("$@" 2>&1 || true)
    [ "$out" = ok ] && return 0
    [ "$(date +%s)" -lt "$deadline" ] || die "$what: not after ${seconds}s (last: $out)"
    sleep 0.5
  done
}
server_is() { # TOKEN ID STATUS [IMAGE]: prints ok when it is, else what it is; fails on ERROR
  local s; s=$(as "$1" GET "$COMPUTE_URL/servers/$2" '' "$NOVA") || return 1
  local now; now=$(jq -r '.server | "\(.status) \(.["OS-EXT-STS:task_state"]) \(.image | if type == "object" then .id else "" end)"' <<< "$s")
  [[ $now == ERROR* ]] && die "server $2 went to ERROR: $(jq -c .server.fault <<< "$s")"
  if [ "$now" = "$3 null ${4:-$(cut -d' ' -f3 <<< "$now")}" ]; then echo ok; else echo "$now"; fi
}
server_gone() { as "$1" GET "$COMPUTE_URL/servers/$2" '' "$NOVA" > /dev/null 2>&1 && echo "still there" || echo ok; }
image_status() { as "$1" GET "$IMAGE_URL/v2/images/$2" | jq -r 'if .status == "active" then "ok" else .status end'; }
volume_status() { # TOKEN KIND(volumes|snapshots) ID STATUS
  local one=${2%s}; as "$1" GET "$VOLUME_URL/$OPENSTACK_DEMO_PROJECT_ID/$2/$3" | jq -r --arg w "$4" --arg k "$one" \
    '.[$k].status as $s | if $s == $w then "ok" elif ($s | test("error")) then error("\($k) is \($s)") else $s end'
}
volume_gone() { as "$1" GET "$VOLUME_URL/$OPENSTACK_DEMO_PROJECT_ID/$2/$3" > /dev/null 2>&1 && echo "still there" || echo ok; }

boot() { # TOKEN NAME JSON_EXTRA -> id
  as "$1" POST "$COMPUTE_URL/servers" "$(jq -nc --arg n "$2" --argjson extra "$3" '{server: ({name: $n, networks: "none"} + $extra)}')" \
    "$NOVA" | jq -r .server.id
}

# on failure: delete what this run made (best effort; servers first, they hold the volumes)
cleanup() {
  [ $? = 0 ] && return 0
  say "cleaning up after the failure"
  local id volumes="$VOLUME_URL/$OPENSTACK_DEMO_PROJECT_ID"
  for id in $(as "$DEMO" GET "$COMPUTE_URL/servers?name=^$RUN-" | jq -r '.servers[].id'); do
    as "$DEMO" DELETE "$COMPUTE_URL/servers/$id" > /dev/null; poll 60 "server deleted" server_gone "$DEMO" "$id"
  done
  for id in $(as "$DEMO" GET "$volumes/volumes/detail" | jq -r --arg r "$RUN-" '.volumes[] | select(.name | startswith($r)) | select(.snapshot_id != null) | .id'); do
    as "$DEMO" DELETE "$volumes/volumes/$id" > /dev/null; poll 60 "volume deleted" volume_gone "$DEMO" volumes "$id"
  done
  for id in $(as "$DEMO" GET "$volumes/snapshots" | jq -r --arg r "$RUN-" '.snapshots[] | select(.name | startswith($r)) | .id'); do
    as "$DEMO" DELETE "$volumes/snapshots/$id" > /dev/null; poll 60 "snapshot deleted" volume_gone "$DEMO" snapshots "$id"
  done
  for id in $(as "$DEMO" GET "$volumes/volumes/detail" | jq -r --arg r "$RUN-" '.volumes[] | select(.name | startswith($r)) | .id'); do
    poll 60 "volume available" volume_status "$DEMO" volumes "$id" available || true
    as "$DEMO" DELETE "$volumes/volumes/$id" > /dev/null
  done
  for id in $(as "$DEMO" GET "$IMAGE_URL/v2/images?owner=$OPENSTACK_DEMO_PROJECT_ID" | jq -r --arg r "$RUN-" '.images[] | select(.name | startswith($r)) | .id'); do
    as "$DEMO" DELETE "$IMAGE_URL/v2/images/$id" > /dev/null
  done
}
trap 'cleanup || true' EXIT

DEMO=$(password_token demo "$KEYSTONE_DEMO_PASSWORD" demo)
[ -n "$DEMO" ] || die "demo cannot log in"

check_server() {
  step "server: boot from $OPENSTACK_IMAGE_NAME, flavor $OPENSTACK_FLAVOR_ID, networks none"
  local id snap; id=$(boot "$DEMO" "$RUN-server" "{\"imageRef\": \"$OPENSTACK_IMAGE_ID\", \"flavorRef\": \"$OPENSTACK_FLAVOR_ID\"}")
  poll 60 "server ACTIVE" server_is "$DEMO" "$id" ACTIVE; step "server $id ACTIVE"
  as "$DEMO" POST "$COMPUTE_URL/servers/$id/action" '{"os-stop": null}' "$NOVA" > /dev/null
  poll 60 "server SHUTOFF" server_is "$DEMO" "$id" SHUTOFF; step "os-stop -> SHUTOFF"
  as "$DEMO" POST "$COMPUTE_URL/servers/$id/action" '{"os-start": null}' "$NOVA" > /dev/null
  poll 60 "server ACTIVE" server_is "$DEMO" "$id" ACTIVE; step "os-start -> ACTIVE"
  snap=$(as "$DEMO" POST "$COMPUTE_URL/servers/$id/action" "{\"createImage\": {\"name\": \"$RUN-snapshot\", \"metadata\": {\"sirocco\": \"1\"}}}" \
    "$NOVA" | jq -r .image_id)
  poll 60 "snapshot image active" image_status "$DEMO" "$snap"
  local image; image=$(as "$DEMO" GET "$IMAGE_URL/v2/images/$snap")
  [ "$(jq -r .owner <<< "$image")" = "$OPENSTACK_DEMO_PROJECT_ID" ] || die "the snapshot's owner is not demo's project"
  [ "$(jq -r .sirocco <<< "$image")" = 1 ] || die "the snapshot lacks the property sirocco=1"
  step "createImage -> image $snap active: $(jq -c '{status, owner, size, sirocco, image_type, instance_uuid}' <<< "$image")"
  poll 60 "server ACTIVE after the snapshot" server_is "$DEMO" "$id" ACTIVE
  as "$DEMO" POST "$COMPUTE_URL/servers/$id/action" "{\"rebuild\": {\"imageRef\": \"$snap\"}}" "$NOVA" > /dev/null
  poll 60 "server ACTIVE on the snapshot" server_is "$DEMO" "$id" ACTIVE "$snap"; step "rebuild -> ACTIVE, image.id = $snap"
  as "$DEMO" DELETE "$COMPUTE_URL/servers/$id" '' "$NOVA" > /dev/null
  poll 60 "server deleted" server_gone "$DEMO" "$id"; step "server deleted"
  as "$DEMO" DELETE "$IMAGE_URL/v2/images/$snap" > /dev/null; step "snapshot image deleted"
}

check_volume() {
  local volumes="$VOLUME_URL/$OPENSTACK_DEMO_PROJECT_ID" vol id snap vol2
  step "volume: 1 GiB, type $OPENSTACK_VOLUME_TYPE"
  vol=$(as "$DEMO" POST "$volumes/volumes" "{\"volume\": {\"size\": 1, \"volume_type\": \"$OPENSTACK_VOLUME_TYPE\", \"name\": \"$RUN-volume\"}}" | jq -r .volume.id)
  poll 60 "volume available" volume_status "$DEMO" volumes "$vol" available; step "volume $vol available"
  # an empty volume is not bootable until it is marked so (a volume made from an image would be)
  as "$DEMO" POST "$volumes/volumes/$vol/action" '{"os-set_bootable": {"bootable": true}}' > /dev/null; step "os-set_bootable"
  id=$(boot "$DEMO" "$RUN-bfv" "{\"flavorRef\": \"$OPENSTACK_BFV_FLAVOR_ID\", \"block_device_mapping_v2\":
    [{\"boot_index\": 0, \"uuid\": \"$vol\", \"source_type\": \"volume\", \"destination_type\": \"volume\", \"delete_on_termination\": false}]}")
  poll 60 "boot-from-volume server ACTIVE" server_is "$DEMO" "$id" ACTIVE
  poll 30 "volume in-use" volume_status "$DEMO" volumes "$vol" in-use; step "server $id booted from it: ACTIVE, volume in-use"
  snap=$(as "$DEMO" POST "$volumes/snapshots" "{\"snapshot\": {\"volume_id\": \"$vol\", \"force\": true, \"name\": \"$RUN-snapshot\", \"metadata\": {\"sirocco\": \"1\"}}}" | jq -r .snapshot.id)
  poll 60 "snapshot available" volume_status "$DEMO" snapshots "$snap" available
  step "snapshot $snap (force) available: $(as "$DEMO" GET "$volumes/snapshots/$snap" | jq -c '.snapshot | {status, size, metadata}')"
  vol2=$(as "$DEMO" POST "$volumes/volumes" "{\"volume\": {\"size\": 1, \"snapshot_id\": \"$snap\", \"name\": \"$RUN-from-snapshot\"}}" | jq -r .volume.id)
  poll 60 "volume from the snapshot available" volume_status "$DEMO" volumes "$vol2" available; step "volume $vol2 from the snapshot available"
  as "$DEMO" DELETE "$COMPUTE_URL/servers/$id" '' "$NOVA" > /dev/null
  poll 60 "server deleted" server_gone "$DEMO" "$id"
  poll 60 "volume available again" volume_status "$DEMO" volumes "$vol" available; step "server deleted, volume available again"
  as "$DEMO" DELETE "$volumes/volumes/$vol2" > /dev/null; poll 60 "volume deleted" volume_gone "$DEMO" volumes "$vol2"
  as "$DEMO" DELETE "$volumes/snapshots/$snap" > /dev/null; poll 60 "snapshot deleted" volume_gone "$DEMO" snapshots "$snap"
  as "$DEMO" DELETE "$volumes/volumes/$vol" > /dev/null; poll 60 "volume deleted" volume_gone "$DEMO" volumes "$vol"
  step "volume from the snapshot, snapshot, volume deleted"
  vol=$(as "$DEMO" POST "$volumes/volumes" "{\"volume\": {\"size\": 1, \"imageRef\": \"$OPENSTACK_IMAGE_ID\", \"name\": \"$RUN-from-image\"}}" | jq -r .volume.id)
  poll 60 "volume from the image available" volume_status "$DEMO" volumes "$vol" available
  step "volume $vol from $OPENSTACK_IMAGE_NAME (default type): $(as "$DEMO" GET "$volumes/volumes/$vol" | jq -c '.volume | {status, volume_type, bootable, image: .volume_image_metadata.image_name}')"
  as "$DEMO" DELETE "$volumes/volumes/$vol" > /dev/null; poll 60 "volume deleted" volume_gone "$DEMO" volumes "$vol"
}

check_trust() {
  local body demo_user sirocco_user trust trust_token id snap owner
  body=$(mktemp)
  [ -n "$(login demo "$KEYSTONE_DEMO_PASSWORD" demo "$body")" ]; demo_user=$(jq -r .token.user.id "$body")
  [ -n "$(login sirocco "$SIROCCO_KEYSTONE_PASSWORD" service "$body")" ]; sirocco_user=$(jq -r .token.user.id "$body")
  trust=$(as "$DEMO" POST "$KEYSTONE_URL/OS-TRUST/trusts" "$(jq -nc --arg from "$demo_user" --arg to "$sirocco_user" --arg p "$OPENSTACK_DEMO_PROJECT_ID" \
    '{trust: {trustor_user_id: $from, trustee_user_id: $to, project_id: $p, roles: [{name: "member"}], impersonation: true}}')" | jq -r .trust.id)
  step "trust: demo -> sirocco, role member, impersonation: $trust"
  trust_token=$(jq -n --arg p "$SIROCCO_KEYSTONE_PASSWORD" --arg t "$trust" \
    '{auth: {identity: {methods: ["password"], password: {user: {name: "sirocco", domain: {id: "default"}, password: $p}}},
             scope: {"OS-TRUST:trust": {id: $t}}}}' |
    curl -s -D - -o "$body" -X POST "$KEYSTONE_URL/auth/tokens" -H 'Content-Type: application/json' --data-binary @- |
    awk 'tolower($1) == "x-subject-token:" {print $2}' | tr -d '\r')
  [ -n "$trust_token" ] || die "no trust-scoped token: $(cat "$body")"
  step "trust-scoped token for sirocco: $(jq -c '.token | {user: .user.name, project: .project.name, roles: [.roles[].name]}' "$body")"
  id=$(boot "$DEMO" "$RUN-trust" "{\"imageRef\": \"$OPENSTACK_IMAGE_ID\", \"flavorRef\": \"$OPENSTACK_FLAVOR_ID\"}")
  poll 60 "server ACTIVE" server_is "$DEMO" "$id" ACTIVE; step "demo's server $id ACTIVE"
  snap=$(as "$trust_token" POST "$COMPUTE_URL/servers/$id/action" "{\"createImage\": {\"name\": \"$RUN-trust-snapshot\"}}" "$NOVA" | jq -r .image_id)
  poll 60 "snapshot image active" image_status "$trust_token" "$snap"
  owner=$(as "$DEMO" GET "$IMAGE_URL/v2/images/$snap" | jq -r .owner)
  [ "$owner" = "$OPENSTACK_DEMO_PROJECT_ID" ] || die "the trust's snapshot belongs to $owner, not to demo's project"
  step "createImage with the trust token -> image $snap active, owner = demo's project $owner"
  poll 60 "server ACTIVE after the snapshot" server_is "$DEMO" "$id" ACTIVE
  as "$DEMO" DELETE "$COMPUTE_URL/servers/$id" '' "$NOVA" > /dev/null; poll 60 "server deleted" server_gone "$DEMO" "$id"
  as "$DEMO" DELETE "$IMAGE_URL/v2/images/$snap" > /dev/null
  as "$DEMO" DELETE "$KEYSTONE_URL/OS-TRUST/trusts/$trust" > /dev/null
  rm -f "$body"; step "server, image and trust deleted"
}

for check in "${@:-server volume trust}"; do
  for c in $check; do "check_$c"; done
done
step "smoke test passed"
