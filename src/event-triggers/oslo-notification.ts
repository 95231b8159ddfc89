import { createHash } from 'node:crypto';

/** One OpenStack notification as oslo.messaging's notifier sends it, unpacked. */
export interface OsloNotification {
  /** the notifier's message_id (a UUID); a hash of the body when a sender gave none */
  messageId: string;
  eventType: string;
  payload: unknown;
  publisherId: string | null;
  priority: string | null;
  timestamp: string | null;
  /** from the request context the notifier packed in (`_context_project_id`, ...) */
  projectId: string | null;
  userId: string | null;
}

export class UnreadableNotification extends Error {}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/**
 * Reads a message body: JSON, either oslo's envelope (`messagingv2`: {"oslo.version": "2.0",
 * "oslo.message": "<JSON text>"}) or the bare message (`messaging`). The request context rides
 * along as `_context_*` keys; only the project and user are kept (it also holds the caller's token).
 */
export function parseOsloNotification(body: Buffer): OsloNotification {
  let message: Record<string, unknown> | null;
  try {
    message = asObject(JSON.parse(body.toString('utf8')));
    if (message && typeof message['oslo.message'] === 'string') message = asObject(JSON.parse(message['oslo.message']));
  } catch {
    throw new UnreadableNotification('the message is not JSON');
  }
  if (!message) throw new UnreadableNotification('the message is not a JSON object');
  const eventType = text(message.event_type);
  if (!eventType) throw new UnreadableNotification('the message has no event_type');
  return {
    messageId: text(message.message_id) ?? `sha256:${createHash('sha256').update(body).digest('hex')}`,
    eventType,
    payload: message.payload ?? null,
    publisherId: text(message.publisher_id),
    priority: text(message.priority),
    timestamp: text(message.timestamp),
    projectId: text(message._context_project_id) ?? text(message._context_tenant) ?? text(message._context_project),
    userId: text(message._context_user_id) ?? text(message._context_user),
  };
}

/**
 * What the workflow sees of the notification, in `$execution().params.event_params` (where
 * Mistral puts it; its default properties are service, project_id, user_id and timestamp) and in
 * `$.__event`. Sirocco adds the event type, ids, priority and the payload.
 */
export function eventView(notification: OsloNotification): Record<string, unknown> {
  return {
    event_type: notification.eventType,
    message_id: notification.messageId,
    publisher_id: notification.publisherId,
    priority: notification.priority,
    timestamp: notification.timestamp,
    service: notification.publisherId,
    project_id: notification.projectId,
    user_id: notification.userId,
    payload: notification.payload,
  };
}
