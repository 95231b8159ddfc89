import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ApiError } from '../common/api-error';
import { keepMaskedSecrets } from '../common/secret-mask';
import { applyListRequest, type ListRequest, type ListSpec } from '../common/list-query';
import { InvalidWorkflowInput, resolveWorkflowInput } from '../engine/run/workflow-input';
import type { RequestContext } from '../identity/request-context';
import { WorkflowUsageRegistry } from '../workflows/workflow-usage.registry';
import { WorkflowsService } from '../workflows/workflows.service';
import { CronTriggerEntity } from './cron-trigger.entity';
import type { CreateTriggerRequest, TriggerSettings } from './cron-trigger-request.parser';
import { scheduleOf } from './cron-trigger.schedule';
import {
  jitterOffsetSeconds,
  nextSlots,
  parseFirstExecutionTime,
  ScheduleError,
  validatePattern,
  validateTimezone,
} from './schedule/trigger-schedule';
import { TRIGGER_CREDENTIALS, TrustUnavailable, type TriggerCredentials } from './trigger-credentials';
import { TriggerFirer, type FiringRecord } from './trigger-firer';
import { TriggerFiringEntity } from './trigger-firing.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The columns of GET /v2/cron_triggers. */
export const CRON_TRIGGER_LIST_SPEC: ListSpec = {
  columns: {
    id: { sql: 't.id::text', type: 'text' },
    name: { sql: 't.name', type: 'text' },
    workflow_name: { sql: 't.workflow_name', type: 'text' },
    workflow_id: { sql: 't.workflow_id::text', type: 'text' },
    workflow_input: { sql: 't.workflow_input::text', type: 'text', sortable: false, mayHoldSecrets: true },
    workflow_params: { sql: 't.workflow_params::text', type: 'text', sortable: false, mayHoldSecrets: true },
    project_id: { sql: 't.project_id', type: 'text' },
    scope: { sql: 't.scope', type: 'text' },
    pattern: { sql: 't.pattern', type: 'text', nullable: true },
    timezone: { sql: 't.timezone', type: 'text' },
    remaining_executions: { sql: 't.remaining_executions::text', type: 'text', nullable: true },
    first_execution_time: { sql: 't.first_execution_time', type: 'timestamp', nullable: true },
    next_execution_time: { sql: 't.next_execution_time', type: 'timestamp', nullable: true },
    enabled: { sql: 't.enabled::text', type: 'text' },
    misfire_policy: { sql: 't.misfire_policy', type: 'text' },
    overlap_policy: { sql: 't.overlap_policy', type: 'text' },
    trust_status: { sql: 't.trust_status', type: 'text', nullable: true },
    created_at: { sql: 't.created_at', type: 'timestamp' },
    updated_at: { sql: 't.updated_at', type: 'timestamp', nullable: true },
  },
  idColumn: 'id',
  defaultSortKey: 'created_at',
  extraParams: ['all_projects'],
};

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
    @InjectRepository(CronTriggerEntity) private readonly triggers: Repository<CronTriggerEntity>,
    @InjectRepository(TriggerFiringEntity) private readonly firings: Repository<TriggerFiringEntity>,
    private readonly dataSource: DataSource,
    private readonly workflows: WorkflowsService,
    private readonly usage: WorkflowUsageRegistry,
    private readonly firer: TriggerFirer,
    @Inject(TRIGGER_CREDENTIALS) private readonly credentials: TriggerCredentials,
  ) {}

  onModuleInit(): void {
    this.usage.register(async (workflow) => {
      const rows: Array<{ name: string }> = await this.dataSource.query(
        `SELECT name FROM cron_triggers WHERE workflow_id = $1 ORDER BY name LIMIT 5`,
        [workflow.id],
      );
      return rows.length === 0 ? null : `cron triggers use it [cron_trigger(s)=${rows.map((row) => row.name).join(', ')}]`;
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

    const existing = await this.triggers.findOne({ where: { name: request.name, projectId: context.projectId } });
    if (existing) throw this.duplicate(trigger);
    let trustId: string | null;
    try {
      trustId = await this.credentials.createTrust(context);
    } catch (error) {
      throw ApiError.badRequest(`Could not create a Keystone trust for the trigger: ${error instanceof TrustUnavailable ? error.message : String(error)}`);
    }
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.insert(CronTriggerEntity, trigger as unknown as QueryDeepPartialEntity<CronTriggerEntity>);
        if (trustId) {
          await manager.query(`INSERT INTO trigger_trusts (trigger_id, trust_id, project_id) VALUES ($1, $2, $3)`, [trigger.id, trustId, trigger.projectId]);
          trigger.trustStatus = 'ok';
          trigger.trustCheckedAt = now;
          await manager.update(CronTriggerEntity, trigger.id, { trustStatus: 'ok', trustCheckedAt: now });
        }
      });
    } catch (error) {
      if (trustId) await this.credentials.deleteTrust(trustId).catch(() => undefined);
      if ((error as { code?: string }).code === '23505') throw this.duplicate(trigger);
      throw error;
    }
    this.logger.log(`created cron trigger ${trigger.name} (${trigger.id}) for workflow ${trigger.workflowName}`);
    return trigger;
  }

  async list(request: ListRequest, context: RequestContext, allProjects: boolean): Promise<CronTriggerEntity[]> {
    const qb = this.triggers.createQueryBuilder('t');
    if (!(allProjects && context.isAdmin)) qb.where("(t.project_id = :project OR t.scope = 'public')", { project: context.projectId });
    await applyListRequest(qb, CRON_TRIGGER_LIST_SPEC, request);
    return qb.getMany();
  }

  /** A trigger the caller may read, by name (its own first, then a public one) or id. */
  async get(identifier: string, context: RequestContext): Promise<CronTriggerEntity> {
    const qb = this.triggers.createQueryBuilder('t');
    if (UUID.test(identifier)) qb.where('t.id = :identifier', { identifier });
    else qb.where('t.name = :identifier', { identifier });
    if (!context.isAdmin || !UUID.test(identifier)) {
      qb.andWhere("(t.project_id = :project OR t.scope = 'public')", { project: context.projectId });
    }
    qb.orderBy('CASE WHEN t.project_id = :project THEN 0 ELSE 1 END', 'ASC').setParameter('project', context.projectId);
    const trigger = await qb.getOne();
    if (!trigger) throw notFound(identifier);
    return trigger;
  }

  /** PUT/PATCH: schedule, input, params, policies or enabled change in place; the trust stays. */
  async update(identifier: string, changes: TriggerSettings & { remainingExecutions?: number }, context: RequestContext): Promise<CronTriggerEntity> {
    const found = await this.owned(identifier, context);
    const now = new Date();
    return this.dataSource.transaction(async (manager) => {
      const trigger = (await manager.findOne(CronTriggerEntity, { where: { id: found.id }, lock: { mode: 'pessimistic_write' } }))!;
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
      if (changes.workflowParams !== undefined) trigger.workflowParams = keepMaskedSecrets(changes.workflowParams, trigger.workflowParams) as typeof trigger.workflowParams;
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
      await manager.save(CronTriggerEntity, trigger);
      return trigger;
    });
  }

  async delete(identifier: string, context: RequestContext): Promise<void> {
    const trigger = await this.owned(identifier, context);
    await this.dataSource.transaction(async (manager) => {
      // the trust goes once no execution of the trigger still needs its token (TrustKeeper)
      await manager.query(`UPDATE trigger_trusts SET delete_requested_at = now() WHERE trigger_id = $1`, [trigger.id]);
      await manager.delete(CronTriggerEntity, { id: trigger.id });
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

  /** Firings newest first (id breaks ties); `marker`, a firing id, starts after that firing. */
  async history(
    identifier: string,
    limit: number,
    context: RequestContext,
    marker?: string,
  ): Promise<{ trigger: CronTriggerEntity; firings: TriggerFiringEntity[] }> {
    const trigger = await this.get(identifier, context);
    const qb = this.firings
      .createQueryBuilder('f')
      .where('f.trigger_id = :trigger', { trigger: trigger.id })
      .orderBy('f.scheduled_for', 'DESC')
      .addOrderBy('f.id', 'DESC')
      .limit(limit);
    if (marker) {
      const found =
        UUID.test(marker) &&
        (await this.firings.createQueryBuilder('m').where('m.id = :marker AND m.trigger_id = :trigger', { marker, trigger: trigger.id }).getExists());
      if (!found) throw ApiError.badRequest(`Marker '${marker}' does not name a firing of cron trigger ${trigger.name}.`);
      // compared in SQL: a JS Date would lose the microseconds of scheduled_for
      qb.andWhere('(f.scheduled_for, f.id) < (SELECT m.scheduled_for, m.id FROM trigger_firings m WHERE m.id = :marker)', { marker });
    }
    return { trigger, firings: await qb.getMany() };
  }

  /** `POST .../check`: is the trust still good? The answer is kept on the trigger. */
  async checkTrust(identifier: string, context: RequestContext): Promise<CronTriggerEntity> {
    const trigger = await this.get(identifier, context);
    const rows: Array<{ trust_id: string }> = await this.dataSource.query(
      `SELECT trust_id FROM trigger_trusts WHERE trigger_id = $1 AND delete_requested_at IS NULL`,
      [trigger.id],
    );
    if (rows.length === 0) return trigger; // noauth: nothing to check
    let problem: string | null = null;
    try {
      await this.credentials.verifyTrust(rows[0].trust_id);
    } catch (error) {
      problem = error instanceof TrustUnavailable ? error.message : String(error);
    }
    Object.assign(trigger, { trustStatus: problem ? 'broken' : 'ok', trustCheckedAt: new Date(), trustError: problem });
    await this.triggers.update(trigger.id, { trustStatus: trigger.trustStatus, trustCheckedAt: trigger.trustCheckedAt, trustError: problem });
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

  private duplicate(trigger: CronTriggerEntity): ApiError {
    const project = trigger.projectId === '<default-project>' ? 'None' : trigger.projectId;
    return ApiError.conflict(`Duplicate entry for cron trigger ['name', 'project_id']: ${trigger.name}, ${project}`);
  }
}
