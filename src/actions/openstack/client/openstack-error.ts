/** Which OpenStack service answered, as users know them. */
export type ServiceLabel = 'Nova' | 'Cinder' | 'Glance' | 'Keystone';

export interface OpenStackErrorDetails {
  service: ServiceLabel;
  /** what the client was doing, e.g. "GET /servers/detail" */
  operation: string;
  /** the service's own message, when its body had one */
  serviceMessage?: string;
  /** x-openstack-request-id, for the operator to find the request in the service's logs */
  requestId?: string;
  /** the service could not be reached at all (the status is then 503) */
  unreachable?: boolean;
  /** the parsed error body, kept as the action's error result */
  body?: unknown;
}

/**
 * An OpenStack service refused a request, or could not be reached. The message names the
 * service, the status and the service's own message, e.g.
 * `Nova: HTTP 409 on POST /servers/x/action: Cannot 'start' instance x while it is in vm_state active`.
 * It never holds a token: the client redacts the one it sent before building the error.
 */
export class OpenStackError extends Error {
  override readonly name = 'OpenStackError';
  readonly service: ServiceLabel;
  readonly operation: string;
  readonly serviceMessage?: string;
  readonly requestId?: string;
  readonly unreachable: boolean;
  readonly body?: unknown;

  constructor(
    readonly status: number,
    message: string,
    details: OpenStackErrorDetails,
  ) {
    super(message);
    this.service = details.service;
    this.operation = details.operation;
    this.serviceMessage = details.serviceMessage;
    this.requestId = details.requestId;
    this.unreachable = details.unreachable ?? false;
    this.body = details.body;
  }
}

function stripHtml(text: string): string {
  return text
    .replace(/<(script|style|title|head)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<\/h1>/gi, ': ')
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The human message inside an OpenStack error body. Nova and Cinder wrap it in one key named
 * after the fault (`{"itemNotFound": {"code": 404, "message": ...}}`); Glance answers
 * `{"message", "code", "title"}` (with HTML line breaks inside) or a whole HTML page; Keystone
 * `{"error": {"message"}}`; Neutron `{"NeutronError": {"message"}}`.
 */
export function serviceMessageOf(body: unknown, text: string): string | undefined {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    if (typeof record.message === 'string') return stripHtml(record.message) || undefined;
    for (const value of Object.values(record)) {
      if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
        return stripHtml((value as { message: string }).message) || undefined;
      }
    }
    if (typeof record.faultstring === 'string') return record.faultstring;
    return undefined;
  }
  // an HTML error page (Glance without Accept: application/json): "<h1>409 Conflict</h1> text"
  const plain = stripHtml(text).replace(/:$/, '');
  if (!plain) return undefined;
  return plain.length > 500 ? `${plain.slice(0, 500)}...` : plain;
}
