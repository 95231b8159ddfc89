import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import ora from 'ora';
import type { CliContext } from './cli-context';
import { CliError } from './cli-errors';
import { positiveInteger } from './cli-inputs';
import { renderJson, renderRecord, renderTable, shorten, type Cell } from './cli-output';
import type { SiroccoClient } from './sirocco-client';

interface SnapshotResource extends Record<string, unknown> {
  id: string;
  status: string;
  error: string | null;
  origin: string;
  created_at: string | null;
  include_history: boolean;
  archive_size: number | null;
  restore_status: string | null;
  restore_error: string | null;
}

function path(id: string, tail = ''): string {
  return `/v2/snapshots/${encodeURIComponent(id)}${tail}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `sirocco snapshot ...`: snapshots of Sirocco itself (administrators in keystone mode). */
export function registerSnapshotCommands(program: Command, context: CliContext): void {
  const { output } = context;
  const snapshot = program.command('snapshot').description("Snapshots of Sirocco's own state: list, create, get, download, upload, restore, delete, status");

  function show(command: Command, found: SnapshotResource): void {
    if (context.json(command)) return output.out(renderJson(found));
    const fields: Record<string, Cell> = {};
    for (const [key, value] of Object.entries(found)) fields[key] = value !== null && typeof value === 'object' ? JSON.stringify(value) : (value as Cell);
    output.out(renderRecord(fields));
  }

  /** Polls the snapshot until `done` says so, with a spinner on a terminal; exit 1 if it ended in failure. */
  async function waitFor(client: SiroccoClient, id: string, what: string, done: (found: SnapshotResource) => boolean, failed: (found: SnapshotResource) => boolean, intervalMs: number) {
    const spinner = output.interactive ? ora({ text: `${what} snapshot ${id}`, stream: process.stderr }).start() : undefined;
    try {
      for (;;) {
        const found = await client.get<SnapshotResource>(path(id));
        if (done(found)) {
          spinner?.stop();
          if (failed(found)) process.exitCode = 1;
          return found;
        }
        await sleep(intervalMs);
      }
    } finally {
      spinner?.stop();
    }
  }

  snapshot
    .command('list')
    .description('Every snapshot, oldest first')
    .action(async (_options: unknown, command: Command) => {
      const client = await context.client(command);
      const { snapshots } = await client.get<{ snapshots: SnapshotResource[] }>('/v2/snapshots');
      if (context.json(command)) return output.out(renderJson(snapshots));
      output.out(
        renderTable(
          ['id', 'status', 'origin', 'created (UTC)', 'history', 'size (bytes)', 'restore', 'error'],
          snapshots.map((found) => [found.id, found.status, found.origin, found.created_at, found.include_history, found.archive_size, found.restore_status, shorten(found.error ?? found.restore_error, 40)]),
        ),
      );
    });

  snapshot
    .command('create')
    .description('Take a snapshot (in the background; --wait follows it: exit 1 if it FAILED)')
    .argument('<id>', 'snapshot id: letters, digits, . _ -')
    .option('--include-history', 'with the executions and event deliveries')
    .option('-w, --wait', 'wait until it is CREATED or FAILED')
    .option('--interval <ms>', 'between two looks', positiveInteger, 500)
    .action(async (id: string, options: { includeHistory?: boolean; wait?: boolean; interval: number }, command: Command) => {
      const client = await context.client(command);
      let found = await client.request<SnapshotResource>('PUT', path(id), { json: { include_history: Boolean(options.includeHistory) } });
      if (options.wait) found = await waitFor(client, id, 'creating', (s) => s.status !== 'CREATING', (s) => s.status === 'FAILED', options.interval);
      show(command, found);
    });

  snapshot
    .command('get')
    .description('One snapshot')
    .argument('<id>', 'snapshot id')
    .action(async (id: string, _options: unknown, command: Command) => show(command, await (await context.client(command)).get<SnapshotResource>(path(id))));

  snapshot
    .command('download')
    .description('Save the archive (tar.gz)')
    .argument('<id>', 'snapshot id')
    .option('-o, --output <file>', "where to write it ('-': standard output; default sirocco-snapshot-<id>.tar.gz)")
    .action(async (id: string, options: { output?: string }, command: Command) => {
      const archive = await (await context.client(command)).download(path(id, '/archive'));
      const file = options.output ?? `sirocco-snapshot-${id}.tar.gz`;
      if (file === '-') return void process.stdout.write(archive);
      writeFileSync(file, archive);
      if (context.json(command)) output.out(renderJson({ id, file, bytes: archive.length }));
      else output.err(`wrote ${file} (${archive.length} bytes)\n`);
    });

  snapshot
    .command('upload')
    .description('Upload an archive from a file, or let Sirocco fetch it from a URL')
    .argument('<id>', 'snapshot id to give it')
    .argument('[file]', 'the tar.gz archive')
    .option('--url <url>', 'an http(s) URL Sirocco fetches the archive from (instead of a file)')
    .action(async (id: string, file: string | undefined, options: { url?: string }, command: Command) => {
      if (!file === !options.url) throw CliError.usage('give either a file or --url');
      const client = await context.client(command);
      const found = options.url
        ? await client.request<SnapshotResource>('PUT', path(id, '/archive'), { query: { snapshot_archive_url: options.url } })
        : await client.request<SnapshotResource>('PUT', path(id, '/archive'), { bytes: readFileSync(file as string) });
      show(command, found);
    });

  snapshot
    .command('restore')
    .description("Replace Sirocco's state with the snapshot's (maintenance mode activated, or --force); --wait: exit 1 if it FAILED")
    .argument('<id>', 'snapshot id')
    .option('--force', 'restore outside maintenance mode')
    .option('-w, --wait', 'wait until the restore is DONE or FAILED')
    .option('--interval <ms>', 'between two looks', positiveInteger, 500)
    .action(async (id: string, options: { force?: boolean; wait?: boolean; interval: number }, command: Command) => {
      const client = await context.client(command);
      let found = await client.request<SnapshotResource>('POST', path(id, '/restore'), { json: { force: Boolean(options.force) } });
      if (options.wait) found = await waitFor(client, id, 'restoring', (s) => s.restore_status !== 'RUNNING', (s) => s.restore_status === 'FAILED', options.interval);
      show(command, found);
    });

  snapshot
    .command('delete')
    .description('Delete a snapshot')
    .argument('<id>', 'snapshot id')
    .action(async (id: string, _options: unknown, command: Command) => {
      await (await context.client(command)).request('DELETE', path(id));
      if (context.json(command)) output.out(renderJson({ deleted: id }));
      else output.err(`deleted snapshot ${id}\n`);
    });

  snapshot
    .command('status')
    .description('Whether a restore runs (RUNNING or NOT_RUNNING)')
    .action(async (_options: unknown, command: Command) => {
      const status = await (await context.client(command)).get<{ status: string; message: string }>('/v2/snapshot-status');
      output.out(context.json(command) ? renderJson(status) : `${status.status}: ${status.message}\n`);
    });
}
