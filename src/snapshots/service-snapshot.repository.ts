import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ServiceSnapshotEntity } from './service-snapshot.entity';

/** Held (transaction-level advisory lock) by the transaction that replaces the state: gone with it, even if its process dies. */
const RESTORE_LOCK = 1359003742;
/** A restore marked RUNNING but with no transaction holding the lock for this long died before or during it. */
const RESTORE_GRACE = `interval '1 minute'`;

// whole tables are read and written at once: not bounded by the pool's per-statement timeout
const LONG_STATEMENTS = `SET LOCAL statement_timeout = '30min'`;

/** What a finished snapshot (made or uploaded) holds besides its archive. */
export interface StoredArchive {
  status: 'CREATED' | 'UPLOADED';
  createdAt: Date;
  includeHistory: boolean;
  siroccoVersion: string;
  schemaVersion: string;
  counts: Record<string, number>;
  archive: Buffer;
}

/** The SQL of `service_snapshots`, and the transactions a snapshot is taken and restored in. */
@Injectable()
export class ServiceSnapshotRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get rows() {
    return this.dataSource.getRepository(ServiceSnapshotEntity);
  }

  /** One repeatable-read, read-only transaction: every table read in it sees the same instant. */
  consistentRead<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      await manager.query(LONG_STATEMENTS);
      return work(manager);
    });
  }

  /** The restore's one transaction (holding the restore lock). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(LONG_STATEMENTS);
      await manager.query(`SELECT pg_advisory_xact_lock(${RESTORE_LOCK})`);
      return work(manager);
    });
  }

  list(): Promise<ServiceSnapshotEntity[]> {
    return this.rows.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** The made snapshots of one origin, newest first (the action's rotation). */
  madeBy(origin: string): Promise<ServiceSnapshotEntity[]> {
    return this.rows.find({ where: { origin, status: 'CREATED' }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  find(id: string): Promise<ServiceSnapshotEntity | null> {
    return this.rows.findOne({ where: { id } });
  }

  /** Inserts a CREATING row; false when the id is taken. */
  async startCreating(id: string, includeHistory: boolean, origin: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO service_snapshots (id, status, include_history, origin) VALUES ($1, 'CREATING', $2, $3) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [id, includeHistory, origin],
    );
    return rows.length > 0;
  }

  /** Stores a made or uploaded archive; an upload replaces nothing (false when the id is taken). */
  async store(id: string, stored: StoredArchive, replaceCreating: boolean): Promise<boolean> {
    const values = [id, stored.status, stored.createdAt, stored.includeHistory, stored.siroccoVersion, stored.schemaVersion, JSON.stringify(stored.counts), stored.archive.length, stored.archive];
    if (replaceCreating) {
      const [, affected] = (await this.dataSource.query(
        `UPDATE service_snapshots SET status = $2, created_at = $3, include_history = $4, sirocco_version = $5, schema_version = $6,
                counts = $7::jsonb, archive_size = $8, archive = $9, error = NULL
          WHERE id = $1 AND status = 'CREATING'`,
        values,
      )) as [unknown, number];
      return affected > 0;
    }
    const rows: unknown[] = await this.dataSource.query(
          `INSERT INTO service_snapshots (id, status, created_at, include_history, sirocco_version, schema_version, counts, archive_size, archive, uploaded_at, origin)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, now(), 'upload') ON CONFLICT (id) DO NOTHING RETURNING id`,
          values,
        );
    return rows.length > 0;
  }

  async fail(id: string, error: string): Promise<void> {
    await this.dataSource.query(`UPDATE service_snapshots SET status = 'FAILED', error = $2 WHERE id = $1 AND status = 'CREATING'`, [id, error]);
  }

  async archive(id: string): Promise<Buffer | null> {
    const rows: Array<{ archive: Buffer | null }> = await this.dataSource.query(`SELECT archive FROM service_snapshots WHERE id = $1`, [id]);
    return rows[0]?.archive ?? null;
  }

  async delete(id: string): Promise<boolean> {
    const [, affected] = (await this.dataSource.query(`DELETE FROM service_snapshots WHERE id = $1`, [id])) as [unknown, number];
    return affected > 0;
  }

  /** Marks a restore as running; false when one already runs (any instance). */
  async startRestore(id: string): Promise<boolean> {
    await this.failDeadRestores();
    // an UPDATE answers [rows, affected]
    const [, affected] = (await this.dataSource.query(
      `UPDATE service_snapshots SET restore_status = 'RUNNING', restore_error = NULL, restore_started_at = now(), restore_finished_at = NULL
        WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM service_snapshots WHERE restore_status = 'RUNNING')`,
      [id],
    )) as [unknown, number];
    return affected > 0;
  }

  /** A restore whose instance stopped (no transaction holds the lock after the grace time) is FAILED, not RUNNING forever. */
  private async failDeadRestores(): Promise<void> {
    await this.dataSource.query(
      `UPDATE service_snapshots SET restore_status = 'FAILED', restore_finished_at = now(),
              restore_error = 'interrupted: the instance restoring it stopped; nothing was changed'
        WHERE restore_status = 'RUNNING' AND restore_started_at < now() - ${RESTORE_GRACE}
          AND NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = ${RESTORE_LOCK} AND objsubid = 1 AND granted)`,
    );
  }

  async finishRestore(id: string, error: string | null): Promise<void> {
    await this.dataSource.query(`UPDATE service_snapshots SET restore_status = $2, restore_error = $3, restore_finished_at = now() WHERE id = $1`, [
      id,
      error === null ? 'DONE' : 'FAILED',
      error,
    ]);
  }

  async restoreRunning(): Promise<boolean> {
    await this.failDeadRestores();
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM service_snapshots WHERE restore_status = 'RUNNING' LIMIT 1`);
    return rows.length > 0;
  }
}
