import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeystoneToken } from '../../identity/keystone/keystone-client';
import { KeystoneTrusts } from '../../identity/keystone/keystone-trusts';
import { TRIGGER_CREDENTIALS, type TriggerCredentials } from '../../triggers/trigger-credentials';
import { ActionFailure } from '../action.types';

/**
 * The OpenStack token an execution's actions act with. A run started by a cron trigger uses the
 * trigger's trust (a trust-scoped token, renewed when it nears expiry, so long workflows keep
 * working); sub-workflows inherit their root's trigger.
 */
@Injectable()
export class ExecutionCredentials {
  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(TRIGGER_CREDENTIALS) private readonly credentials?: TriggerCredentials,
  ) {}

  async tokenFor(workflowExecutionId: string | undefined): Promise<KeystoneToken> {
    if (!(this.credentials instanceof KeystoneTrusts)) {
      throw new ActionFailure('no OpenStack credentials: Sirocco runs without Keystone (SIROCCO_AUTH=noauth)');
    }
    if (!workflowExecutionId) throw new ActionFailure('no OpenStack credentials: the action runs outside any workflow execution');
    const rows: Array<{ trust_id: string | null }> = await this.dataSource.query(
      `SELECT tt.trust_id FROM workflow_executions e
         LEFT JOIN trigger_trusts tt ON tt.trigger_id = e.trigger_id
        WHERE e.id = $1`,
      [workflowExecutionId],
    );
    const trustId = rows[0]?.trust_id;
    if (!trustId) throw new ActionFailure('no OpenStack credentials: this execution was not started by a cron trigger holding a trust');
    try {
      return await this.credentials.tokenFor(trustId);
    } catch (error) {
      throw new ActionFailure(`the trigger's Keystone trust cannot be used: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
