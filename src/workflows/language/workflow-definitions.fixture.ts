/*
 * Definitions for the language specs. The bench workflows are Mistral's benchmark definitions
 * (reference/mistral/bench), copied here: the long regular ones are generated, byte for byte.
 */

export function chainBenchDefinition(length: number): string {
  const tasks = Array.from({ length }, (_, index) => {
    const task = `    t${index + 1}:\n      action: std.noop\n`;
    return index + 1 < length ? `${task}      on-success: t${index + 2}\n` : task;
  });
  return (
    `---\nversion: '2.0'\n\nbench_chain${length}:\n` +
    `  description: ${length} sequential std.noop tasks (direct workflow chain)\n  tasks:\n${tasks.join('')}`
  );
}

export function parallelBenchDefinition(width: number): string {
  const tasks = Array.from(
    { length: width },
    (_, index) => `    p${index + 1}:\n      action: std.noop\n      on-success: joiner\n`,
  );
  return (
    `---\nversion: '2.0'\n\nbench_par${width}:\n` +
    `  description: ${width} parallel std.noop tasks joined by one task with join all\n  tasks:\n` +
    `${tasks.join('')}    joiner:\n      join: all\n      action: std.noop\n`
  );
}

export const CRON_NOOP_BENCH = `---
version: '2.0'

bench_cron_noop:
  description: tiny workflow fired by the cron trigger benchmark
  tasks:
    t1:
      action: std.noop
`;

export const ITEMS500_BENCH = `---
version: '2.0'

bench_items500:
  description: with-items over 500 items of std.echo, concurrency 50
  input:
    - n: 500
  tasks:
    echo_all:
      with-items: i in <% range($.n) %>
      concurrency: 50
      action: std.echo output=<% $.i %>
      publish:
        count: <% len(task().result) %>
  output:
    count: <% $.count %>
`;

/** Mistral's API sample (POST /v2/workflows/validate answered valid: true). */
export const MISTRAL_SAMPLE = `---
version: '2.0'

sample_wf:
  description: Workflow used for the API samples
  tags: [sample, peer-study]
  input:
    - name
    - greeting: Hello
  output:
    message: <% $.message %>
  tasks:
    greet:
      action: std.echo output="<% $.greeting %>, <% $.name %>!"
      publish:
        message: <% task().result %>
      on-success: pause_a_bit
    pause_a_bit:
      action: std.sleep seconds=2
`;

/**
 * A workflow shaped like CERN's instance_snapshot: inline parameters, publish, guards, with-items,
 * the one-line retry, engine commands with a message, task-defaults.
 */
export const SNAPSHOT_DEFINITION = `---
version: '2.0'

instance_snapshot:
  description: Snapshot a server, rotate old snapshots, mail the outcome
  tags: [snapshot]
  input:
    - instance
    - pattern: "{0}_snapshot_{1}"
    - max_snapshots: 0
    - wait: false
    - instance_stop: false
    - to_addr_success: null
    - to_addr_error: null
  vars:
    poll_seconds: 5
  output:
    snapshot: <% $.snapshot_id %>
  output-on-error:
    reason: <% $.error_message %>

  task-defaults:
    on-error: send_error_mail
    timeout: 3600

  tasks:
    find_server:
      description: Find the server by name, else by id
      action: nova.servers_find name=<% $.instance %> status='ACTIVE'
      publish:
        server: <% task().result %>
        snapshot_name: <% $.pattern ~> $replace("{0}", task().result.name) %>
      on-success:
        - stop_server: <% $.instance_stop and $.server.status = "ACTIVE" %>
        - create_image: <% $not($.instance_stop) and $.server.image != null %>
        - find_boot_volume: <% $not($.instance_stop) and $.server.image = null %>

    stop_server:
      action: nova.servers_stop server=<% $.server.id %>
      on-success: wait_shutoff

    wait_shutoff:
      action: nova.servers_get server=<% $.server.id %>
      retry: count=40 delay=5 continue-on=<% task().result.status != "SHUTOFF" %>
      on-success:
        - create_image: <% $.server.image != null %>
        - find_boot_volume: <% $.server.image = null %>

    create_image:
      action: nova.servers_create_image
      input:
        server: <% $.server.id %>
        image_name: <% $.snapshot_name %>
        metadata:
          sirocco_source: <% $.server.id %>
      publish:
        snapshot_id: <% task().result %>
      on-success: wait_snapshot

    find_boot_volume:
      action: cinder.volumes_list search_opts={"attach_status":"attached"} limit=10
      publish:
        volume_id: <% task().result[0].id %>
      on-success: snapshot_volume

    snapshot_volume:
      action: cinder.volume_snapshots_create volume_id=<% $.volume_id %> force=true name=<% $.snapshot_name %>
      publish:
        snapshot_id: <% task().result.id %>
      on-success: wait_snapshot

    wait_snapshot:
      action: std.noop
      wait-before: '<% $.wait ? 10 : 0 %>'
      retry:
        count: 40
        delay: 5
        break-on: <% $.wait = false %>
      on-success:
        - start_server: <% $.instance_stop %>
        - rotate: <% $not($.instance_stop) %>

    start_server:
      action: nova.servers_start server=<% $.server.id %>
      on-complete: rotate

    rotate:
      with-items: old in <% $.old_snapshots %>
      concurrency: 2
      action: glance.images_delete image_id=<% $.old %>
      on-success:
        - send_success_mail: <% $.to_addr_success != null %>
        - succeed(msg="snapshot done, no mail asked"): <% $.to_addr_success = null %>

    send_success_mail:
      action: std.email
      input:
        to_addrs: <% $split($.to_addr_success, ";") %>
        subject: Instance Snapshot created successfully
        body: |
          The snapshot of <% $.instance %> was created.
          Execution: <% $execution().id %>

    send_error_mail:
      action: std.email subject="Instance Snapshot has failed"
      input:
        to_addrs: <% $.to_addr_error %>
        body: <% $execution().id %>
      publish-on-error:
        error_message: <% task().result %>
      on-complete:
        - fail(msg="Instance Snapshot has failed <% $.instance %>")
`;
