import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ApiError } from '../common/api-error';
import type { ListRequest } from '../common/list-query';
import type { RequestContext } from '../identity/request-context';
import { formatDefinitionErrors } from '../workflows/language';
import { WorkbookMembersService, type WorkbookRef } from '../workflows/workbook-members.service';
import { WorkflowsService } from '../workflows/workflows.service';
import { WORKBOOK_ACTIONS_STORE, type WorkbookAction, type WorkbookActionsStore } from './workbook-actions.store';
import { parseWorkbookDefinition, type WorkbookSpec } from './workbook-definition.parser';
import { WorkbookEntity, type WorkbookScope } from './workbook.entity';
import { WorkbookRepository } from './workbook.repository';
import { workbookSectionTexts } from './workbook-section.util';
import { WorkbookSharingSlot } from './workbook-sharing.slot';

export interface WorkbookWriteOptions {
  scope: WorkbookScope;
  namespace: string;
}

export type WorkbookValidation = { valid: true } | { valid: false; error: string };

interface ParsedWorkbook {
  spec: WorkbookSpec;
  text: string;
}

/**
 * Workbooks as Mistral has them: a YAML text whose workflows are stored as workflows named
 * `<workbook>.<name>` (through the workflows feature) and whose ad-hoc actions go to the
 * WorkbookActionsStore (the ad-hoc actions feature); all in one transaction.
 */
@Injectable()
export class WorkbooksService {
  private readonly logger = new Logger(WorkbooksService.name);

  constructor(
    private readonly repository: WorkbookRepository,
    private readonly workflows: WorkflowsService,
    private readonly members: WorkbookMembersService,
    private readonly sharing: WorkbookSharingSlot,
    @Optional() @Inject(WORKBOOK_ACTIONS_STORE) private readonly actionsStore?: WorkbookActionsStore,
  ) {}

  async create(text: string, options: WorkbookWriteOptions, context: RequestContext): Promise<WorkbookEntity> {
    const parsed = this.parseOrThrow(text, context.projectId);
    const { name } = parsed.spec;
    const created = await this.repository
      .transaction(async (manager) => {
        if (await this.repository.findOwnedByName(manager, name, options.namespace, context.projectId)) {
          throw duplicateWorkbook(name, options.namespace, context.projectId);
        }
        const workbook = new WorkbookEntity();
        workbook.id = randomUUID();
        workbook.namespace = options.namespace;
        workbook.projectId = context.projectId;
        workbook.updatedAt = null;
        applyDefinition(workbook, parsed, options.scope);
        const saved = await this.repository.save(manager, workbook);
        await this.writeMembers(manager, saved, parsed);
        this.logger.log(`created workbook ${name} (${saved.id}) with workflows ${memberList(parsed.spec)}`);
        return saved;
      })
      .catch((error: unknown) => {
        // two clients creating the same workbook at once: the unique constraint decides
        if ((error as { code?: string }).code === '23505') throw duplicateWorkbook(name, options.namespace, context.projectId);
        throw error;
      });
    await this.actionsStore?.committed?.();
    return created;
  }

  /** Replaces a workbook of the caller's project (named in the text): its workflows become those of the new text. */
  async update(text: string, options: WorkbookWriteOptions, context: RequestContext): Promise<WorkbookEntity> {
    const parsed = this.parseOrThrow(text, context.projectId);
    const { name } = parsed.spec;
    const updated = await this.repository.transaction(async (manager) => {
      const workbook = await this.repository.findOwnedByName(manager, name, options.namespace, context.projectId);
      if (!workbook) throw ApiError.notFound(`Workbook not found [name=${name}, namespace=${options.namespace}]`);
      applyDefinition(workbook, parsed, options.scope);
      workbook.updatedAt = new Date();
      const saved = await this.repository.save(manager, workbook);
      await this.writeMembers(manager, saved, parsed);
      this.logger.log(`updated workbook ${name} (${saved.id}), workflows now ${memberList(parsed.spec)}`);
      return saved;
    });
    await this.actionsStore?.committed?.();
    return updated;
  }

  validate(text: string, projectId?: string): WorkbookValidation {
    const result = parseWorkbookDefinition(text, this.workflows.parseOptions(projectId));
    return result.valid ? { valid: true } : { valid: false, error: `Invalid DSL: ${formatDefinitionErrors(result.errors)}` };
  }

  async get(name: string, namespace: string, context: RequestContext): Promise<WorkbookEntity> {
    const workbook = await this.repository.findVisible(name, namespace, context, await this.sharing.acceptedWorkbookIds(context.projectId));
    if (!workbook) throw ApiError.notFound(`Workbook not found [name=${name}, namespace=${namespace}]`);
    return workbook;
  }

  /** A workbook by id as the caller sees it (its own, public, shared with it), for the members API. */
  async getById(id: string, context: RequestContext): Promise<WorkbookEntity> {
    const workbook = await this.repository.findVisibleById(id, context, await this.sharing.acceptedWorkbookIds(context.projectId));
    if (!workbook) throw ApiError.notFound(`Workbook not found [id=${id}]`);
    return workbook;
  }

  async list(request: ListRequest, context: RequestContext, allProjects: boolean): Promise<WorkbookEntity[]> {
    return this.repository.list(request, context, allProjects, await this.sharing.acceptedWorkbookIds(context.projectId));
  }

  /** Deletes a workbook of the caller's project with its workflows (and actions), unless cron triggers use one (400). */
  async delete(name: string, namespace: string, context: RequestContext): Promise<void> {
    await this.repository.transaction(async (manager) => {
      const workbook = await this.repository.findOwnedByName(manager, name, namespace, context.projectId);
      if (!workbook) throw ApiError.notFound(`Workbook not found [workbook_name=${name}, namespace=${namespace}]`);
      await this.members.removeAll(manager, refOf(workbook));
      await this.actionsStore?.deleteWorkbookActions(manager, refOf(workbook));
      await this.sharing.workbookDeleted(workbook.id, manager);
      await this.repository.remove(manager, workbook.id);
      this.logger.log(`deleted workbook ${name} (${workbook.id})`);
    });
    await this.actionsStore?.committed?.();
  }

  private async writeMembers(manager: EntityManager, workbook: WorkbookEntity, parsed: ParsedWorkbook): Promise<void> {
    const workflowTexts = workbookSectionTexts(parsed.text, 'workflows');
    await this.members.replace(
      manager,
      refOf(workbook),
      parsed.spec.workflows.map((spec) => ({ spec, definition: workflowTexts.get(spec.name) ?? '' })),
    );
    if (this.actionsStore) {
      const actionTexts = workbookSectionTexts(parsed.text, 'actions');
      const actions: WorkbookAction[] = parsed.spec.actions.map((spec) => ({
        name: `${workbook.name}.${spec.name}`,
        shortName: spec.name,
        definition: actionTexts.get(spec.name) ?? '',
        spec,
      }));
      await this.actionsStore.replaceWorkbookActions(manager, refOf(workbook), actions);
    }
  }

  private parseOrThrow(text: string, projectId: string): ParsedWorkbook {
    if (!text || text.trim() === '') throw ApiError.badRequest('Definition is empty: send the workbook YAML as the request body (text/plain).');
    const result = parseWorkbookDefinition(text, this.workflows.parseOptions(projectId));
    if (!result.valid) throw ApiError.badRequest(`Invalid DSL: ${formatDefinitionErrors(result.errors)}`, { errors: result.errors });
    return { spec: result.workbook, text };
  }
}

function applyDefinition(workbook: WorkbookEntity, parsed: ParsedWorkbook, scope: WorkbookScope): void {
  const { spec } = parsed;
  workbook.name = spec.name;
  workbook.definition = parsed.text;
  workbook.tags = spec.tags;
  workbook.scope = scope;
  workbook.spec = {
    name: spec.name,
    description: spec.description,
    tags: spec.tags,
    workflows: spec.workflows.map((workflow) => workflow.name),
    actions: spec.actions,
  };
}

function refOf(workbook: WorkbookEntity): WorkbookRef {
  return { name: workbook.name, namespace: workbook.namespace, projectId: workbook.projectId, scope: workbook.scope };
}

function memberList(spec: WorkbookSpec): string {
  return spec.workflows.map((workflow) => `${spec.name}.${workflow.name}`).join(', ') || '(none)';
}

function duplicateWorkbook(name: string, namespace: string, projectId: string): ApiError {
  return ApiError.conflict(`Duplicate entry for WorkbookDefinition ['name', 'namespace', 'project_id']: ${name}, ${namespace}, ${projectId}`);
}
