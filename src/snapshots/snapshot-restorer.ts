import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import type { SnapshotTables, TableRow } from '../database/table-rows';
import { RestoredSchedules } from '../triggers/restored-schedules';
import type { FiringFailure } from '../triggers/trigger-firing.record';
import { ArchiveCipher, openSecrets, WrongSecretKeyError } from './archive-secrets';
import { ArchiveError, parseJsonLines, unpackArchive, type ArchiveManifest } from './snapshot-archive';
import { HISTORY_TABLES, SCHEMA_VERSION, schemaOrder, STATE_TABLES } from './snapshot-exporter';
import { ServiceSnapshotRepository } from './service-snapshot.repository';
import { SnapshotTableOwners } from './snapshot-table-owners';

export const INTERRUPTED_BY_RESTORE = 'interrupted by restore';

/** An archive read, checked and decrypted: ready to replace the state. */
export interface OpenedArchive {
  manifest: ArchiveManifest;
  tables: SnapshotTables;
}

export function missingKeyMessage(what: string): string {
  return `SIROCCO_SECRET_KEY is not set: Sirocco cannot ${what} (the archive's secrets, trust ids and environment values, are encrypted with it)`;
}

/** Reads an archive for a restore, and replaces the whole state with it in one transaction. */
@Injectable()
export class SnapshotRestorer {
  constructor(
    private readonly snapshots: ServiceSnapshotRepository,
    private readonly owners: SnapshotTableOwners,
    private readonly schedules: RestoredSchedules,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  /** The manifest, with the members checked against their checksums (an upload is checked so). */
  async inspect(archive: Buffer): Promise<ArchiveManifest> {
    return (await this.unpack(archive)).manifest;
  }

  /** Everything that may refuse an archive, before anything changes: 400 with the reason. */
  async open(archive: Buffer): Promise<OpenedArchive> {
    const secretKey = this.config.snapshots.secretKey;
    if (!secretKey) throw ApiError.conflict(missingKeyMessage('restore a snapshot'));
    const { manifest, members } = await this.unpack(archive);
    const archived = schemaOrder(String(manifest.schema_version));
    if (Number.isNaN(archived)) throw ApiError.badRequest(`the archive's schema version ${JSON.stringify(manifest.schema_version)} is not one Sirocco knows`);
    if (archived > schemaOrder(SCHEMA_VERSION)) {
      throw ApiError.badRequest(
        `the archive's schema version ${manifest.schema_version} is newer than this Sirocco's (${SCHEMA_VERSION}): upgrade Sirocco (at least to version ${manifest.sirocco_version}) before restoring it`,
      );
    }
    const cipher = new ArchiveCipher(secretKey, Buffer.from(String(manifest.encryption?.salt ?? ''), 'base64'));
    const tables: SnapshotTables = {};
    try {
      cipher.verifyKeyCheck(String(manifest.encryption?.key_check ?? ''));
      for (const table of [...STATE_TABLES, ...HISTORY_TABLES]) {
        const data = members.get(`${table}.jsonl`);
        if (data) tables[table] = parseJsonLines(`${table}.jsonl`, data).map((row) => openSecrets(row, cipher) as TableRow);
      }
    } catch (error) {
      if (error instanceof WrongSecretKeyError) throw ApiError.badRequest(error.message);
      if (error instanceof ArchiveError) throw ApiError.badRequest(`The snapshot archive is refused: ${error.message}`);
      throw ApiError.badRequest(`The snapshot archive is refused: ${(error as Error).message}`);
    }
    return { manifest, tables };
  }

  /**
   * Replaces workflows, environments, triggers (their trusts and firings) and the history with the
   * archive's, in one transaction; what was running ends ERROR; overdue slots are recorded FAILED.
   * Returns the overdue slots, to report once committed.
   */
  replace(opened: OpenedArchive): Promise<FiringFailure[]> {
    return this.snapshots.transaction(async (manager) => {
      const { state, history, trusts } = this.owners;
      // what no archive holds goes too: pending jobs and the trusts of API-started executions
      await history.clearDelayedJobs(manager);
      await trusts.clearExecutionTrusts(manager);
      for (const owner of [history, ...[...state].reverse()]) await owner.clearForRestore(manager);
      for (const owner of [...state, history]) await owner.importFromSnapshot(manager, opened.tables);
      await history.interruptUnfinished(manager, INTERRUPTED_BY_RESTORE);
      return this.schedules.markOverdue(manager, new Date());
    });
  }

  report(failures: FiringFailure[]): Promise<void> {
    return this.schedules.report(failures);
  }

  private async unpack(archive: Buffer) {
    try {
      return await unpackArchive(archive, this.config.snapshots.maxArchiveBytes * 16);
    } catch (error) {
      if (error instanceof ArchiveError) throw ApiError.badRequest(`The snapshot archive is refused: ${error.message}`);
      throw error;
    }
  }
}
