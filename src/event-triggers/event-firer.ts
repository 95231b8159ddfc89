import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { ExecutionStarter } from '../engine/start/execution-starter';
import type { StartBatch } from '../engine/start/start-batch';
import { TriggerTrusts } from '../identity/trusts/trigger-trusts.service';
import { TrustUnavailable } from '../identity/trusts/trust-credentials';
import type { EventTriggerEntity } from './event-trigger.entity';
import { eventTriggerMasker } from './event-trigger.mapper';
import { EventTriggerRepository } from './event-trigger.repository';
import { eventView, type OsloNotification } from './oslo-notification';
import { MaintenanceGate } from '../service-state/maintenance-gate';
import { SiroccoMetrics } from '../metrics/sirocco-metrics';

export function eventTriggerDescription(trigger: Pick<EventTriggerEntity, 'id' | 'name'>): string {
  return JSON.stringify({
    description: `Workflow execution created by event trigger '(${trigger.id})'.`,
    triggered_by: { type: 'event_trigger', id: trigger.id, name: trigger.name },
  });
}

/**
 * Starts the workflows a notification fires. Per trigger, one transaction records the delivery
 * (unique on trigger and message_id) and creates the execution: a notification the broker
 * delivers again, to this instance or another, finds its delivery and starts nothing. An error
 * (the database away) propagates: the caller gives the message back to the broker.
 */
@Injectable()
export class EventFirer {
  private readonly logger = new Logger(EventFirer.name);

  constructor(
    private readonly repository: EventTriggerRepository,
    private readonly starter: ExecutionStarter,
    private readonly trusts: TriggerTrusts,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
    private readonly maintenance: MaintenanceGate,
    private readonly metrics: SiroccoMetrics,
  ) {}

  /** The ids of the executions started (none for an event no trigger waits for, or one already handled). */
  async handle(exchange: string, topic: string, notification: OsloNotification): Promise<string[]> {
    // keystone mode: a project's triggers see its own notifications; public triggers see all (as Mistral)
    const project = this.config.auth.mode === 'keystone' ? (notification.projectId ?? '') : null;
    const triggers = await this.repository.matching(exchange, topic, notification.eventType, project);
    const started: string[] = [];
    for (const trigger of triggers) {
      const id = await this.fire(trigger, notification);
      if (id) started.push(id);
    }
    return started;
  }

  private async fire(trigger: EventTriggerEntity, notification: OsloNotification): Promise<string | null> {
    const executionId = randomUUID();
    const event = eventView(notification);
    let failure: string | null = null;
    const starts = await this.repository.transaction(async (manager): Promise<StartBatch | null> => {
      // maintenance mode turned on meanwhile: 503, the consumer gives the message back
      await this.maintenance.admitNewExecution(manager);
      // deleted meanwhile: nothing to start; FOR SHARE keeps it until this commits
      if (!(await this.repository.lockShared(manager, trigger.id))) return null;
      if (!(await this.repository.claimDelivery(manager, trigger.id, notification.messageId, executionId))) return null;
      const trustId = (await this.trusts.trustsOf(manager, [trigger.id])).get(trigger.id);
      if (trustId) failure = await this.trustProblem(trustId);
      const batch = this.starter.startBatch(manager, { oneByOne: true });
      const result = await batch.start({
        executionId,
        triggerId: trigger.id,
        workflowId: trigger.workflowId,
        workflowName: trigger.workflowName,
        projectId: trigger.projectId,
        userId: trigger.userId,
        input: trigger.workflowInput,
        params: { ...trigger.workflowParams, event_params: event },
        context: { __event: event },
        description: eventTriggerDescription(trigger),
        failure: failure ?? undefined,
      });
      failure = result.failure;
      return batch;
    });
    if (!starts) return null;
    starts.dispatch();
    this.metrics.eventTriggerFiring(trigger.workflowName, failure !== null);
    if (failure) {
      this.logger.warn(`event trigger ${trigger.id}: execution ${executionId} failed to start: ${eventTriggerMasker(trigger).text(failure)}`);
    } else {
      this.logger.log(`event trigger ${trigger.name} (${trigger.id}): ${notification.eventType} ${notification.messageId} started execution ${executionId}`);
    }
    return executionId;
  }

  private async trustProblem(trustId: string): Promise<string | null> {
    try {
      await this.trusts.verify(trustId);
      return null;
    } catch (error) {
      return `the trigger's Keystone trust cannot be used: ${error instanceof TrustUnavailable ? error.message : String(error)}`;
    }
  }
}
