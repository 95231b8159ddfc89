import { Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 5000;

/**
 * A LISTEN on its own pooled connection that survives the database: when the connection is lost
 * (terminated, server restarted) it is dropped from the pool and opened again with backoff, and
 * `onNotify` is called once after each reconnection, for the notifications missed meanwhile.
 */
export class NotificationListener {
  private readonly logger = new Logger('Database');
  private client?: PoolClient;
  private retryTimer?: NodeJS.Timeout;
  private retryMs = FIRST_RETRY_MS;
  private lost = false;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly channel: string,
    private readonly onNotify: () => void,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await client.query('UNLISTEN *').catch(() => undefined);
    try {
      client.release();
    } catch {
      // already released after an error
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    let client: PoolClient | undefined;
    let released = false;
    const drop = (error?: unknown) => {
      // after stop() the connection is the pool's again
      if (!client || released || this.stopped) return;
      released = true;
      if (this.client === client) this.client = undefined;
      try {
        // releasing with an error makes the pool discard the connection
        client.release(error instanceof Error ? error : new Error('the LISTEN connection ended'));
      } catch {
        // the pool had it back already
      }
      if (!this.stopped) {
        this.logger.warn(`the LISTEN connection was lost (${error instanceof Error ? error.message : 'ended'}); reconnecting`);
        this.lost = true;
        this.scheduleRetry();
      }
    };
    try {
      client = await pool.connect();
      client.on('error', drop);
      client.on('end', () => drop());
      client.on('notification', () => this.onNotify());
      await client.query(`LISTEN ${this.channel}`);
      if (this.stopped || released) return;
      this.client = client;
      this.retryMs = FIRST_RETRY_MS;
      if (this.lost) {
        this.lost = false;
        this.logger.log(`LISTEN ${this.channel} is back`);
        this.onNotify();
      }
    } catch (error) {
      if (client) {
        drop(error);
      } else if (!this.stopped) {
        if (!this.lost) this.logger.warn(`LISTEN failed (${error instanceof Error ? error.message : String(error)}); polling meanwhile, retrying`);
        this.lost = true;
        this.scheduleRetry();
      }
    }
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }
}
