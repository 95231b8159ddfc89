import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotificationListener } from './notification-listener';

/**
 * The service's one LISTEN connection, shared by every feature that wants PostgreSQL's NOTIFY
 * (the engine's job queue, the ad-hoc action catalogs, the event-trigger consumers): one connection
 * per instance however many channels, reconnected by NotificationListener.
 */
@Injectable()
export class DatabaseNotifications implements BeforeApplicationShutdown {
  private readonly listener: NotificationListener;

  constructor(dataSource: DataSource) {
    this.listener = new NotificationListener(dataSource);
  }

  /** `onNotify` runs on each NOTIFY of `channel`, and once after the connection came back. */
  listen(channel: string, onNotify: () => void): Promise<void> {
    return this.listener.listen(channel, onNotify);
  }

  // before the database's own shutdown, which waits for the LISTEN connection to come back to the pool
  async beforeApplicationShutdown(): Promise<void> {
    await this.listener.stop();
  }
}
