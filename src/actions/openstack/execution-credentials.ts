import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SIROCCO_CONFIG } from '../../config/config.module';
import type { SiroccoConfig } from '../../config/sirocco-config';
import { KeystoneClient, ServiceSession, type KeystoneToken } from '../../identity/keystone/keystone-client';
import { KeystoneTrusts } from '../../identity/keystone/keystone-trusts';
import { TRIGGER_CREDENTIALS, type TriggerCredentials } from '../../triggers/trigger-credentials';
import { ActionFailure } from '../action.types';
import { OpenStackClients } from './client/openstack-clients';
import type { EndpointInterface } from './client/service-catalog';
import type { TokenProvider } from './client/openstack-session';

/**
 * The OpenStack credentials an execution's actions act with. In keystone mode, a run started by a
 * cron trigger uses the trigger's trust (a trust-scoped token, renewed when it nears expiry, so long
 * workflows keep working); sub-workflows inherit their root's trigger. In noauth mode every run
 * uses the configured cloud (clouds.yaml or OS_* variables), with a token cached until near expiry.
 */
@Injectable()
export class ExecutionCredentials {
  private readonly cloud: ServiceSession | null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
    @Optional() @Inject(TRIGGER_CREDENTIALS) private readonly credentials?: TriggerCredentials,
  ) {
    const cloud = config.auth.mode === 'noauth' ? config.openstack : null;
    this.cloud = cloud ? new ServiceSession(new KeystoneClient(cloud.authUrl), cloud.credentials) : null;
  }

  /** Clients of the cloud's services for one execution; `region` overrides the configured one. */
  async clientsFor(workflowExecutionId: string | undefined, region?: string): Promise<OpenStackClients> {
    const tokens = await this.tokensFor(workflowExecutionId);
    const cloud = this.config.auth.mode === 'noauth' ? this.config.openstack : null;
    const endpointInterface: EndpointInterface = cloud?.interface ?? 'public';
    return new OpenStackClients(tokens, { interface: endpointInterface, region: region || cloud?.region || undefined });
  }

  /** Where the execution's tokens come from; throws ActionFailure saying why there is none. */
  async tokensFor(workflowExecutionId: string | undefined): Promise<TokenProvider> {
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
    const trusts = this.credentials;
    if (!(trusts instanceof KeystoneTrusts)) throw new ActionFailure('no OpenStack credentials');
    if (!workflowExecutionId) throw new ActionFailure('no OpenStack credentials: the action runs outside any workflow execution');
    const trustId = await this.trustOf(workflowExecutionId);
    if (!trustId) throw new ActionFailure('no OpenStack credentials: this execution was not started by a cron trigger holding a trust');
    return {
      token: async (fresh?: boolean): Promise<KeystoneToken> => {
        try {
          return await trusts.tokenFor(trustId, fresh);
        } catch (error) {
          throw new ActionFailure(`the trigger's Keystone trust cannot be used: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    };
  }

  private async trustOf(workflowExecutionId: string): Promise<string | null> {
    const rows: Array<{ trust_id: string | null }> = await this.dataSource.query(
      `SELECT tt.trust_id FROM workflow_executions e
         LEFT JOIN trigger_trusts tt ON tt.trigger_id = e.trigger_id
        WHERE e.id = $1`,
      [workflowExecutionId],
    );
    return rows[0]?.trust_id ?? null;
  }
}
