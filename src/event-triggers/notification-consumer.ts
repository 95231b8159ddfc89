import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import * as amqp from 'amqplib';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { DatabaseNotifications } from '../database/database-notifications';
import { EventFirer } from './event-firer';
import { EVENT_TRIGGERS_CHANNEL, EventTriggerRepository, type ListenedTopic } from './event-trigger.repository';
import { parseOsloNotification, UnreadableNotification } from './oslo-notification';
import { MaintenanceGate } from '../service-state/maintenance-gate';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;
/** the priorities oslo.messaging's notifier publishes under: routing key `<topic>.<priority>` */
const PRIORITIES = ['audit', 'critical', 'debug', 'error', 'info', 'sample', 'warn'];
/** notifications handled at once by one instance; the rest wait in the queue */
const PREFETCH = 16;
const KEEP_DELIVERIES_DAYS = 7;

/** The broker's address without its credentials, for logs. */
function brokerName(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/**
 * Reads OpenStack notifications from the message bus (SIROCCO_NOTIFICATIONS_URL) as
 * oslo.messaging's notification listener does: for each (exchange, topic) a trigger listens on,
 * a queue bound to the topic exchange with the routing keys `<topic>.<priority>`. The queue,
 * `<pool>.<exchange>.<topic>`, is shared by every instance: the broker hands each message to one
 * of them. A message is acked once its executions are committed, and given back (requeued) when
 * the database is away; a lost broker is reconnected to with backoff. Every instance learns of
 * new and deleted triggers through a NOTIFY.
 */
@Injectable()
export class NotificationConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(NotificationConsumer.name);
  private readonly url?: string;
  private connection?: amqp.ChannelModel;
  private channel?: amqp.Channel;
  private connecting?: Promise<void>;
  /** queue name -> consumer tag, on the current channel */
  private readonly consumers = new Map<string, string>();
  private readonly inFlight = new Set<Promise<void>>();
  private retryMs = FIRST_RETRY_MS;
  private retryTimer?: NodeJS.Timeout;
  private syncTimer?: NodeJS.Timeout;
  private syncing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly firer: EventFirer,
    private readonly repository: EventTriggerRepository,
    private readonly notifications: DatabaseNotifications,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
    private readonly maintenance: MaintenanceGate,
  ) {
    this.url = config.notifications.url;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.url) return;
    await this.notifications.listen(EVENT_TRIGGERS_CHANNEL, () => this.requestSync());
    // the service starts whether or not the broker answers; the first trigger created waits for it
    this.connecting = this.connect();
  }

  /** Before the database closes: the messages being handled finish with it. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.syncTimer);
    await this.connecting?.catch(() => undefined);
    const channel = this.channel;
    // no new messages; those being handled finish (and are acked) before the connection goes
    for (const tag of this.consumers.values()) await channel?.cancel(tag).catch(() => undefined);
    this.consumers.clear();
    await Promise.allSettled([...this.inFlight]);
    this.channel = undefined;
    await this.connection?.close().catch(() => undefined);
    this.connection = undefined;
  }

  /** Makes sure the queue of (exchange, topic) exists and is read (after a trigger is created). */
  async listen(): Promise<void> {
    if (!this.url || this.stopped) return;
    await this.connecting?.catch(() => undefined);
    await this.requestSync();
  }

  @Interval('event-trigger-deliveries-prune', 3600_000)
  async prune(): Promise<void> {
    if (!this.url || this.stopped) return;
    await this.repository.pruneDeliveries(KEEP_DELIVERIES_DAYS).catch((error: unknown) => this.logger.warn(`pruning old deliveries failed: ${String(error)}`));
  }

  private async connect(): Promise<void> {
    if (this.stopped || !this.url) return;
    try {
      const connection = await amqp.connect(this.url, { timeout: 10_000, clientProperties: { connection_name: `sirocco notifications (${this.config.notifications.pool})` } });
      connection.on('error', (error: unknown) => this.logger.warn(`message bus connection error: ${String(error)}`));
      connection.on('close', () => this.lost(connection));
      const channel = await connection.createChannel();
      channel.on('error', (error: unknown) => this.logger.warn(`message bus channel error: ${String(error)}`));
      // a channel the broker closed (e.g. a refused declaration): start over on a new connection
      channel.on('close', () => {
        if (this.channel === channel) void connection.close().catch(() => undefined);
      });
      await channel.prefetch(PREFETCH);
      if (this.stopped) {
        await connection.close().catch(() => undefined);
        return;
      }
      this.connection = connection;
      this.channel = channel;
      this.consumers.clear();
      this.retryMs = FIRST_RETRY_MS;
      this.logger.log(`consuming notifications from ${brokerName(this.url)}`);
      await this.requestSync();
    } catch (error) {
      this.logger.warn(`cannot reach the message bus ${brokerName(this.url)} (${error instanceof Error ? error.message : String(error)}); retrying`);
      this.scheduleReconnect();
    }
  }

  private lost(connection: amqp.ChannelModel): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.channel = undefined;
    this.consumers.clear();
    if (this.stopped) return;
    this.logger.warn('the message bus connection was lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connecting = this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  /** Consumes the queues of the pairs triggers listen on, and no others; one sync at a time. */
  private requestSync(): Promise<void> {
    this.syncing = this.syncing.then(() =>
      this.sync().catch((error: unknown) => {
        this.logger.warn(`updating the notification queues failed: ${String(error)}`);
        this.scheduleSync();
      }),
    );
    return this.syncing;
  }

  private async sync(): Promise<void> {
    const channel = this.channel;
    if (this.stopped || !channel || !this.connection) return;
    let topics: ListenedTopic[];
    try {
      topics = await this.repository.listenedTopics();
    } catch (error) {
      this.logger.warn(`reading the event triggers failed (${String(error)}); trying again shortly`);
      this.scheduleSync();
      return;
    }
    try {
      const wanted = new Map(topics.map((pair) => [this.queueName(pair), pair]));
      for (const [queue, pair] of wanted) {
        if (!this.consumers.has(queue)) await this.consume(channel, queue, pair);
      }
      for (const [queue, tag] of [...this.consumers]) {
        if (wanted.has(queue)) continue;
        await channel.cancel(tag);
        this.consumers.delete(queue);
        // no trigger listens there any more: a queue left bound would fill up with every notification
        await channel.deleteQueue(queue);
        this.logger.log(`no trigger listens on queue ${queue} any more: deleted it`);
      }
    } catch (error) {
      // the channel is gone (the connection's close handler reconnects) or a declaration was refused
      this.logger.warn(`setting up the notification queues failed: ${String(error)}`);
      if (this.channel === channel) void this.connection?.close().catch(() => undefined);
    }
  }

  private scheduleSync(): void {
    if (this.stopped || this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      void this.requestSync();
    }, 2000);
    this.syncTimer.unref();
  }

  private queueName(pair: ListenedTopic): string {
    return `${this.config.notifications.pool}.${pair.exchange}.${pair.topic}`;
  }

  private async consume(channel: amqp.Channel, queue: string, pair: ListenedTopic): Promise<void> {
    await this.declareExchange(pair.exchange);
    await channel.assertQueue(queue, { durable: true });
    for (const priority of PRIORITIES) await channel.bindQueue(queue, pair.exchange, `${pair.topic}.${priority}`);
    // one message at a time per queue, in the queue's order (the prefetched ones wait their turn)
    let turn = Promise.resolve();
    const { consumerTag } = await channel.consume(
      queue,
      (message) => {
        turn = turn.then(() => this.receive(channel, queue, pair, message)).catch((error: unknown) => this.logger.error(`handling a notification failed: ${String(error)}`));
        this.track(turn);
      },
      { noAck: false },
    );
    this.consumers.set(queue, consumerTag);
    this.logger.log(`listening for notifications on exchange ${pair.exchange}, topic ${pair.topic} (queue ${queue})`);
  }

  /**
   * The exchange as the OpenStack services declare it (oslo.messaging: a topic exchange, not
   * durable by default); one that exists already is used as it is, whatever its flags.
   */
  private async declareExchange(exchange: string): Promise<void> {
    const probe = await this.connection!.createChannel();
    probe.on('error', () => undefined);
    try {
      await probe.checkExchange(exchange);
      await probe.close();
      return;
    } catch {
      // 404: the broker closed the probe channel
    }
    await this.channel!.assertExchange(exchange, 'topic', { durable: false });
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async receive(channel: amqp.Channel, queue: string, pair: ListenedTopic, message: amqp.ConsumeMessage | null): Promise<void> {
    if (!message) {
      // the broker cancelled the consumer (the queue was deleted): declare it again
      this.consumers.delete(queue);
      this.scheduleSync();
      return;
    }
    let notification;
    try {
      notification = parseOsloNotification(message.content);
    } catch (error) {
      this.logger.warn(`dropping an unreadable message on ${queue}: ${error instanceof UnreadableNotification ? error.message : String(error)}`);
      this.settle(() => channel.ack(message));
      return;
    }
    try {
      // maintenance mode: the notification waits (unacked, in the queue's order) until it ends
      await this.maintenanceOver();
      await this.firer.handle(pair.exchange, pair.topic, notification);
      this.settle(() => channel.ack(message));
    } catch (error) {
      // not lost: the broker delivers it again (to this or another instance) after a pause
      this.logger.warn(`handling notification ${notification.messageId} (${notification.eventType}) failed, giving it back: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000).unref());
      this.settle(() => channel.nack(message, false, true));
    }
  }

  private async maintenanceOver(): Promise<void> {
    while (!this.stopped && (await this.maintenance.status()) !== 'deactivated') {
      await new Promise((resolve) => setTimeout(resolve, 1000).unref());
    }
  }

  /** Acks or nacks; on a channel that closed meanwhile the broker redelivers the message anyway. */
  private settle(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.logger.debug(`could not settle a message (the channel closed): ${String(error)}`);
    }
  }
}
