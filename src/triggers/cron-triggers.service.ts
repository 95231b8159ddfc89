import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { keepMaskedSecrets } from '../common/secret-mask';
import type { ListRequest } from '../common/list-query';
import { isUuid } from '../common/uuid';
import { checkTargetTask, InvalidTargetTask } from '../engine/run/reverse-graph';
import { InvalidWorkflowInput, resolveWorkflowInput } from '../engine/run/workflow-input';
import type { RequestContext } from '../identity/request-context';
import { TriggerTrusts } from '../identity/trusts/trigger-trusts.service';
import { TrustUnavailable } from '../identity/trusts/trust-credentials';
import type { WorkflowSpec } from '../workflows/language';
import { WorkflowUsageRegistry } from '../workflows/workflow-usage.registry';
import { WorkflowsService } from '../workflows/workflows.service';
import { CronTriggerEntity } from './cron-trigger.entity';
import type { CreateTriggerRequest, TriggerSettings } from './cron-trigger-request.parser';
import { CronTriggerRepository } from './cron-trigger.repository';
import { scheduleOf } from './cron-trigger.schedule';
import {
  jitterOffsetSeconds,
  nextSlots,
  parseFirstExecutionTime,
  ScheduleError,
  validatePattern,
  validateTimezone,
} from './schedule/trigger-schedule';
import { TriggerFirer } from './trigger-firer';
import type { TriggerFiringEntity } from './trigger-firing.entity';
import type { FiringRecord } from './trigger-firing.record';

const notFound = (identifier: string) => ApiError.notFound(`Cron trigger not found [identifier=${identifier}]`);

function scheduleError(error: unknown): never {
  if (error instanceof ScheduleError) throw ApiError.badRequest(error.message);
  throw error;
}

/** Cron triggers as the API manages them; firing is TriggerFirer's. */
@Injectable()
export class CronTriggersService implements OnModuleInit {
  private readonly logger = new Logger(CronTriggersService.name);

  constructor(
    private readonly triggers: CronTriggerRepository,
    private readonly workflows: WorkflowsService,
    private readonly usage: WorkflowUsageRegistry,
    private readonly firer: TriggerFirer,
    private readonly trusts: TriggerTrusts,
  ) {}

  onModuleInit(): void {
    this.usage.register(async (workflow, identifier) => {
      const ids = await this.triggers.idsUsingWorkflow(workflow.id);
      if (ids.length === 0) return null;
      return (
        "Can't delete workflow that has cron triggers associated. " +
        `[workflow_identifier=${identifier}, namespace=${workflow.namespace}], [cron_trigger_id(s)=${ids.join(', ')}]`
      );
    });
  }

  async create(request: CreateTriggerRequest, context: RequestContext, now: Date = new Date()): Promise<CronTriggerEntity> {
    const pattern = request.pattern ?? null;
    if (!pattern && !request.firstExecutionTime) throw ApiError.badRequest('Pattern or first_execution_time must be specified.');
    if (!pattern && (request.remainingExecutions ?? 1) > 1) throw ApiError.badRequest('Pattern must be provided if count is superior to 1.');
    const timezone = request.timezone ?? 'UTC';
    let firstExecutionTime: Date | null = null;
    try {
      if (pattern) validatePattern(pattern);
      validateTimezone(timezone);
      if (request.firstExecutionTime) firstExecutionTime = parseFirstExecutionTime(request.firstExecutionTime, now);
    } catch (error) {
      scheduleError(error);
    }
    const workflow = await this.workflows.get(request.workflowId ?? request.workflowName!, request.namespace, context);
    const input = request.workflowInput ?? {};
    this.checkInput(workflow.spec, input);
    this.checkParams(workflow.spec, request.workflowParams ?? {});

    const trigger: CronTriggerEntity = Object.assign(new CronTriggerEntity(), {
      id: randomUUID(),
      name: request.name,
      projectId: context.projectId,
      userId: context.userId,
      scope: request.scope,
      workflowId: workflow.id,
      workflowName: workflow.name,
      workflowNamespace: workflow.namespace,
      workflowInput: input,
      workflowParams: request.workflowParams ?? {},
      pattern,
      timezone,
      firstExecutionTime,
      remainingExecutions: request.remainingExecutions ?? (pattern ? null : 1),
      enabled: request.enabled ?? true,
      finishedAt: null,
      misfirePolicy: request.misfirePolicy ?? 'run_once',
      catchUpWindow: request.catchUpWindow ?? 3600,
      overlapPolicy: request.overlapPolicy ?? 'allow',
      jitter: request.jitter ?? 0,
      trustStatus: null,
      trustCheckedAt: null,
      trustError: null,
      createdAt: now,
      updatedAt: null,
    });
    this.schedule(trigger, now);

    const existing = await this.triggers.findByName(request.name, context.projectId);
    if (existing) throw this.duplicate(trigger);
    let trustId: string | null;
    try {
      trustId = await this.trusts.create(context);
    } catch (error) {
      throw ApiError.badRequest(`Could not create a Keystone trust for the trigger: ${error instanceof TrustUnavailable ? error.message : String(error)}`);
    }
    try {
      await this.triggers.transaction(async (manager) => {
        await this.triggers.insert(manager, trigger);
        if (trustId) {
          await this.trusts.record(manager, trigger.id, trustId, trigger.projectId);
          trigger.trustStatus = 'ok';
          trigger.trustCheckedAt = now;
          await this.triggers.markTrustOk(manager, trigger.id, now);
        }
      });
    } catch (error) {
      if (trustId) await this.trusts.discard(trustId).catch(() => undefined);
      if ((error as { code?: string }).code === '23505') throw this.duplicate(trigger);
      throw error;
    }
    this.logger.log(`created cron trigger ${trigger.name} (${trigger.id}) for workflow ${trigger.workflowName}`);
    return trigger;
  }

  list(request: ListRequest, context: RequestContext, allProjects: boolean): Promise<CronTriggerEntity[]> {
    return this.triggers.list(request, context, allProjects);
  }

  /** A trigger the caller may read, by name (its own first, then a public one) or id. */
  async get(identifier: string, context: RequestContext): Promise<CronTriggerEntity> {
    const trigger = await this.triggers.findReadable(identifier, context);
    if (!trigger) throw notFound(identifier);
    return trigger;
  }

  /** PUT/PATCH: schedule, input, params, policies or enabled change in place; the trust stays. */
  async update(identifier: string, changes: TriggerSettings & { remainingExecutions?: number }, context: RequestContext): Promise<CronTriggerEntity> {
    const found = await this.owned(identifier, context);
    const now = new Date();
    return this.triggers.transaction(async (manager) => {
      const trigger = (await this.triggers.lock(manager, found.id))!;
      try {
        if (changes.pattern) validatePattern(changes.pattern);
        if (changes.timezone !== undefined) validateTimezone(changes.timezone);
      } catch (error) {
        scheduleError(error);
      }
      if (changes.pattern === null && !trigger.firstExecutionTime) {
        throw ApiError.badRequest('Pattern or first_execution_time must be specified.');
      }
      if (changes.workflowInput !== undefined) {
        const workflow = await this.workflows.get(trigger.workflowId, trigger.workflowNamespace, context);
        const input = keepMaskedSecrets(changes.workflowInput, trigger.workflowInput);
        this.checkInput(workflow.spec, input);
        trigger.workflowInput = input;
      }
      if (changes.workflowParams !== undefined) {
        const params = keepMaskedSecrets(changes.workflowParams, trigger.workflowParams) as typeof trigger.workflowParams;
        this.checkParams((await this.workflows.get(trigger.workflowId, trigger.workflowNamespace, context)).spec, params);
        trigger.workflowParams = params;
      }
      const scheduleChanged =
        (changes.pattern !== undefined && changes.pattern !== trigger.pattern) ||
        (changes.timezone !== undefined && changes.timezone !== trigger.timezone) ||
        (changes.jitter !== undefined && changes.jitter !== trigger.jitter) ||
        (changes.enabled === true && !trigger.enabled) ||
        changes.remainingExecutions !== undefined;
      if (changes.pattern !== undefined) trigger.pattern = changes.pattern;
      if (changes.timezone !== undefined) trigger.timezone = changes.timezone;
      if (changes.jitter !== undefined) trigger.jitter = changes.jitter;
      if (changes.enabled !== undefined) trigger.enabled = changes.enabled;
      if (changes.misfirePolicy !== undefined) trigger.misfirePolicy = changes.misfirePolicy;
      if (changes.catchUpWindow !== undefined) trigger.catchUpWindow = changes.catchUpWindow;
      if (changes.overlapPolicy !== undefined) trigger.overlapPolicy = changes.overlapPolicy;
      if (changes.remainingExecutions !== undefined) {
        trigger.remainingExecutions = changes.remainingExecutions;
        trigger.finishedAt = null;
      }
      // a new schedule (or a resume) counts from now: slots missed while paused are not owed
      if (scheduleChanged && trigger.finishedAt === null) this.schedule(trigger, now);
      trigger.updatedAt = now;
      await this.triggers.save(manager, trigger);
      return trigger;
    });
  }

  async delete(identifier: string, context: RequestContext): Promise<void> {
    const trigger = await this.owned(identifier, context);
    await this.triggers.transaction(async (manager) => {
      // the trust goes once no execution of the trigger still needs its token (TrustSweeper)
      await this.trusts.releaseWithTrigger(manager, trigger.id);
      await this.triggers.delete(manager, trigger.id);
    });
    this.logger.log(`deleted cron trigger ${trigger.name} (${trigger.id})`);
  }

  async fire(identifier: string, context: RequestContext): Promise<FiringRecord> {
    const trigger = await this.owned(identifier, context);
    return this.firer.fireNow(trigger);
  }

  /** The next `count` slots from now (or from the next pending slot), with their fire instants. */
  async upcoming(identifier: string, count: number, context: RequestContext): Promise<{ trigger: CronTriggerEntity; slots: Date[] }> {
    const trigger = await this.get(identifier, context);
    if (trigger.finishedAt || !trigger.nextExecutionTime) return { trigger, slots: [] };
    const limit = trigger.remainingExecutions === null ? count : Math.min(count, trigger.remainingExecutions);
    const first = trigger.nextExecutionTime;
    const rest = limit > 1 ? nextSlots(scheduleOf(trigger), first, limit - 1) : [];
    return { trigger, slots: [first, ...rest].slice(0, limit) };
  }

  /** Firings newest first (one per slot); `marker`, a firing id, starts after that firing. */
  async history(
    identifier: string,
    limit: number,
    context: RequestContext,
    marker?: string,
  ): Promise<{ trigger: CronTriggerEntity; firings: TriggerFiringEntity[] }> {
    const trigger = await this.get(identifier, context);
    if (marker) {
      const found = isUuid(marker) && (await this.triggers.isFiringOf(marker, trigger.id));
      if (!found) throw ApiError.badRequest(`Marker '${marker}' does not name a firing of cron trigger ${trigger.name}.`);
    }
    return { trigger, firings: await this.triggers.firingHistory(trigger.id, limit, marker) };
  }

  /** `POST .../check`: is the trust still good? The answer is kept on the trigger. */
  async checkTrust(identifier: string, context: RequestContext): Promise<CronTriggerEntity> {
    const trigger = await this.get(identifier, context);
    const trustId = await this.trusts.trustOf(trigger.id);
    if (!trustId) return trigger; // noauth: nothing to check
    let problem: string | null = null;
    try {
      await this.trusts.verify(trustId);
    } catch (error) {
      problem = error instanceof TrustUnavailable ? error.message : String(error);
    }
    Object.assign(trigger, { trustStatus: problem ? 'broken' : 'ok', trustCheckedAt: new Date(), trustError: problem });
    await this.triggers.updateTrustCheck(trigger.id, { trustStatus: trigger.trustStatus, trustCheckedAt: trigger.trustCheckedAt, trustError: problem });
    return trigger;
  }

  private async owned(identifier: string, context: RequestContext): Promise<CronTriggerEntity> {
    const trigger = await this.get(identifier, context);
    if (trigger.projectId !== context.projectId && !context.isAdmin) {
      throw new ApiError(403, `Cron trigger ${trigger.name} belongs to another project and can only be read.`);
    }
    return trigger;
  }

  /** Sets the next slot strictly after `now` (or finishes a trigger that has none left). */
  private schedule(trigger: CronTriggerEntity, now: Date): void {
    const [next] = nextSlots(scheduleOf(trigger), now, 1);
    const exhausted = trigger.remainingExecutions !== null && trigger.remainingExecutions <= 0;
    trigger.nextExecutionTime = next && !exhausted ? next : null;
    trigger.nextFireAt = trigger.nextExecutionTime
      ? new Date(trigger.nextExecutionTime.getTime() + jitterOffsetSeconds(trigger.id, trigger.jitter) * 1000)
      : null;
    if (!trigger.nextExecutionTime) trigger.finishedAt = now;
  }

  private checkInput(spec: Parameters<typeof resolveWorkflowInput>[0], input: Record<string, unknown>): void {
    try {
      resolveWorkflowInput(spec, input);
    } catch (error) {
      if (error instanceof InvalidWorkflowInput) throw ApiError.badRequest(error.message);
      throw error;
    }
  }

  /** A reverse workflow's trigger names the target task in workflow_params, as an execution's params do. */
  private checkParams(spec: WorkflowSpec, params: Record<string, unknown>): void {
    try {
      checkTargetTask(spec, params);
    } catch (error) {
      if (error instanceof InvalidTargetTask) throw ApiError.badRequest(error.message);
      throw error;
    }
  }

  private duplicate(trigger: CronTriggerEntity): ApiError {
    const project = trigger.projectId === '<default-project>' ? 'None' : trigger.projectId;
    return ApiError.conflict(`Duplicate entry for cron trigger ['name', 'project_id']: ${trigger.name}, ${project}`);
  }
}
