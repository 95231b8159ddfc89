/**
 * The one HTTP client both systems are measured through: the Mistral v2 REST API as the mistral
 * CLI uses it (workflows as text/plain YAML, executions with their input as a JSON string).
 * Node's global fetch keeps connections alive, so neither system pays a TCP handshake per poll.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Execution {
  id: string;
  workflow_name?: string;
  state: string;
  state_info: string | null;
  /** JSON text, as the API returns it */
  output?: string;
}

/** An execution ended in ERROR/CANCELLED, or did not end in time: the bench must fail. */
export class ExecutionFailed extends Error {
  constructor(
    readonly system: string,
    readonly execution: Execution,
    reason: string,
  ) {
    super(`${system}: execution ${execution.id} (${execution.workflow_name ?? '?'}) ${reason}`);
  }
}

export interface PollOptions {
  /** time between two GETs of the same execution */
  pollMs: number;
  /** give up (and fail the bench) after this long */
  timeoutMs: number;
}

const TERMINAL = new Set(['SUCCESS', 'ERROR', 'CANCELLED']);

export class WorkflowApi {
  /** requests sent so far, by method: the poller's reads are subtracted from commit counts */
  readonly sent: Record<string, number> = {};

  /** @param baseUrl the API root including /v2, e.g. http://127.0.0.1:8989/v2 */
  constructor(
    readonly system: string,
    readonly baseUrl: string,
  ) {}

  private async request(method: string, path: string, body?: string, contentType = 'application/json') {
    this.sent[method] = (this.sent[method] ?? 0) + 1;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      // no Accept header with a YAML body: Mistral answers 406 to POST /v2/workflows with
      // `Accept: application/json` (the mistral CLI sends none there either)
      headers: body === undefined ? { Accept: 'application/json' } : contentType === 'text/plain' ? { 'Content-Type': contentType } : { Accept: 'application/json', 'Content-Type': contentType },
      body,
    });
    const text = await response.text();
    return { status: response.status, text };
  }

  /**
   * Registers (or, when the name exists already, as on a Mistral that ran the bench before,
   * updates) the workflows of one YAML file.
   */
  async registerWorkflows(yaml: string): Promise<'created' | 'updated'> {
    const created = await this.request('POST', '/workflows', yaml, 'text/plain');
    if (created.status === 201) return 'created';
    if (created.status === 409) {
      const updated = await this.request('PUT', '/workflows', yaml, 'text/plain');
      if (updated.status === 200) return 'updated';
      throw new Error(`${this.system}: PUT /v2/workflows answered ${updated.status}: ${updated.text.slice(0, 500)}`);
    }
    throw new Error(`${this.system}: POST /v2/workflows answered ${created.status}: ${created.text.slice(0, 500)}`);
  }

  async startExecution(workflowName: string, input: Record<string, unknown> = {}): Promise<string> {
    return (await this.createExecution(workflowName, input)).id;
  }

  /** POST /v2/executions; the execution as the answer shows it (Sirocco's may be SUCCESS already). */
  async createExecution(workflowName: string, input: Record<string, unknown> = {}): Promise<Execution> {
    const response = await this.request('POST', '/executions', JSON.stringify({ workflow_name: workflowName, input: JSON.stringify(input) }));
    if (response.status !== 201) {
      throw new Error(`${this.system}: POST /v2/executions (${workflowName}) answered ${response.status}: ${response.text.slice(0, 500)}`);
    }
    return JSON.parse(response.text) as Execution;
  }

  async getExecution(id: string): Promise<Execution> {
    const response = await this.request('GET', `/executions/${id}`);
    if (response.status !== 200) {
      throw new Error(`${this.system}: GET /v2/executions/${id} answered ${response.status}: ${response.text.slice(0, 500)}`);
    }
    return JSON.parse(response.text) as Execution;
  }

  /**
   * Polls one execution until it ends; resolves with it (and the time its SUCCESS was seen) or
   * throws ExecutionFailed on ERROR, CANCELLED or time-out.
   */
  async waitForSuccess(id: string, options: PollOptions, deadline = performance.now() + options.timeoutMs) {
    for (;;) {
      const execution = await this.getExecution(id);
      const seenAt = performance.now();
      if (execution.state === 'SUCCESS') return { execution, seenAt };
      if (TERMINAL.has(execution.state)) {
        throw new ExecutionFailed(this.system, execution, `ended in ${execution.state}: ${execution.state_info ?? '(no state_info)'}`);
      }
      if (seenAt > deadline) {
        throw new ExecutionFailed(this.system, execution, `still ${execution.state} after ${options.timeoutMs / 1000} s`);
      }
      await sleep(options.pollMs);
    }
  }

  /**
   * Waits until all executions succeeded, polling them one after the other rather than all at
   * once: only the time the LAST one is seen done matters, and one request in flight keeps the
   * poller from competing for the 2 cores with the engine it measures (20 pollers at 25 ms would
   * be 800 requests/s). Executions already done are confirmed by a single GET.
   */
  async waitForAllSuccess(ids: string[], options: PollOptions): Promise<number> {
    const deadline = performance.now() + options.timeoutMs;
    let lastSeen = 0;
    for (const id of ids) {
      const { seenAt } = await this.waitForSuccess(id, options, deadline);
      lastSeen = seenAt;
    }
    return lastSeen;
  }
}
