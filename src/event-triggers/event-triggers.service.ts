import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/api-error';
import type { ListRequest } from '../common/list-query';
import { keepMaskedSecrets } from '../common/secret-mask';
import { isUuid } from '../common/uuid';
import { InvalidWorkflowInput, resolveWorkflowInput } from '../engine/run/workflow-input';
import type { ExecutionParams } from '../engine/workflow-execution.entity';
import type { RequestContext } from '../identity/request-context';
import { TriggerTrusts } from '../identity/trusts/trigger-trusts.service';
import { TrustUnavailable } from '../identity/trusts/trust-credentials';
import { WorkflowUsageRegistry } from '../workflows/workflow-usage.registry';
import { WorkflowsService } from '../workflows/workflows.service';
import type { CreateEventTriggerRequest, UpdateEventTriggerRequest } from './event-trigger-request.parser';
import { EventTriggerEntity } from './event-trigger.entity';
import { EventTriggerRepository } from './event-trigger.repository';
import { NotificationConsumer } from './notification-consumer';

const notFound = (id: string) => ApiError.notFound(`Event trigger not found [id=${id}].`);

/** Event triggers as the API manages them; the notifications are NotificationConsumer's and EventFirer's. */
@Injectable()
export class EventTriggersService implements OnModuleInit {
  private readonly logger = new Logger(EventTriggersService.name);

  constructor(
    private readonly triggers: EventTriggerRepository,
    private readonly workflows: WorkflowsService,
    private readonly usage: WorkflowUsageRegistry,
    private readonly trusts: TriggerTrusts,
    private readonly consumer: NotificationConsumer,
  ) {}

  onModuleInit(): void {
    this.usage.register(async (workflow, identifier) => {
      const ids = await this.triggers.idsUsingWorkflow(workflow.id);
      if (ids.length === 0) return null;
      return (
        "Can't delete workflow that has event triggers associated. " +
        `[workflow_identifier=${identifier}, namespace=${workflow.namespace}], [event_trigger_id(s)=${ids.join(', ')}]`
      );
    });
  }

  async create(request: CreateEventTriggerRequest, context: RequestContext): Promise<EventTriggerEntity> {
    this.checkPublicize(request.scope, context);
    const workflow = await this.workflows.get(request.workflowId, '', context);
    this.checkInput(workflow.spec, request.workflowInput);
    const now = new Date();
    const trigger: EventTriggerEntity = Object.assign(new EventTriggerEntity(), {
      id: randomUUID(),
      name: request.name,
      projectId: context.projectId,
      userId: context.userId,
      scope: request.scope,
      workflowId: workflow.id,
      workflowName: workflow.name,
      workflowInput: request.workflowInput,
      workflowParams: request.workflowParams,
      exchange: request.exchange,
      topic: request.topic,
      event: request.event,
      createdAt: now,
      updatedAt: null,
    });
    let trustId: string | null;
    try {
      trustId = await this.trusts.create(context);
    } catch (error) {
      throw ApiError.badRequest(`Could not create a Keystone trust for the trigger: ${error instanceof TrustUnavailable ? error.message : String(error)}`);
    }
    try {
      await this.triggers.transaction(async (manager) => {
        await this.triggers.insert(manager, trigger);
        if (trustId) await this.trusts.record(manager, trigger.id, trustId, trigger.projectId);
      });
    } catch (error) {
      if (trustId) await this.trusts.discard(trustId).catch(() => undefined);
      if ((error as { code?: string }).code === '23505') {
        throw ApiError.conflict(
          "Duplicate entry for EventTrigger ['exchange', 'topic', 'event', 'workflow_id', 'project_id']: " +
            `${trigger.exchange}, ${trigger.topic}, ${trigger.event}, ${trigger.workflowId}, ${trigger.projectId}`,
        );
      }
      throw error;
    }
    // the queue exists once the answer is sent: notifications from now on are kept for the workflow
    await this.consumer.listen();
    this.logger.log(`created event trigger ${trigger.name} (${trigger.id}): ${trigger.exchange}/${trigger.topic} ${trigger.event} -> ${trigger.workflowName}`);
    return trigger;
  }

  list(request: ListRequest, context: RequestContext, allProjects: boolean): Promise<EventTriggerEntity[]> {
    return this.triggers.list(request, context, allProjects);
  }

  async get(id: string, context: RequestContext): Promise<EventTriggerEntity> {
    const trigger = isUuid(id) ? await this.triggers.findReadable(id.toLowerCase(), context) : null;
    if (!trigger) throw notFound(id);
    return trigger;
  }

  async update(id: string, changes: UpdateEventTriggerRequest, context: RequestContext): Promise<EventTriggerEntity> {
    this.checkPublicize(changes.scope, context);
    const found = await this.owned(id, context);
    return this.triggers.transaction(async (manager) => {
      const trigger = await this.triggers.lock(manager, found.id);
      if (!trigger) throw notFound(id);
      if (changes.name !== undefined) trigger.name = changes.name;
      if (changes.scope !== undefined) trigger.scope = changes.scope;
      if (changes.workflowInput !== undefined) {
        const workflow = await this.workflows.get(trigger.workflowId, '', context);
        const input = keepMaskedSecrets(changes.workflowInput, trigger.workflowInput);
        this.checkInput(workflow.spec, input);
        trigger.workflowInput = input;
      }
      if (changes.workflowParams !== undefined) trigger.workflowParams = keepMaskedSecrets(changes.workflowParams, trigger.workflowParams) as ExecutionParams;
      trigger.updatedAt = new Date();
      await this.triggers.save(manager, trigger);
      return trigger;
    });
  }

  async delete(id: string, context: RequestContext): Promise<void> {
    const trigger = await this.owned(id, context);
    await this.triggers.transaction(async (manager) => {
      // the trust goes once no execution of the trigger still needs its token (TrustSweeper)
      await this.trusts.releaseWithTrigger(manager, trigger.id);
      await this.triggers.delete(manager, trigger.id);
    });
    this.logger.log(`deleted event trigger ${trigger.name} (${trigger.id})`);
  }

  private async owned(id: string, context: RequestContext): Promise<EventTriggerEntity> {
    const trigger = await this.get(id, context);
    if (trigger.projectId !== context.projectId && !context.isAdmin) {
      throw new ApiError(403, `Event trigger ${trigger.id} belongs to another project and can only be read.`);
    }
    return trigger;
  }

  /** A public trigger sees every project's notifications: only an admin may make one (Mistral's event_triggers:publicize). */
  private checkPublicize(scope: string | undefined, context: RequestContext): void {
    if (scope === 'public' && !context.isAdmin) throw new ApiError(403, "Policy doesn't allow event_triggers:publicize to be performed.");
  }

  private checkInput(spec: Parameters<typeof resolveWorkflowInput>[0], input: Record<string, unknown>): void {
    try {
      resolveWorkflowInput(spec, input);
    } catch (error) {
      if (error instanceof InvalidWorkflowInput) throw ApiError.badRequest(error.message);
      throw error;
    }
  }
}
