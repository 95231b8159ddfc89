import { Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { migrations } from '../database/migrations';
import type { SnapshotTables } from '../database/table-rows';
import { ArchiveCipher, sealRow } from './archive-secrets';
import { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, jsonLines, packArchive, type ArchiveManifest } from './snapshot-archive';
import { ServiceSnapshotRepository } from './service-snapshot.repository';
import { SnapshotTableOwners } from './snapshot-table-owners';

/** The schema this build has: the name of its latest migration (names end with their timestamp). */
export const SCHEMA_VERSION = migrations[migrations.length - 1].name;

/** Where a schema version sits in the migrations' order (its timestamp), or NaN. */
export function schemaOrder(version: string): number {
  const match = /(\d{13})$/.exec(version);
  return match ? Number(match[1]) : Number.NaN;
}

function readSiroccoVersion(): string {
  // src/snapshots or dist/snapshots: package.json is two folders up
  try {
    return (JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export const SIROCCO_VERSION = readSiroccoVersion();

/** The tables a snapshot holds, in the order a restore inserts them (the history only with include_history). */
export const STATE_TABLES = [
  'workflow_definitions',
  'workbooks',
  'adhoc_actions',
  'resource_members',
  'environments',
  'cron_triggers',
  'trigger_firings',
  'event_triggers',
  'trigger_trusts',
];
export const HISTORY_TABLES = ['workflow_specs', 'workflow_executions', 'task_executions', 'action_executions', 'event_trigger_deliveries'];

export interface MadeArchive {
  manifest: ArchiveManifest;
  archive: Buffer;
}

/**
 * Takes the state in one repeatable-read, read-only transaction, each feature's tables through its
 * own repository, and packs it with its secrets encrypted.
 */
@Injectable()
export class SnapshotExporter {
  constructor(
    private readonly snapshots: ServiceSnapshotRepository,
    private readonly owners: SnapshotTableOwners,
  ) {}

  async make(includeHistory: boolean, secretKey: string): Promise<MadeArchive> {
    const cipher = new ArchiveCipher(secretKey);
    const { createdAt, tables } = await this.snapshots.consistentRead(async (manager) => {
      const [{ now }] = (await manager.query('SELECT now() AS now')) as Array<{ now: Date }>;
      const read: SnapshotTables = {};
      for (const owner of [...this.owners.state, ...(includeHistory ? [this.owners.history] : [])]) {
        Object.assign(read, await owner.exportForSnapshot(manager));
      }
      return { createdAt: now, tables: read };
    });
    const members = new Map<string, Buffer>();
    const counts: Record<string, number> = {};
    for (const table of [...STATE_TABLES, ...(includeHistory ? HISTORY_TABLES : [])]) {
      const rows = tables[table] ?? [];
      counts[table] = rows.length;
      members.set(`${table}.jsonl`, jsonLines(rows.map((row) => sealRow(table, row, cipher))));
    }
    const manifest: Omit<ArchiveManifest, 'files'> = {
      format: ARCHIVE_FORMAT,
      format_version: ARCHIVE_FORMAT_VERSION,
      sirocco_version: SIROCCO_VERSION,
      schema_version: SCHEMA_VERSION,
      created_at: createdAt.toISOString(),
      include_history: includeHistory,
      encryption: { algorithm: 'AES-256-GCM', kdf: 'HKDF-SHA256', salt: cipher.salt.toString('base64'), key_check: cipher.keyCheck() },
      counts,
    };
    const archive = await packArchive(manifest, members);
    return { manifest: { ...manifest, files: {} }, archive };
  }
}
