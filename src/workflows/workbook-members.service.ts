import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ApiError } from '../common/api-error';
import type { WorkflowSpec } from './language';
import { WorkflowDefinitionEntity, type WorkflowScope } from './workflow-definition.entity';
import { WorkflowDefinitionRepository } from './workflow-definition.repository';
import { WorkflowUsageRegistry } from './workflow-usage.registry';

/** The workbook whose workflows are written: its members share its namespace, project and scope. */
export interface WorkbookRef {
  name: string;
  namespace: string;
  projectId: string;
  scope: WorkflowScope;
}

/** One workflow of a workbook: its spec (named by its short name) and its text as Mistral stores it. */
export interface WorkbookWorkflow {
  spec: WorkflowSpec;
  definition: string;
}

/**
 * The workflows a workbook owns, stored as `<workbook>.<name>` (source `workbook:<workbook>`), written
 * in the workbook's transaction. A workflow of that name that the workbook does not own is a
 * conflict; a member still used (cron triggers) is not deleted: 400 with the reason.
 */
@Injectable()
export class WorkbookMembersService {
  private readonly logger = new Logger(WorkbookMembersService.name);

  constructor(
    private readonly repository: WorkflowDefinitionRepository,
    private readonly usage: WorkflowUsageRegistry,
  ) {}

  /** Makes the workbook's workflows exactly `workflows`: new ones created, kept ones replaced, the others deleted. */
  async replace(manager: EntityManager, workbook: WorkbookRef, workflows: WorkbookWorkflow[]): Promise<WorkflowDefinitionEntity[]> {
    const source = sourceOf(workbook.name);
    const previous = await this.repository.findOwnedBySource(manager, source, workbook.namespace, workbook.projectId);
    const kept = new Set(workflows.map((workflow) => memberName(workbook.name, workflow.spec.name)));
    await this.removeMembers(manager, previous.filter((workflow) => !kept.has(workflow.name)));
    const saved: WorkflowDefinitionEntity[] = [];
    for (const workflow of workflows) {
      const name = memberName(workbook.name, workflow.spec.name);
      const existing = await this.repository.findOwnedByName(manager, name, workbook.namespace, workbook.projectId);
      if (existing && existing.source !== source) {
        throw ApiError.conflict(
          `Duplicate entry for WorkflowDefinition ['name', 'namespace', 'project_id']: ${name}, ${workbook.namespace}, ${workbook.projectId}` +
            ` (a workflow of that name exists outside workbook ${workbook.name})`,
        );
      }
      const entity = existing ?? newMember(name, workbook, source);
      if (existing) entity.updatedAt = new Date();
      entity.definition = workflow.definition;
      entity.spec = workflow.spec;
      entity.tags = workflow.spec.tags;
      entity.scope = workbook.scope;
      saved.push(await this.repository.save(manager, entity));
    }
    return saved;
  }

  /** Deletes every workflow of the workbook, unless one is still used (400, nothing deleted). */
  async removeAll(manager: EntityManager, workbook: WorkbookRef): Promise<void> {
    const members = await this.repository.findOwnedBySource(manager, sourceOf(workbook.name), workbook.namespace, workbook.projectId);
    await this.removeMembers(manager, members);
  }

  private async removeMembers(manager: EntityManager, members: WorkflowDefinitionEntity[]): Promise<void> {
    for (const member of members) {
      const reasons = await this.usage.reasonsInUse(member, member.name);
      if (reasons.length > 0) throw ApiError.badRequest(reasons.join(' '));
    }
    for (const member of members) {
      await this.repository.remove(manager, member.id);
      this.logger.log(`deleted workflow ${member.name} (${member.id}) of its workbook`);
    }
  }
}

export function memberName(workbook: string, workflow: string): string {
  return `${workbook}.${workflow}`;
}

function sourceOf(workbook: string): string {
  return `workbook:${workbook}`;
}

function newMember(name: string, workbook: WorkbookRef, source: string): WorkflowDefinitionEntity {
  const entity = new WorkflowDefinitionEntity();
  entity.id = randomUUID();
  entity.name = name;
  entity.namespace = workbook.namespace;
  entity.projectId = workbook.projectId;
  entity.source = source;
  entity.updatedAt = null;
  return entity;
}
