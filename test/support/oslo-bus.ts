import * as amqp from 'amqplib';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

/** The machine's RabbitMQ (guest may only use the default vhost: tests keep apart by exchange names). */
export const TEST_BROKER_URL = process.env.SIROCCO_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';

export interface NotificationOptions {
  eventType: string;
  payload?: unknown;
  messageId?: string;
  projectId?: string;
  userId?: string;
  priority?: string;
}

/**
 * An OpenStack service as the message bus sees it: publishes notifications the way
 * oslo.messaging's `messagingv2` notifier does (the oslo envelope, `_context_*` keys, routing key
 * `<topic>.<priority>` on a topic exchange), and looks at the broker's queues.
 */
export class OsloBus {
  private connection?: amqp.ChannelModel;
  private channel?: amqp.ConfirmChannel;

  constructor(private readonly url = TEST_BROKER_URL) {}

  async open(): Promise<this> {
    this.connection = await amqp.connect(this.url);
    this.channel = await this.connection.createConfirmChannel();
    return this;
  }

  async close(): Promise<void> {
    await this.connection?.close().catch(() => undefined);
  }

  /** Publishes one notification; resolves once the broker has it. Returns its message_id. */
  async notify(exchange: string, topic: string, options: NotificationOptions): Promise<string> {
    const messageId = options.messageId ?? randomUUID();
    const priority = (options.priority ?? 'info').toLowerCase();
    const message = {
      message_id: messageId,
      publisher_id: 'compute.test-host',
      event_type: options.eventType,
      priority: priority.toUpperCase(),
      payload: options.payload ?? {},
      timestamp: '2026-12-02 05:00:00.000000',
      _context_project_id: options.projectId ?? 'a-project',
      _context_user_id: options.userId ?? 'a-user',
      // a real notifier's context carries the caller's token: it must never reach a workflow
      _context_auth_token: 'gAAAAA-secret-token-of-the-caller',
      _unique_id: randomUUID().replace(/-/g, ''),
    };
    const body = Buffer.from(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) }));
    await this.channel!.assertExchange(exchange, 'topic', { durable: false });
    this.channel!.publish(exchange, `${topic}.${priority}`, body, { contentType: 'application/json', contentEncoding: 'utf-8' });
    await this.channel!.waitForConfirms();
    return messageId;
  }

  /** Publishes a body as it is (e.g. one no notifier would send). */
  async publishRaw(exchange: string, routingKey: string, body: Buffer): Promise<void> {
    await this.channel!.assertExchange(exchange, 'topic', { durable: false });
    this.channel!.publish(exchange, routingKey, body);
    await this.channel!.waitForConfirms();
  }

  /** The consumers reading a queue, or null when it does not exist. */
  async consumers(queue: string): Promise<number | null> {
    const probe = await this.connection!.createChannel();
    probe.on('error', () => undefined);
    try {
      const info = await probe.checkQueue(queue);
      await probe.close();
      return info.consumerCount;
    } catch {
      return null;
    }
  }

  async deleteQueuesAndExchange(queues: string[], exchange?: string): Promise<void> {
    for (const queue of queues) await this.channel!.deleteQueue(queue).catch(() => undefined);
    if (exchange) await this.channel!.deleteExchange(exchange).catch(() => undefined);
  }
}

/** Messages of a queue delivered to a consumer and not acknowledged yet (needs rabbitmqctl). */
export function unacknowledged(queue: string): number {
  const listing = execFileSync('rabbitmqctl', ['-q', 'list_queues', '--no-table-headers', 'name', 'messages_unacknowledged'], { encoding: 'utf8' });
  const row = listing.split('\n').map((line) => line.split('\t')).find(([name]) => name === queue);
  return row ? Number(row[1]) : 0;
}

/** Has the broker close the connections of that name, as a broker restart does (needs rabbitmqctl). */
export function closeBrokerConnections(connectionName: string): number {
  const listing = execFileSync('rabbitmqctl', ['-q', 'list_connections', '--no-table-headers', 'pid', 'client_properties'], { encoding: 'utf8' });
  let closed = 0;
  for (const line of listing.split('\n')) {
    const [pid, properties] = line.split('\t');
    if (!pid || !properties?.includes(`{"connection_name","${connectionName}"}`)) continue;
    execFileSync('rabbitmqctl', ['-q', 'close_connection', pid, 'closed by the test (as a broker restart would)']);
    closed += 1;
  }
  return closed;
}
