import { Inject, Injectable, Optional } from '@nestjs/common';
import { SIROCCO_CONFIG } from '../../config/config.module';
import type { SiroccoConfig } from '../../config/sirocco-config';
import { KeystoneClient, type KeystoneToken } from '../../identity/keystone/keystone-client';
import { ServiceSession } from '../../identity/keystone/service-session';
import { TrustBroker } from '../../identity/trusts/trust-broker';
import { SiroccoMetrics } from '../../metrics/sirocco-metrics';
import { ActionFailure } from '../action.types';
import { OpenStackClients } from './client/openstack-clients';
import type { EndpointInterface } from './client/service-catalog';
import type { TokenProvider } from './client/openstack-session';

/**
 * The OpenStack credentials an execution's actions act with. In noauth mode every run uses the
 * configured cloud (clouds.yaml or OS_* variables), with a token cached until near expiry. In
 * keystone mode a run acts as a user through a trust: a run started by a cron trigger through the
 * trigger's, a run started through the API through the one made from its caller's token
 * (TrustBroker, identity/trusts, finds it); sub-workflows use their root's. Trust-scoped tokens
 * are renewed when they near expiry, so long workflows keep working. An action run on its own uses its caller's token.
 */
@Injectable()
export class ExecutionCredentials {
  private readonly cloud: ServiceSession | null;

  constructor(
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
    private readonly metrics: SiroccoMetrics,
    @Optional() private readonly trusts?: TrustBroker,
  ) {
    const cloud = config.auth.mode === 'noauth' ? config.openstack : null;
    this.cloud = cloud ? new ServiceSession(new KeystoneClient(cloud.authUrl), cloud.credentials) : null;
  }

  /** Clients of the cloud's services for one execution; `region` overrides the configured one. */
  async clientsFor(workflowExecutionId: string | undefined, region?: string, caller?: { token: string; projectId: string }): Promise<OpenStackClients> {
    const tokens = await this.tokensFor(workflowExecutionId, caller);
    const cloud = this.config.auth.mode === 'noauth' ? this.config.openstack : null;
    const endpointInterface: EndpointInterface = cloud?.interface ?? 'public';
    return new OpenStackClients(tokens, { interface: endpointInterface, region: region || cloud?.region || undefined, onCall: (call) => this.metrics.openstackCall(call) });
  }

  /** Where the execution's tokens come from; throws ActionFailure saying why there is none. */
  async tokensFor(workflowExecutionId: string | undefined, caller?: { token: string; projectId: string }): Promise<TokenProvider> {
    if (this.config.auth.mode === 'noauth') {
      const cloud = this.cloud;
      if (!cloud) {
        throw new ActionFailure('no OpenStack credentials: set OS_CLOUD (a cloud of clouds.yaml) or the OS_* variables, then restart Sirocco');
      }
      return {
        token: async (fresh?: boolean): Promise<KeystoneToken> => {
          if (fresh) cloud.invalidate();
          try {
            return await cloud.token();
          } catch (error) {
            throw new ActionFailure(`logging in to the configured cloud (${this.config.openstack!.source}) failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        },
      };
    }
    const trusts = this.trusts;
    if (!trusts?.supportsTrusts) throw new ActionFailure('no OpenStack credentials');
    if (!workflowExecutionId) {
      if (!caller) throw new ActionFailure('no OpenStack credentials: the action runs outside any workflow execution');
      return this.callerTokens(trusts, caller);
    }
    const { session, error } = await trusts.sessionForExecution(workflowExecutionId);
    if (!session) {
      throw new ActionFailure(
        error
          ? `no OpenStack credentials: a Keystone trust could not be made from the caller's token when the execution started (${error})`
          : 'no OpenStack credentials: this execution holds no Keystone trust (its trust was released an hour after it ended, or it started without a token)',
      );
    }
    return {
      token: async (fresh?: boolean): Promise<KeystoneToken> => {
        try {
          return await session.token(fresh);
        } catch (error) {
          throw new ActionFailure(`the trigger's Keystone trust cannot be used: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    };
  }

  /**
   * An action run on its own acts with its caller's token: exchanged once (token method) for one
   * that carries the catalog; a refused one is not renewed (only its owner can do that).
   */
  private callerTokens(trusts: TrustBroker, caller: { token: string; projectId: string }): TokenProvider {
    let exchanged: Promise<KeystoneToken> | null = null;
    return {
      token: async (fresh?: boolean): Promise<KeystoneToken> => {
        if (fresh && exchanged) throw new ActionFailure("the caller's Keystone token was refused by the service");
        exchanged ??= trusts.exchangeToken(caller.token, caller.projectId);
        try {
          return await exchanged;
        } catch (error) {
          throw new ActionFailure(`the caller's Keystone token cannot be used: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    };
  }
}
