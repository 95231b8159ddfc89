import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EntityManager } from 'typeorm';
import { ActionCatalog } from '../../actions/action-catalog';
import { isStatementTimeout } from '../../common/database-unavailable';
import { SIROCCO_CONFIG } from '../../config/config.module';
import type { SiroccoConfig } from '../../config/sirocco-config';
import { DatabaseHealth } from '../../database/database-health';
import { DatabaseNotifications } from '../../database/database-notifications';
import { ExpressionEvaluator } from '../../expressions/expression-evaluator';
import { WorkflowsService } from '../../workflows/workflows.service';
import { MAX_TIMER_MS } from '../../common/long-timer';
import { SiroccoMetrics } from '../../metrics/sirocco-metrics';
import { ActionDispatcher } from './action-dispatcher';
import type { DelayedJobEntity } from '../delayed-job.entity';
import type { EngineEvent } from '../engine-events';
import { ExecutionsRepository } from '../executions.repository';
import type { RunLimits } from '../run/run-limits';
import { ExecutionRun } from '../run/execution-run';
import type { AfterCommit } from '../run/after-commit';
import type { ExecutionRunDeps } from '../run/run-parts';
import { SpecCache } from '../run/spec-cache';
import type { StartedRows } from '../run/started-rows';
import { RuntimeClaimsRepository } from './runtime-claims.repository';
import type { WorkflowExecutionEntity } from '../workflow-execution.entity';

interface QueuedEvent {
  event: EngineEvent;
  resolve: () => void;
  reject: (error: unknown) => void;
  /** failed applications while the database seemed to be there */
  attempts?: number;
}

/**
 * Events that only the engine holds (an action's result, a due job, a take-over): when the database
 * is away they wait for it and are applied then, never dropped. Requests' events fail instead (503).
 */
const KEPT_WHILE_DATABASE_AWAY = new Set<EngineEvent['kind']>(['job', 'action_finished', 'action_orphaned']);
/** After this many statement timeouts (the database answers, the work is too slow), the event fails the execution. */
const MAX_ATTEMPTS = 20;

/** Engine settings (defaults suit one instance; tests shorten the lease to see take-overs quickly). */
export type EngineSettings = SiroccoConfig['engine'];

/**
 * Runs workflow executions. Events for one execution are queued in memory and applied in batches,
 * one transaction per batch holding the execution's row lock (so several instances never apply
 * two transitions of one execution at once). Work that must survive a crash is in the database:
 * delayed jobs (claimed with SKIP LOCKED) and running actions (each with a lease this instance
 * renews; an expired lease is taken over by whichever instance sees it first).
 */
@Injectable()
export class WorkflowEngine implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkflowEngine.name);
  readonly instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly settings: EngineSettings;
  private readonly limits: RunLimits;
  private readonly queues = new Map<string, QueuedEvent[]>();
  private readonly draining = new Set<string>();
  private readonly dispatcher: ActionDispatcher;
  /** executions whose events wait for the database (logged once per outage) */
  private readonly keptLogged = new Set<string>();
  /** the specs of recent executions: each transition would read and parse its execution's spec again */
  private readonly specs = new SpecCache();
  private readonly stopSignal = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();
  private pollTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private stopping = false;
  private polling = false;

  constructor(
    private readonly notifications: DatabaseNotifications,
    private readonly evaluator: ExpressionEvaluator,
    private readonly actions: ActionCatalog,
    private readonly workflows: WorkflowsService,
    private readonly health: DatabaseHealth,
    private readonly executions: ExecutionsRepository,
    private readonly claims: RuntimeClaimsRepository,
    @Inject(SIROCCO_CONFIG) config: SiroccoConfig,
    private readonly metrics: SiroccoMetrics,
  ) {
    this.settings = config.engine;
    this.limits = { maxDurationSeconds: config.limits.durationSeconds, maxWithItems: config.limits.withItems };
    this.dispatcher = new ActionDispatcher(actions, this.settings.maxConcurrentActions, (action, outcome) => {
      const event: EngineEvent = outcome
        ? { kind: 'action_finished', actionExecutionId: action.id, outcome }
        : { kind: 'action_waiting', actionExecutionId: action.id };
      return this.submit(action.workflowExecutionId!, event).catch(() => undefined);
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // another instance created jobs for anyone: poll now rather than at the next tick
    await this.notifications.listen('sirocco_jobs', () => void this.poll());
    // back from an outage: look for due work and lapsed leases at once
    this.health.onAvailable(() => {
      void this.poll();
      void this.renewLeases();
    });
    this.pollTimer = setInterval(() => void this.poll(), this.settings.pollMilliseconds);
    this.heartbeatTimer = setInterval(() => void this.renewLeases(), Math.max(500, (this.settings.leaseSeconds * 1000) / 3));
    void this.poll();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.stopSignal.abort();
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.dispatcher.stop();
    // Let queued transitions finish; actions still running keep their lease, which lapses, and the
    // next instance (or this one restarted) takes them over.
    const deadline = Date.now() + 5000;
    while (this.draining.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Applies `event` to the execution; resolves once it is committed. */
  submit(executionId: string, event: EngineEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(executionId) ?? [];
      queue.push({ event, resolve, reject });
      this.queues.set(executionId, queue);
      if (!this.draining.has(executionId)) void this.drain(executionId);
    });
  }

  /**
   * Until when a job this instance claims stays its own. A job applied twice is harmless (the first
   * application deletes it under the execution lock), so the claim only needs to outlive a pause.
   */
  claimUntil(runAt: Date): Date {
    return new Date(runAt.getTime() + this.settings.leaseSeconds * 1000);
  }

  /**
   * Starts an execution inside the transaction that inserts it: the first transition (and, for
   * instant actions, everything up to the first real action or wait) commits with the create, which
   * spares a transaction and a scheduling round per execution. Hand the result to `dispatchAfterCommit`.
   */
  async startInTransaction(manager: EntityManager, execution: WorkflowExecutionEntity, started?: StartedRows): Promise<AfterCommit> {
    const run = ExecutionRun.forNew(manager, execution, this.runDeps());
    await run.start();
    await run.checkCompletion();
    await run.flush(started);
    return run.afterCommit;
  }

  /** Runs the actions and schedules the jobs a committed transaction produced. */
  dispatchAfterCommit(after: AfterCommit): void {
    this.dispatch(after);
  }

  /** Schedules jobs created by a transaction outside the engine (e.g. an execution's start). */
  afterCommit(jobs: DelayedJobEntity[]): void {
    this.dispatch({ actions: [], jobs, abort: [] });
  }

  private async drain(executionId: string): Promise<void> {
    this.draining.add(executionId);
    try {
      for (;;) {
        const batch = this.queues.get(executionId);
        if (!batch || batch.length === 0) break;
        this.queues.delete(executionId);
        const retry = await this.applyBatch(executionId, batch);
        if (retry.length === 0) {
          this.keptLogged.delete(executionId);
          continue;
        }
        // the database is away: keep these events first in line and try again once it answers
        this.queues.set(executionId, [...retry, ...(this.queues.get(executionId) ?? [])]);
        await this.health.waitUntilAvailable(this.stopSignal.signal);
        const attempts = Math.max(...retry.map((item) => item.attempts ?? 0));
        await sleep(Math.min(200 * 2 ** attempts, 5000), undefined, { signal: this.stopSignal.signal }).catch(() => undefined);
        if (this.stopping) break;
      }
    } finally {
      this.draining.delete(executionId);
      this.keptLogged.delete(executionId);
      // only when stopping can events be left: their work is in the database (jobs, leases) for the next start
      for (const item of this.queues.get(executionId) ?? []) item.reject(new Error('the service is stopping'));
      this.queues.delete(executionId);
    }
  }

  /** Applies a batch; returns the events to apply again once the database is back. */
  private async applyBatch(executionId: string, batch: QueuedEvent[]): Promise<QueuedEvent[]> {
    try {
      const after = await this.transact(executionId, batch.map((item) => item.event));
      this.dispatch(after);
      for (const item of batch) item.resolve();
      return [];
    } catch (error) {
      if (this.health.reportFailure(error) && !this.stopping) {
        const retry: QueuedEvent[] = [];
        let exhausted: QueuedEvent | undefined;
        for (const item of batch) {
          if (!KEPT_WHILE_DATABASE_AWAY.has(item.event.kind)) item.reject(error); // a request's: it answers 503
          else if ((item.attempts = (item.attempts ?? 0) + (isStatementTimeout(error) ? 1 : 0)) <= MAX_ATTEMPTS) retry.push(item);
          else exhausted = item;
        }
        if (!this.keptLogged.has(executionId)) {
          this.keptLogged.add(executionId);
          this.logger.warn(`execution ${executionId}: ${retry.length} event(s) kept until the database answers (${retry.map((item) => item.event.kind).join(', ')})`);
        }
        if (exhausted) {
          this.logger.error(`execution ${executionId}: ${exhausted.event.kind} failed ${MAX_ATTEMPTS} times: ${String(error)}`);
          await this.failVisibly(executionId, error).catch(() => undefined);
          exhausted.reject(error);
        }
        return retry;
      }
      if (batch.length > 1) {
        // one bad event must not sink the others: apply them one by one
        const retry: QueuedEvent[] = [];
        for (const item of batch) retry.push(...(await this.applyBatch(executionId, [item])));
        return retry;
      }
      this.logger.error(`execution ${executionId}: ${batch[0].event.kind} failed: ${error instanceof Error ? error.stack : error}`);
      await this.failVisibly(executionId, error).catch(() => undefined);
      batch[0].reject(error);
      return [];
    }
  }

  private async transact(executionId: string, events: EngineEvent[]): Promise<AfterCommit> {
    const deps = this.runDeps();
    return this.executions.transaction(async (manager) => {
      const run = await ExecutionRun.open(manager, executionId, deps);
      if (!run) return { actions: [], jobs: [], abort: [] };
      for (const event of events) await run.apply(event);
      await run.checkCompletion();
      await run.flush();
      return run.afterCommit;
    });
  }

  private runDeps(): ExecutionRunDeps {
    return {
      evaluator: this.evaluator,
      actions: this.actions,
      workflows: this.workflows,
      instanceId: this.instanceId,
      leaseSeconds: this.settings.leaseSeconds,
      maxInlineActions: this.settings.maxInlineActions,
      limits: this.limits,
      specs: this.specs,
    };
  }

  /** An engine fault (a bug or a lost database) ends the execution in ERROR instead of leaving it RUNNING. */
  private async failVisibly(executionId: string, error: unknown): Promise<void> {
    const workflow = await this.executions.failUnfinished(executionId, `Sirocco engine error: ${error instanceof Error ? error.message : String(error)}`);
    if (workflow !== null) this.metrics.recordRun({ started: [], finished: [{ workflow, state: 'ERROR' }], tasks: [], actions: [] });
  }

  private dispatch(after: AfterCommit): void {
    this.metrics.recordRun(after.observed);
    this.dispatcher.abort(after.abort);
    for (const job of after.jobs) this.scheduleJob(job);
    if (after.actions.length > 0) this.dispatcher.enqueue(after.actions);
  }

  private scheduleJob(job: DelayedJobEntity): void {
    const event: EngineEvent = { kind: 'job', jobId: String(job.id), jobKind: job.kind, payload: job.payload };
    const delay = job.runAt.getTime() - Date.now();
    if (delay <= 0) {
      void this.submit(job.workflowExecutionId, event).catch(() => undefined);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // a delay past Node's timer range is waited in steps
      if (job.runAt.getTime() > Date.now()) return this.scheduleJob(job);
      void this.submit(job.workflowExecutionId, event).catch(() => undefined);
    }, Math.min(delay, MAX_TIMER_MS));
    this.timers.add(timer);
  }

  // ---- crash safety: leases, due jobs, LISTEN/NOTIFY ---------------------------------------------

  private async renewLeases(): Promise<void> {
    if (this.stopping || !this.health.isAvailable) return;
    const ids = this.dispatcher.heldActionIds();
    if (ids.length === 0) return;
    await this.claims
      .renewLeases(ids, this.instanceId, this.settings.leaseSeconds)
      .catch((error: unknown) => {
        if (!this.health.reportFailure(error)) this.logger.warn(`renewing action leases failed: ${String(error)}`);
      });
  }

  /** Claims due jobs and expired action leases (other instances', or a previous life of this one). */
  private async poll(): Promise<void> {
    // while the database is away DatabaseHealth probes it; the next poll comes when it answers
    if (this.polling || this.stopping || !this.health.isAvailable) return;
    this.polling = true;
    try {
      const jobs = await this.claims.claimDueJobs(this.instanceId, this.settings.leaseSeconds);
      for (const job of jobs) {
        void this.submit(job.workflow_execution_id, { kind: 'job', jobId: String(job.id), jobKind: job.kind, payload: job.payload }).catch(
          () => undefined,
        );
      }
      const orphans = await this.claims.takeOverLapsedActions(this.instanceId, this.settings.leaseSeconds);
      // a lease of this instance's own that lapsed while the database was away: the UPDATE renewed it
      const local = orphans.length > 0 ? new Set(this.dispatcher.heldActionIds()) : new Set<string>();
      for (const orphan of orphans) {
        if (local.has(orphan.id)) continue;
        this.metrics.leasesTaken(1);
        if (!orphan.workflow_execution_id) {
          await this.claims.failOrphanedOneOff(orphan.id);
          continue;
        }
        void this.submit(orphan.workflow_execution_id, { kind: 'action_orphaned', actionExecutionId: orphan.id }).catch(() => undefined);
      }
    } catch (error) {
      if (!this.stopping && !this.health.reportFailure(error)) this.logger.warn(`engine poll failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.polling = false;
    }
  }
}
