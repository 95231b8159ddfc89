import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { DataSource, type EntityManager } from 'typeorm';
import type { RequestContext } from '../identity/request-context';
import { NoTrustCredentials, TRIGGER_CREDENTIALS, type TriggerCredentials } from '../triggers/trigger-credentials';
import type { WorkflowSpec } from '../workflows/language';

/** What an execution started through the API acts with in keystone mode. */
export interface ExecutionTrust {
  trustId: string | null;
  /** why there is no trust (the caller's token could not create one) */
  error: string | null;
}

/** Action families that need OpenStack credentials. */
const OPENSTACK_ACTIONS = /^(nova|glance|cinder|keystone)\./;

/** How long a finished execution keeps its trust, so a failed task can still be re-run. */
const KEEP_AFTER_END = '1 hour';

/**
 * Keystone mode: an execution started through the API (`mistral execution-create`, a restore run
 * by hand) gets a Keystone trust from its caller, as a cron trigger does from its creator, so its
 * OpenStack actions act as the caller for as long as the run takes (a token would expire after
 * an hour). Only runs that may call OpenStack get one: a task with a nova/glance/cinder/keystone
 * action, or a sub-workflow. The trust is deleted an hour after the execution ended.
 */
@Injectable()
export class ExecutionTrusts implements OnApplicationShutdown {
  private readonly logger = new Logger(ExecutionTrusts.name);
  private sweeping = false;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(TRIGGER_CREDENTIALS) private readonly credentials: TriggerCredentials,
  ) {}

  onApplicationShutdown(): void {
    this.stopping = true;
  }

  /** A trust for a new run of `spec` by the caller; null when the mode or the workflow needs none. */
  async createFor(spec: WorkflowSpec, context: RequestContext): Promise<ExecutionTrust | null> {
    if (this.credentials instanceof NoTrustCredentials || !context.authToken) return null;
    if (!Object.values(spec.tasks).some((task) => task.kind === 'workflow' || OPENSTACK_ACTIONS.test(task.action ?? ''))) return null;
    try {
      const trustId = await this.credentials.createTrust(context);
      return trustId ? { trustId, error: null } : null;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(`a Keystone trust for a new execution of ${spec.name} could not be created: ${reason}`);
      return { trustId: null, error: reason };
    }
  }

  /** Stores the execution's trust, in the transaction that creates the execution. */
  async record(manager: EntityManager, executionId: string, projectId: string, trust: ExecutionTrust): Promise<void> {
    await manager.query(`INSERT INTO execution_trusts (execution_id, trust_id, error, project_id) VALUES ($1, $2, $3, $4)`, [
      executionId,
      trust.trustId,
      trust.error,
      projectId,
    ]);
  }

  /** Deletes a trust whose execution was not created after all. */
  async discard(trust: ExecutionTrust | null): Promise<void> {
    if (!trust?.trustId) return;
    await this.credentials.deleteTrust(trust.trustId).catch((error: unknown) => this.logger.warn(`deleting an unused trust failed: ${String(error)}`));
  }

  /** Deletes the trusts of executions that ended more than an hour ago, or were deleted. */
  @Interval('execution-trust-sweep', 60_000)
  async sweep(): Promise<void> {
    if (this.sweeping || this.stopping || this.credentials instanceof NoTrustCredentials) return;
    this.sweeping = true;
    try {
      const rows: Array<{ execution_id: string; trust_id: string | null }> = await this.dataSource.query(
        `SELECT t.execution_id, t.trust_id FROM execution_trusts t
           LEFT JOIN workflow_executions e ON e.id = t.execution_id
          WHERE e.id IS NULL
             OR (e.state IN ('SUCCESS', 'ERROR', 'CANCELLED') AND COALESCE(e.updated_at, e.created_at) < now() - interval '${KEEP_AFTER_END}')
          LIMIT 100`,
      );
      for (const row of rows) {
        try {
          if (row.trust_id) await this.credentials.deleteTrust(row.trust_id);
          await this.dataSource.query(`DELETE FROM execution_trusts WHERE execution_id = $1`, [row.execution_id]);
        } catch (error) {
          this.logger.warn(`deleting the trust of finished execution ${row.execution_id} failed, will retry: ${String(error)}`);
        }
      }
    } catch (error) {
      if (!this.stopping) this.logger.warn(`sweeping the trusts of finished executions failed: ${String(error)}`);
    } finally {
      this.sweeping = false;
    }
  }
}
