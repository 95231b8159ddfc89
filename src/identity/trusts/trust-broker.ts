import { Inject, Injectable } from '@nestjs/common';
import type { KeystoneToken } from '../keystone/keystone-client';
import { ExecutionLookupRegistry } from './execution-lookup';
import { TRUST_CREDENTIALS, type TrustCredentials } from './trust-credentials';
import { TrustsRepository } from './trusts.repository';

/** Where a run's tokens come from: `token(true)` asks for a fresh one (the last was refused). */
export interface TrustSession {
  token(fresh?: boolean): Promise<KeystoneToken>;
}

/** An execution's trust-scoped session, or why it has none. */
export type ExecutionTrustSession = { session: TrustSession; error: null } | { session: null; error: string | null };

/**
 * Hands out the Keystone sessions an execution's actions act with (keystone mode): the trust of
 * the trigger that started the run, else the trust its root execution got from its caller.
 * Tokens are Keystone's errors (TrustUnavailable); the caller words them for its users.
 */
@Injectable()
export class TrustBroker {
  constructor(
    private readonly repository: TrustsRepository,
    private readonly executions: ExecutionLookupRegistry,
    @Inject(TRUST_CREDENTIALS) private readonly credentials: TrustCredentials,
  ) {}

  /** false in noauth mode: there are no trusts to act with. */
  get supportsTrusts(): boolean {
    return this.credentials.supportsTrusts;
  }

  /** The session of the execution's trust; `error` says why its root got no trust, if it said. */
  async sessionForExecution(executionId: string): Promise<ExecutionTrustSession> {
    const origin = await this.executions.get().originOf(executionId);
    if (!origin) return { session: null, error: null };
    const { trustId, error } = await this.repository.trustOfRun(origin.triggerId, origin.rootExecutionId);
    if (!trustId) return { session: null, error };
    return { session: { token: (fresh?: boolean) => this.credentials.tokenFor(trustId, fresh) }, error: null };
  }

  /** A token like the caller's (same user and project) that carries the service catalog. */
  exchangeToken(callerToken: string, projectId: string): Promise<KeystoneToken> {
    return this.credentials.exchangeToken(callerToken, projectId);
  }
}
