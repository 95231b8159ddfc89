import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { ActionCatalog } from '../actions/action-catalog';
import { ApiError } from '../common/api-error';
import { ListRequest } from '../common/list-query';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { DEFAULT_PROJECT_ID, RequestContext } from '../identity/request-context';
import {
  convertYaqlDefinition,
  type DefinitionError,
  type DefinitionParseResult,
  formatDefinitionErrors,
  formatYaqlProblems,
  parseWorkflowDefinition,
  type ParseOptions,
  WorkflowSpec,
  type YaqlChange,
} from './language';
import { WorkflowDefinitionEntity, WorkflowScope } from './workflow-definition.entity';
import { WorkflowDefinitionRepository } from './workflow-definition.repository';
import { workflowSourceTexts } from './workflow-source.util';
import { WorkflowSharingSlot } from './workflow-sharing.slot';
import { WorkflowUsageRegistry } from './workflow-usage.registry';

export interface WorkflowWriteOptions {
  scope: WorkflowScope;
  namespace: string;
}

interface ParsedWorkflow {
  spec: WorkflowSpec;
  text: string;
}

/** Mistral's {valid, error}; Sirocco adds `errors` (each with line and column) when the definition parser refused it. */
export type ValidationResult = { valid: true } | { valid: false; error: string; errors?: DefinitionError[] };

export interface ConversionResult {
  language: 'yaql' | 'jinja' | 'jsonata';
  definition: string;
  changes: YaqlChange[];
}

@Injectable()
export class WorkflowsService {
  private readonly logger = new Logger(WorkflowsService.name);

  constructor(
    private readonly repository: WorkflowDefinitionRepository,
    private readonly usage: WorkflowUsageRegistry,
    private readonly sharing: WorkflowSharingSlot,
    private readonly actions: ActionCatalog,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  /** How definitions are parsed for a project: the actions it may name (system, its own ad-hoc and public ad-hoc ones), the limits; also for the workflows of workbooks. */
  parseOptions(projectId: string = DEFAULT_PROJECT_ID): ParseOptions {
    const limits = this.config.limits;
    return {
      actions: this.actions.forProject(projectId),
      limits: {
        maxBytes: limits.definitionBytes,
        maxTasksPerWorkflow: limits.tasksPerWorkflow,
        maxDepth: limits.nestingDepth,
        maxDurationSeconds: limits.durationSeconds,
        maxWithItems: limits.withItems,
      },
    };
  }

  /** Creates every workflow of a definition, all or none. */
  async create(text: string, options: WorkflowWriteOptions, context: RequestContext): Promise<WorkflowDefinitionEntity[]> {
    const parsed = this.parseOrThrow(text, context.projectId);
    const names = parsed.map((workflow) => workflow.spec.name).join(', ');
    return this.repository.transaction(async (manager) => {
      const created: WorkflowDefinitionEntity[] = [];
      for (const workflow of parsed) {
        const existing = await this.repository.findOwnedByName(manager, workflow.spec.name, options.namespace, context.projectId);
        if (existing) {
          throw ApiError.conflict(
            `Duplicate entry for WorkflowDefinition ['name', 'namespace', 'project_id']: ` +
              `${workflow.spec.name}, ${options.namespace}, ${context.projectId}`,
          );
        }
        created.push(await this.repository.save(manager, this.newEntity(workflow, options, context.projectId, 'api')));
      }
      this.logger.log(`created workflows ${names}`);
      return created;
    }).catch((error: unknown) => {
      // two clients creating the same name at once: the unique constraint decides
      if ((error as { code?: string }).code === '23505') {
        throw ApiError.conflict(`Duplicate entry for WorkflowDefinition ['name', 'namespace', 'project_id']: ${names}`);
      }
      throw error;
    });
  }

  /** Replaces the definition of every workflow named in the text; each must exist already. */
  async update(text: string, options: WorkflowWriteOptions, context: RequestContext): Promise<WorkflowDefinitionEntity[]> {
    const parsed = this.parseOrThrow(text, context.projectId);
    return this.repository.transaction(async (manager) => {
      const updated: WorkflowDefinitionEntity[] = [];
      for (const workflow of parsed) {
        const existing = await this.repository.findOwnedByName(manager, workflow.spec.name, options.namespace, context.projectId);
        if (!existing) throw workflowNotFound(workflow.spec.name, options.namespace);
        this.applyDefinition(existing, workflow, options.scope);
        existing.updatedAt = new Date();
        updated.push(await this.repository.save(manager, existing));
      }
      this.logger.log(`updated workflows ${updated.map((wf) => wf.name).join(', ')}`);
      return updated;
    });
  }

  /** PUT /v2/workflows/{id}: the text must define exactly the workflow named by the identifier. */
  async updateOne(
    identifier: string,
    text: string,
    options: WorkflowWriteOptions,
    context: RequestContext,
  ): Promise<WorkflowDefinitionEntity> {
    const existing = await this.get(identifier, options.namespace, context);
    if (existing.projectId !== context.projectId) throw readOnlyWorkflow(existing);
    const parsed = this.parseOrThrow(text, context.projectId);
    if (parsed.length !== 1 || parsed[0].spec.name !== existing.name) {
      throw ApiError.badRequest(
        `The definition must hold exactly one workflow, named ${existing.name} (found: ${parsed.map((wf) => wf.spec.name).join(', ')})`,
      );
    }
    const [updated] = await this.update(text, { ...options, namespace: existing.namespace }, context);
    return updated;
  }

  validate(text: string, projectId: string = DEFAULT_PROJECT_ID): ValidationResult {
    const conversion = convertYaqlDefinition(text, this.config.limits.definitionBytes);
    if (conversion.problems.length > 0) return { valid: false, error: yaqlRefusal(conversion.problems) };
    const result = this.parseConverted(text, conversion.text, projectId);
    return result.valid ? { valid: true } : { valid: false, error: `Invalid DSL: ${formatDefinitionErrors(result.errors)}`, errors: result.errors };
  }

  /** POST /v2/workflows/convert: the definition with its YAQL expressions rewritten in JSONata (not stored). */
  convert(text: string): ConversionResult {
    if (!text || text.trim() === '') throw ApiError.badRequest('Definition is empty: send the workflow YAML as the request body (text/plain).');
    const conversion = convertYaqlDefinition(text, this.config.limits.definitionBytes);
    if (conversion.problems.length > 0) throw ApiError.badRequest(yaqlRefusal(conversion.problems), { errors: conversion.problems });
    return { language: conversion.language, definition: conversion.text, changes: conversion.changes };
  }

  /** For the engine: a trigger's workflow by id (in the firing's transaction); null when it was deleted. */
  findById(id: string, manager?: EntityManager): Promise<WorkflowDefinitionEntity | null> {
    return this.repository.findById(id, manager);
  }

  /**
   * For the engine: the workflow a sub-workflow task names (its namespace, else the default one;
   * own before public or shared with the project).
   */
  async findForSubWorkflow(manager: EntityManager, name: string, namespace: string, projectId: string): Promise<WorkflowDefinitionEntity | null> {
    const sharedIds = await this.sharing.acceptedWorkflowIds(projectId, manager);
    return this.repository.findForSubWorkflow(manager, name, namespace, projectId, sharedIds);
  }

  /** A workflow the caller may read: its project's, a public one or one shared with its project (accepted). */
  async get(identifier: string, namespace: string, context: RequestContext): Promise<WorkflowDefinitionEntity> {
    const sharedIds = await this.sharing.acceptedWorkflowIds(context.projectId);
    const workflow = await this.repository.findVisible(identifier, namespace, context, sharedIds);
    if (!workflow) throw workflowNotFound(identifier, namespace);
    return workflow;
  }

  async list(request: ListRequest, context: RequestContext, allProjects: boolean): Promise<WorkflowDefinitionEntity[]> {
    const sharedIds = await this.sharing.acceptedWorkflowIds(context.projectId);
    return this.repository.list(request, context, allProjects, sharedIds);
  }

  /** Deletes a workflow of the caller's project unless cron triggers still use it (400, as Mistral). */
  async delete(identifier: string, namespace: string, context: RequestContext): Promise<void> {
    await this.repository.transaction(async (manager) => {
      const sharedIds = await this.sharing.acceptedWorkflowIds(context.projectId, manager);
      const workflow = await this.repository.findVisible(identifier, namespace, context, sharedIds, manager);
      if (!workflow) throw workflowNotFound(identifier, namespace);
      if (workflow.projectId !== context.projectId && !context.isAdmin) throw readOnlyWorkflow(workflow);
      const reasons = await this.usage.reasonsInUse(workflow, identifier);
      if (reasons.length > 0) throw ApiError.badRequest(reasons.join(' '));
      // as Mistral: the workflow's members go with it
      await this.sharing.workflowDeleted(workflow.id, manager);
      await this.repository.remove(manager, workflow.id);
      this.logger.log(`deleted workflow ${workflow.name} (${workflow.id})`);
    });
  }

  /**
   * Loads a file of definitions/ as public workflows: new ones are created, changed ones updated,
   * unchanged ones left alone. Returns what changed.
   */
  async syncPublicDefinition(source: string, text: string): Promise<{ created: string[]; updated: string[] }> {
    const parsed = this.parseOrThrow(text, DEFAULT_PROJECT_ID);
    const options: WorkflowWriteOptions = { scope: 'public', namespace: '' };
    return this.repository.transaction(async (manager: EntityManager) => {
      const outcome = { created: [] as string[], updated: [] as string[] };
      for (const workflow of parsed) {
        const existing = await this.repository.findOwnedByName(manager, workflow.spec.name, '', DEFAULT_PROJECT_ID);
        if (!existing) {
          await this.repository.save(manager, this.newEntity(workflow, options, DEFAULT_PROJECT_ID, source));
          outcome.created.push(workflow.spec.name);
        } else if (existing.definition !== workflow.text || existing.scope !== 'public' || existing.source !== source) {
          this.applyDefinition(existing, workflow, 'public');
          existing.source = source;
          existing.updatedAt = new Date();
          await this.repository.save(manager, existing);
          outcome.updated.push(workflow.spec.name);
        }
      }
      return outcome;
    });
  }

  private parseOrThrow(text: string, projectId: string): ParsedWorkflow[] {
    if (!text || text.trim() === '') throw ApiError.badRequest('Definition is empty: send the workflow YAML as the request body (text/plain).');
    // YAQL is converted to JSONata for the spec that runs; the stored definition keeps the user's text
    const conversion = convertYaqlDefinition(text, this.config.limits.definitionBytes);
    if (conversion.problems.length > 0) throw ApiError.badRequest(yaqlRefusal(conversion.problems), { errors: conversion.problems });
    const result = this.parseConverted(text, conversion.text, projectId);
    if (!result.valid) {
      throw ApiError.badRequest(`Invalid DSL: ${formatDefinitionErrors(result.errors)}`, { errors: result.errors });
    }
    const texts = workflowSourceTexts(text, result.workflows.map((spec) => spec.name));
    return result.workflows.map((spec) => ({ spec, text: texts.get(spec.name) ?? text }));
  }

  /**
   * Parses the converted text; when it is refused, the errors that are not about expressions are
   * taken from the user's own text, so that their lines and columns are those of the file sent.
   */
  private parseConverted(original: string, converted: string, projectId: string): DefinitionParseResult {
    const result = parseWorkflowDefinition(converted, this.parseOptions(projectId));
    if (result.valid || converted === original) return result;
    const own = parseWorkflowDefinition(original, this.parseOptions(projectId));
    const structural = own.valid ? [] : own.errors.filter((error) => !error.message.startsWith('invalid expression <%'));
    return structural.length > 0 ? { valid: false, errors: structural } : result;
  }

  private newEntity(
    workflow: ParsedWorkflow,
    options: WorkflowWriteOptions,
    projectId: string,
    source: string,
  ): WorkflowDefinitionEntity {
    const entity = new WorkflowDefinitionEntity();
    entity.id = randomUUID();
    entity.namespace = options.namespace;
    entity.projectId = projectId;
    entity.source = source;
    entity.updatedAt = null;
    this.applyDefinition(entity, workflow, options.scope);
    return entity;
  }

  private applyDefinition(entity: WorkflowDefinitionEntity, workflow: ParsedWorkflow, scope: WorkflowScope): void {
    entity.name = workflow.spec.name;
    entity.definition = workflow.text;
    entity.spec = workflow.spec;
    entity.tags = workflow.spec.tags;
    entity.scope = scope;
  }
}

/** Names the first expression that cannot be converted (the error details list them all). */
function yaqlRefusal(problems: Parameters<typeof formatYaqlProblems>[0]): string {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return `Invalid DSL: the definition is Mistral's YAQL or Jinja and not every expression can be converted to JSONata: ${formatYaqlProblems(problems.slice(0, 1))}${more}`;
}

function workflowNotFound(identifier: string, namespace: string): ApiError {
  return ApiError.notFound(`Workflow not found [workflow_identifier=${identifier}, namespace=${namespace}]`);
}

/** A public or shared workflow of another project: only its owner changes or deletes it. */
function readOnlyWorkflow(workflow: WorkflowDefinitionEntity): ApiError {
  return ApiError.forbidden(`Workflow ${workflow.name} belongs to another project and can only be read.`);
}
