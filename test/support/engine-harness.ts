import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from '../../src/app.module';
import type { ListRequest } from '../../src/common/list-query';
import { loadConfig } from '../../src/config/sirocco-config';
import { ExecutionQueriesService } from '../../src/engine/api/execution-queries.service';
import { ExecutionsService } from '../../src/engine/executions.service';
import { NOAUTH_CONTEXT, type RequestContext } from '../../src/identity/request-context';
import { WorkflowsService } from '../../src/workflows/workflows.service';
import { NO_DEFINITIONS_DIR } from './test-app';
import { createTestDatabase } from './test-database';
import { waitFor } from './wait-for';

// What the services give back, named by their public methods (not by the entity classes, which may move).
export type Execution = Awaited<ReturnType<ExecutionQueriesService['getExecution']>>;
export type Task = Awaited<ReturnType<ExecutionQueriesService['getTask']>>;
export type ActionRun = Awaited<ReturnType<ExecutionQueriesService['getActionExecution']>>;

const FINISHED = ['SUCCESS', 'ERROR', 'CANCELLED'];

/** One column filter of a list request, oldest first (created_at, then id). */
function listBy(field: string, value: string): ListRequest {
  return { sortKeys: ['created_at', 'id'], sortDirs: ['asc', 'asc'], filters: [{ field, operator: 'eq', values: [value] }], query: {} };
}

/**
 * The engine without HTTP: the application's modules in a Nest application context (no listener)
 * on a fresh test database, driven through the services the controllers use. Only those services'
 * public methods are used, so the engine's insides can change without touching the specs.
 */
export class EngineHarness {
  private constructor(
    private readonly app: INestApplicationContext,
    private readonly dropDatabase: () => Promise<void>,
    readonly context: RequestContext,
  ) {}

  /** `env` adds or overrides environment variables as a user would set them. */
  static async start(env: Record<string, string> = {}): Promise<EngineHarness> {
    const database = await createTestDatabase();
    const config = loadConfig({
      SIROCCO_LOG_LEVEL: 'silent',
      SIROCCO_DEFINITIONS_DIR: NO_DEFINITIONS_DIR,
      // delayed work (wait-before, retry delays, sub-workflow ends) is looked for often
      SIROCCO_ENGINE_POLL_MS: '50',
      ...env,
    });
    try {
      const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, database.url), { bufferLogs: true });
      app.useLogger(app.get(Logger));
      return new EngineHarness(app, database.drop, NOAUTH_CONTEXT);
    } catch (error) {
      await database.drop();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.dropDatabase();
  }

  get workflows(): WorkflowsService {
    return this.app.get(WorkflowsService);
  }

  get executions(): ExecutionsService {
    return this.app.get(ExecutionsService);
  }

  get queries(): ExecutionQueriesService {
    return this.app.get(ExecutionQueriesService);
  }

  /** Creates the workflows of a YAML definition (private, default namespace). */
  async define(yaml: string): Promise<void> {
    await this.workflows.create(yaml, { scope: 'private', namespace: '' }, this.context);
  }

  /** Replaces workflows that exist already (a sub-workflow is looked up when its task runs). */
  async redefine(yaml: string): Promise<void> {
    await this.workflows.update(yaml, { scope: 'private', namespace: '' }, this.context);
  }

  /** Starts an execution; returns its id without waiting. */
  async start(workflowName: string, input: Record<string, unknown> = {}, params: Record<string, unknown> = {}): Promise<string> {
    const execution = await this.executions.createExecution({ workflowName, input, params, description: '' }, this.context);
    return execution.id;
  }

  /** Starts an execution and waits until it is finished (or in one of `states`). */
  async run(workflowName: string, input: Record<string, unknown> = {}, states: string[] = FINISHED): Promise<Execution> {
    return this.waitForState(await this.start(workflowName, input), states);
  }

  execution(id: string): Promise<Execution> {
    return this.queries.getExecution(id, this.context);
  }

  /** The tasks of an execution, oldest first. */
  tasks(executionId: string): Promise<Task[]> {
    return this.queries.listTasks(listBy('workflow_execution_id', executionId), { context: this.context, allProjects: false });
  }

  /** The one task of that name (fails when there are none or several). */
  async task(executionId: string, name: string): Promise<Task> {
    const found = (await this.tasks(executionId)).filter((task) => task.name === name);
    if (found.length !== 1) throw new Error(`expected one task '${name}' in ${executionId}, found ${found.length}`);
    return found[0];
  }

  /** `name:STATE` of every task, sorted: what ran and how it ended, whatever the order. */
  async taskStates(executionId: string): Promise<string[]> {
    return (await this.tasks(executionId)).map((task) => `${task.name}:${task.state}`).sort();
  }

  /** The action executions of a task, oldest first. */
  actions(taskId: string): Promise<ActionRun[]> {
    return this.queries.listActionExecutions(listBy('task_execution_id', taskId), { context: this.context, allProjects: false });
  }

  /** The sub-workflow executions a task started. */
  children(taskId: string): Promise<Execution[]> {
    return this.queries.listExecutions(listBy('task_execution_id', taskId), { context: this.context, allProjects: false }, true);
  }

  async waitForState(id: string, states: string[] = FINISHED, timeoutMs = 15_000): Promise<Execution> {
    return waitFor(
      `execution ${id} in ${states.join('/')}`,
      async () => {
        const execution = await this.execution(id);
        return states.includes(execution.state) ? execution : undefined;
      },
      { timeoutMs },
    );
  }

  /** Waits until `probe` holds (what a user would see). */
  waitFor(probe: () => Promise<boolean>, what = 'condition'): Promise<true> {
    return waitFor(what, probe);
  }

  /** Waits until the named task is in one of `states`. */
  async waitForTask(executionId: string, name: string, states: string[]): Promise<Task> {
    return waitFor(`task ${name} of ${executionId} in ${states.join('/')}`, async () => {
      const found = (await this.tasks(executionId)).find((task) => task.name === name && states.includes(task.state));
      return found ?? undefined;
    });
  }

  /** PUT /v2/executions/{id} without HTTP: PAUSED, RUNNING, CANCELLED, SUCCESS or ERROR. */
  setState(id: string, state: string, stateInfo?: string): Promise<Execution> {
    return this.executions.updateExecution(id, { state, stateInfo }, this.context);
  }

  /** PUT /v2/tasks/{id} without HTTP: `rerun` (state RUNNING, with reset) or `skip` (state SKIPPED). */
  command(taskId: string, command: { rerun: { reset: boolean } } | 'skip'): Promise<Task> {
    if (command === 'skip') return this.executions.skipTask(taskId, this.context);
    return this.executions.rerunTask(taskId, command.rerun.reset, this.context);
  }
}

/**
 * The engine of one describe block's tests (as useTestApp is the service's): started before them
 * with `definitions` created in order, closed after them. The harness may be taken at once; it
 * reaches the engine only while the tests run (it hands each use on to the started harness).
 */
export function useEngine(...definitions: string[]): EngineHarness {
  let started: EngineHarness | undefined;
  beforeAll(async () => {
    started = await EngineHarness.start();
    for (const yaml of definitions) await started.define(yaml);
  });
  afterAll(async () => {
    await started?.close();
    started = undefined;
  });
  return new Proxy({} as EngineHarness, {
    get(_target, property) {
      if (!started) throw new Error('useEngine: the engine runs only while the tests of its describe block run');
      const value: unknown = Reflect.get(started, property, started);
      return typeof value === 'function' ? value.bind(started) : value;
    },
  });
}
