import type TestAgent from 'supertest/lib/agent';
import { waitFor } from './wait-for';

/** An execution as GET /v2/executions/{id} shows it, with its JSON-in-string fields parsed. */
export interface ExecutionView {
  id: string;
  state: string;
  state_info: string | null;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  params: Record<string, unknown>;
  task_execution_id: string | null;
  root_execution_id: string | null;
}

export interface TaskView {
  id: string;
  name: string;
  type: string;
  state: string;
  state_info: string | null;
  result: unknown;
  published: Record<string, unknown>;
  runtime_context: Record<string, unknown>;
}

export interface ActionExecutionView {
  id: string;
  name: string;
  state: string;
  state_info: string | null;
  input: Record<string, unknown>;
  output: unknown;
}

const TERMINAL = ['SUCCESS', 'ERROR', 'CANCELLED'];

function parseJsonField(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** A user of the executions API: what the mistral CLI does, over supertest. */
export class ExecutionsClient {
  private readonly agent: () => TestAgent;

  /** `http`: the agent, or a function giving it when a request is sent (see useTestApp). */
  constructor(http: TestAgent | (() => TestAgent)) {
    this.agent = typeof http === 'function' ? http : () => http;
  }

  private get http(): TestAgent {
    return this.agent();
  }

  async createWorkflow(yaml: string): Promise<void> {
    const response = await this.http.post('/v2/workflows').set('Content-Type', 'text/plain').send(yaml);
    if (response.status !== 201) throw new Error(`workflow create: ${response.status} ${JSON.stringify(response.body)}`);
  }

  async start(workflowName: string, input: Record<string, unknown> = {}, params: Record<string, unknown> = {}): Promise<string> {
    const response = await this.http.post('/v2/executions').send({ workflow_name: workflowName, input: JSON.stringify(input), params: JSON.stringify(params) });
    if (response.status !== 201) throw new Error(`execution create: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.id;
  }

  async get(id: string): Promise<ExecutionView> {
    const response = await this.http.get(`/v2/executions/${id}`);
    if (response.status !== 200) throw new Error(`execution get: ${response.status} ${JSON.stringify(response.body)}`);
    const body = response.body;
    return {
      ...body,
      input: parseJsonField(body.input) as Record<string, unknown>,
      output: parseJsonField(body.output) as Record<string, unknown>,
      params: parseJsonField(body.params) as Record<string, unknown>,
    };
  }

  /** Polls until the execution is in one of `states` (default: any terminal state). */
  async waitFor(id: string, states: string[] = TERMINAL, timeoutMs = 20000): Promise<ExecutionView> {
    let last = 'unseen';
    try {
      return await waitFor(`execution ${id} in ${states}`, async () => {
        const execution = await this.get(id);
        last = execution.state;
        return states.includes(execution.state) ? execution : undefined;
      }, { timeoutMs });
    } catch (error) {
      throw new Error(`execution ${id} still ${last} after ${timeoutMs} ms (wanted ${states}); ${(error as Error).message}`);
    }
  }

  async run(workflowName: string, input: Record<string, unknown> = {}, params: Record<string, unknown> = {}): Promise<ExecutionView> {
    return this.waitFor(await this.start(workflowName, input, params));
  }

  async tasks(executionId: string): Promise<TaskView[]> {
    const response = await this.http.get(`/v2/executions/${executionId}/tasks`);
    if (response.status !== 200) throw new Error(`tasks: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.tasks.map((task: Record<string, unknown>) => ({
      ...task,
      result: parseJsonField(task.result),
      published: parseJsonField(task.published),
      runtime_context: parseJsonField(task.runtime_context),
    }));
  }

  async task(executionId: string, name: string): Promise<TaskView> {
    const matching = (await this.tasks(executionId)).filter((task) => task.name === name);
    if (matching.length !== 1) throw new Error(`expected one task ${name}, found ${matching.length}`);
    return matching[0];
  }

  async actions(taskId: string): Promise<ActionExecutionView[]> {
    const response = await this.http.get(`/v2/tasks/${taskId}/action_executions`);
    if (response.status !== 200) throw new Error(`action executions: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.action_executions.map((action: Record<string, unknown>) => ({
      ...action,
      input: parseJsonField(action.input),
      output: parseJsonField(action.output),
    }));
  }

  async setState(id: string, state: string): Promise<ExecutionView> {
    const response = await this.http.put(`/v2/executions/${id}`).send({ state });
    if (response.status !== 200) throw new Error(`execution update: ${response.status} ${JSON.stringify(response.body)}`);
    return this.get(id);
  }
}
