import { Logger } from '@nestjs/common';
import type { Notification, Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 5000;
const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * LISTENs on one pooled connection of its own, for any number of channels, and survives the
 * database: when the connection is lost (terminated, server restarted) it is dropped from the pool
 * and opened again with backoff, and every handler is called once after each reconnection, for the
 * notifications missed meanwhile.
 */
export class NotificationListener {
  private readonly logger = new Logger('Database');
  private readonly handlers = new Map<string, () => void>();
  private client?: PoolClient;
  /** the channels LISTENed on the current connection */
  private listening = new Set<string>();
  private connecting?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private retryMs = FIRST_RETRY_MS;
  private lost = false;
  private stopped = false;

  constructor(private readonly dataSource: DataSource) {}

  /** Calls `onNotify` on each NOTIFY of `channel` (and once after a reconnection). */
  async listen(channel: string, onNotify: () => void): Promise<void> {
    if (!CHANNEL_NAME.test(channel)) throw new Error(`not a channel name: ${channel}`);
    this.handlers.set(channel, onNotify);
    if (this.stopped) return;
    if (!this.client && !this.connecting && !this.retryTimer) this.connecting = this.connect().finally(() => (this.connecting = undefined));
    await this.connecting;
    await this.listenAll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.connecting?.catch(() => undefined);
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

  /** LISTEN on the current connection for every channel not listened to yet. */
  private async listenAll(): Promise<void> {
    const client = this.client;
    if (!client) return;
    for (const channel of this.handlers.keys()) {
      if (this.listening.has(channel)) continue;
      this.listening.add(channel);
      // a failure here means the connection is going: its error handler reconnects
      await client.query(`LISTEN ${channel}`).catch(() => this.listening.delete(channel));
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
      client.on('notification', (message: Notification) => this.handlers.get(message.channel)?.());
      this.client = client;
      this.listening = new Set();
      await this.listenAll();
      if (this.stopped || released) return;
      this.retryMs = FIRST_RETRY_MS;
      if (this.lost) {
        this.lost = false;
        this.logger.log(`LISTEN ${[...this.handlers.keys()].join(', ')} is back`);
        for (const onNotify of this.handlers.values()) onNotify();
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
