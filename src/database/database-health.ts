import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { databaseUnavailableReason, isDatabaseUnavailable } from '../common/database-unavailable';
import { migrations } from './migrations';

const FIRST_PROBE_MS = 200;
const MAX_PROBE_MS = 2000;
/** A readiness check answers within this, whatever the database does. */
const READINESS_DEADLINE_MS = 2000;

export interface Readiness {
  ready: boolean;
  reason?: string;
}

/**
 * Whether the database is there. Background loops report their failures here; on a lost
 * connection they pause (they check `isAvailable`) while this probes the database with backoff,
 * and resume when it answers again (`waitUntilAvailable`, `onAvailable`).
 */
@Injectable()
export class DatabaseHealth implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private available = true;
  private probing = false;
  private stopping = false;
  private waiters: Array<() => void> = [];
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly dataSource: DataSource) {}

  get isAvailable(): boolean {
    return this.available;
  }

  /** Returns whether `error` means the database is away; if so, pauses the loops until it is back. */
  reportFailure(error: unknown): boolean {
    if (!isDatabaseUnavailable(error)) return false;
    if (this.available) {
      this.available = false;
      this.logger.warn(`the database is unavailable (${databaseUnavailableReason(error)}); background work pauses until it answers`);
    }
    void this.probe();
    return true;
  }

  /** Resolves once the database answers again (at once when it does), or when `signal` aborts. */
  waitUntilAvailable(signal?: AbortSignal): Promise<void> {
    if (this.available || this.stopping || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener('abort', done);
    });
  }

  /** `listener` runs each time the database answers again after an outage. */
  onAvailable(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Readiness: the database answers and every migration this build knows is applied. */
  async readiness(): Promise<Readiness> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<Readiness>((resolve) => {
      timer = setTimeout(() => resolve({ ready: false, reason: `The database is unavailable: no answer within ${READINESS_DEADLINE_MS} ms` }), READINESS_DEADLINE_MS);
    });
    try {
      return await Promise.race([this.checkReadiness(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  onApplicationShutdown(): void {
    this.stopping = true;
    for (const waiter of [...this.waiters]) waiter();
  }

  private async checkReadiness(): Promise<Readiness> {
    try {
      const rows: Array<{ name: string }> = await this.dataSource.query(`SELECT name FROM schema_migrations`);
      const applied = new Set(rows.map((row) => row.name));
      const pending = migrations.map((migration) => (new migration() as { name?: string }).name ?? migration.name).filter((name) => !applied.has(name));
      if (pending.length > 0) return { ready: false, reason: `Database migrations not applied: ${pending.join(', ')}` };
      if (!this.available) this.markAvailable();
      return { ready: true };
    } catch (error) {
      this.reportFailure(error);
      return { ready: false, reason: `The database is unavailable: ${databaseUnavailableReason(error)}` };
    }
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      for (let delay = FIRST_PROBE_MS; !this.stopping && !this.available; delay = Math.min(delay * 2, MAX_PROBE_MS)) {
        await sleep(delay, undefined, { ref: false });
        try {
          await this.dataSource.query('SELECT 1');
          this.markAvailable();
        } catch {
          // still away: try again a little later
        }
      }
    } finally {
      this.probing = false;
    }
  }

  private markAvailable(): void {
    if (this.available) return;
    this.available = true;
    this.logger.log('the database answers again; background work resumes');
    for (const waiter of [...this.waiters]) waiter();
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.logger.error(`resuming after the database came back failed: ${String(error)}`);
      }
    }
  }
}
