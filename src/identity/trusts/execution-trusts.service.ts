import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RequestContext } from '../request-context';
import { TRUST_CREDENTIALS, type TrustCredentials } from './trust-credentials';
import { TrustsRepository } from './trusts.repository';

/** What an execution started through the API acts with in keystone mode. */
export interface ExecutionTrust {
  trustId: string | null;
  /** why there is no trust (the caller's token could not create one) */
  error: string | null;
}

/** The part of a workflow spec that says whether its runs may call OpenStack (a WorkflowSpec fits). */
export interface TrustNeeds {
  name: string;
  tasks: Record<string, { kind: string; action?: string | null }>;
}

/** Action families that need OpenStack credentials. */
const OPENSTACK_ACTIONS = /^(nova|glance|cinder|keystone)\./;

/**
 * Keystone mode: an execution started through the API (`mistral execution-create`, a restore run
 * by hand) gets a Keystone trust from its caller, as a cron trigger does from its creator, so its
 * OpenStack actions act as the caller for as long as the run takes (a token would expire after
 * an hour). Only runs that may call OpenStack get one: a task with a nova/glance/cinder/keystone
 * action, or a sub-workflow. TrustSweeper deletes the trust an hour after the execution ended.
 */
@Injectable()
export class ExecutionTrusts {
  private readonly logger = new Logger(ExecutionTrusts.name);

  constructor(
    private readonly repository: TrustsRepository,
    @Inject(TRUST_CREDENTIALS) private readonly credentials: TrustCredentials,
  ) {}

  /** A trust for a new run of `spec` by the caller; null when the mode or the workflow needs none. */
  async createFor(spec: TrustNeeds, context: RequestContext): Promise<ExecutionTrust | null> {
    if (!this.credentials.supportsTrusts || !context.authToken) return null;
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
    await this.repository.insertExecutionTrust(manager, executionId, projectId, trust.trustId, trust.error);
  }

  /** Deletes a trust whose execution was not created after all. */
  async discard(trust: ExecutionTrust | null): Promise<void> {
    if (!trust?.trustId) return;
    await this.credentials.deleteTrust(trust.trustId).catch((error: unknown) => this.logger.warn(`deleting an unused trust failed: ${String(error)}`));
  }
}
