import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { stringify as yamlText } from 'yaml';
import { ApiError } from '../../common/api-error';
import { pythonJsonDumps } from '../../common/python-json';
import { SIROCCO_CONFIG } from '../../config/config.module';
import type { SiroccoConfig } from '../../config/sirocco-config';
import { DatabaseNotifications } from '../../database/database-notifications';
import { ExpressionEvaluator } from '../../expressions/expression-evaluator';
import type { RequestContext } from '../../identity/request-context';
import { ActionCatalog } from '../action-catalog';
import { AdhocActionEntity } from './adhoc-action.entity';
import { adhocActionHandler } from './adhoc-action.handler';
import { ADHOC_ACTIONS_CHANNEL, AdhocActionRepository } from './adhoc-action.repository';
import type { AdhocActionSpec, AdhocScope } from './adhoc-action.types';
import { checkAdhocChains } from './adhoc-chain.util';
import { parseAdhocActions, parseAdhocDefinition, type AdhocParseResult } from './adhoc-definition.parser';

export interface AdhocWriteOptions {
  scope: AdhocScope;
  namespace: string;
}

/** Mistral's one-line parameter list of an ad-hoc action, `a, b=1`; null without parameters. */
function inputSignature(spec: AdhocActionSpec): string | null {
  const parts = spec.input.map((parameter) => ('default' in parameter ? `${parameter.name}=${pythonJsonDumps(parameter.default)}` : parameter.name));
  return parts.length > 0 ? parts.join(', ') : null;
}

function notFound(identifier: string, namespace: string): ApiError {
  return ApiError.notFound(`Action definition not found [action_name=${identifier}, namespace=${namespace}]`);
}

function duplicate(name: string, namespace: string, projectId: string): ApiError {
  return ApiError.conflict(`Duplicate entry for Action ['name', 'namespace', 'project_id']: ${name}, ${namespace}, ${projectId}`);
}

/**
 * Ad-hoc actions (POST /v2/actions) and workbooks' actions: stored, checked, and kept in the
 * action catalog of every instance (reloaded here after each change, and on NOTIFY from others).
 */
@Injectable()
export class AdhocActionsService implements OnModuleInit {
  private readonly logger = new Logger(AdhocActionsService.name);
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly repository: AdhocActionRepository,
    private readonly catalog: ActionCatalog,
    private readonly evaluator: ExpressionEvaluator,
    private readonly notifications: DatabaseNotifications,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    // without the database now, the listener reloads once it is back
    await this.reload().catch((error: unknown) => this.logger.warn(`ad-hoc actions not loaded yet: ${error instanceof Error ? error.message : String(error)}`));
    await this.notifications.listen(ADHOC_ACTIONS_CHANNEL, () => void this.reload().catch(() => undefined));
  }

  /** Puts what the database holds into the catalog; reloads run one after the other. */
  reload(): Promise<void> {
    const next = this.reloading.catch(() => undefined).then(async () => {
      const rows = await this.repository.all();
      this.catalog.replaceAdhocActions(rows.map((row) => adhocActionHandler(row, this.catalog, this.evaluator)));
    });
    this.reloading = next;
    return next;
  }

  /** POST /v2/actions/validate: {valid} or {valid: false, error}, nothing stored. */
  validate(text: string, context: RequestContext): { valid: true } | { valid: false; error: string } {
    try {
      this.specsOrThrow(parseAdhocDefinition(text), context.projectId);
      return { valid: true };
    } catch (error) {
      if (error instanceof ApiError) return { valid: false, error: error.message };
      throw error;
    }
  }

  async create(text: string, options: AdhocWriteOptions, context: RequestContext): Promise<AdhocActionEntity[]> {
    const specs = this.parseUpload(text, options, context);
    const created = await this.write(async (manager) => {
      const rows: AdhocActionEntity[] = [];
      for (const spec of specs) {
        if (await this.repository.findOwnedByName(manager, spec.name, options.namespace, context.projectId)) {
          throw duplicate(spec.name, options.namespace, context.projectId);
        }
        rows.push(await this.repository.save(manager, this.newEntity(spec, text, options.scope, context.projectId, null)));
      }
      return rows;
    }, () => duplicate(specs.map((spec) => spec.name).join(', '), options.namespace, context.projectId));
    this.logger.log(`created actions ${specs.map((spec) => spec.name).join(', ')}`);
    return created;
  }

  /** PUT /v2/actions (every action of the text must exist) and PUT /v2/actions/{id or name} (one action). */
  async update(text: string, options: AdhocWriteOptions, context: RequestContext, identifier?: string): Promise<AdhocActionEntity[]> {
    const specs = this.parseUpload(text, options, context);
    if (identifier !== undefined && specs.length > 1) {
      throw ApiError.badRequest(`More than one actions are not supported for update with identifier. [identifier: ${identifier}]`);
    }
    const updated = await this.write(async (manager) => {
      const rows: AdhocActionEntity[] = [];
      for (const spec of specs) {
        const existing =
          identifier !== undefined
            ? await this.repository.findVisible(identifier, options.namespace, context, manager)
            : await this.repository.findOwnedByName(manager, spec.name, options.namespace, context.projectId);
        if (!existing || existing.projectId !== context.projectId) throw notFound(identifier ?? spec.name, options.namespace);
        this.apply(existing, spec, text, options.scope);
        rows.push(await this.repository.save(manager, existing));
      }
      return rows;
    }, () => duplicate(specs.map((spec) => spec.name).join(', '), options.namespace, context.projectId));
    this.logger.log(`updated actions ${specs.map((spec) => spec.name).join(', ')}`);
    return updated;
  }

  async delete(identifier: string, namespace: string, context: RequestContext): Promise<void> {
    if (this.catalog.isSystem(identifier)) throw ApiError.badRequest(`Attempt to delete a system action: ${identifier}`);
    await this.write(async (manager) => {
      const action = await this.repository.findVisible(identifier, namespace, context, manager);
      if (!action) throw notFound(identifier, namespace);
      if (action.projectId !== context.projectId && !context.isAdmin) {
        throw ApiError.forbidden(`Action ${action.name} belongs to another project and can only be read.`);
      }
      await this.repository.remove(manager, [action.id]);
      this.logger.log(`deleted action ${action.name} (${action.id})`);
    });
  }

  get(identifier: string, namespace: string, context: RequestContext): Promise<AdhocActionEntity | null> {
    return this.repository.findVisible(identifier, namespace, context);
  }

  list(context: RequestContext, allProjects: boolean): Promise<AdhocActionEntity[]> {
    return this.repository.listVisible(context, allProjects);
  }

  /**
   * For workbooks: the actions of a workbook's `actions` section (parsed YAML: name -> spec), stored
   * as `<workbook>.<name>`; those of an earlier version that are gone are deleted. 400 when one is
   * invalid, 409 when a name is taken by an action outside the workbook. With `manager`, the work
   * joins that transaction (the catalogs reload once it commits, on NOTIFY).
   */
  async replaceWorkbookActions(
    workbookName: string,
    actions: Record<string, unknown>,
    scope: AdhocScope,
    projectId: string,
    manager?: EntityManager,
  ): Promise<AdhocActionEntity[]> {
    const parsed = parseAdhocActions(actions);
    const named: AdhocParseResult = parsed.valid
      ? { valid: true, actions: parsed.actions.map((spec) => ({ ...spec, name: `${workbookName}.${spec.name}` })) }
      : parsed;
    const specs = this.specsOrThrow(named, projectId);
    const work = async (transaction: EntityManager) => {
      const previous = await this.repository.workbookActions(transaction, workbookName, projectId);
      const kept = new Set(specs.map((spec) => spec.name));
      await this.repository.remove(transaction, previous.filter((row) => !kept.has(row.name)).map((row) => row.id));
      const rows: AdhocActionEntity[] = [];
      for (const spec of specs) {
        const definition = yamlText({ version: '2.0', [spec.name]: actions[spec.name.slice(workbookName.length + 1)] });
        const existing = await this.repository.findOwnedByName(transaction, spec.name, '', projectId);
        if (existing && existing.workbookName !== workbookName) throw duplicate(spec.name, '', projectId);
        if (existing) this.apply(existing, spec, definition, scope);
        rows.push(await this.repository.save(transaction, existing ?? this.newEntity(spec, definition, scope, projectId, workbookName)));
      }
      return rows;
    };
    if (manager) {
      const rows = await work(manager);
      await manager.query(`NOTIFY ${ADHOC_ACTIONS_CHANNEL}`);
      return rows;
    }
    return this.write(work, () => duplicate(specs.map((spec) => spec.name).join(', '), '', projectId));
  }

  /** For workbooks: deletes the actions of a workbook (none: nothing happens). */
  async deleteWorkbookActions(workbookName: string, projectId: string, manager?: EntityManager): Promise<void> {
    const work = async (transaction: EntityManager) => {
      const rows = await this.repository.workbookActions(transaction, workbookName, projectId);
      await this.repository.remove(transaction, rows.map((row) => row.id));
    };
    if (manager) {
      await work(manager);
      await manager.query(`NOTIFY ${ADHOC_ACTIONS_CHANNEL}`);
      return;
    }
    await this.write(work);
  }

  /** A change in a transaction; this instance's catalog is up to date when it returns. */
  private async write<T>(work: (manager: EntityManager) => Promise<T>, onDuplicate?: () => ApiError): Promise<T> {
    try {
      return await this.repository.changeInTransaction(work);
    } catch (error) {
      // two clients creating the same name at once: the unique constraint decides
      if ((error as { code?: string }).code === '23505' && onDuplicate) throw onDuplicate();
      throw error;
    } finally {
      await this.reload();
    }
  }

  private parseUpload(text: string, options: AdhocWriteOptions, context: RequestContext): AdhocActionSpec[] {
    if (options.namespace !== '') throw ApiError.badRequest(`namespace: ad-hoc actions live in the default namespace only (got '${options.namespace}')`);
    if (Buffer.byteLength(text ?? '') > this.config.limits.definitionBytes) {
      throw ApiError.badRequest(`The definition is larger than ${this.config.limits.definitionBytes} bytes (SIROCCO_MAX_DEFINITION_BYTES)`);
    }
    return this.specsOrThrow(parseAdhocDefinition(text), context.projectId);
  }

  private specsOrThrow(result: AdhocParseResult, projectId: string): AdhocActionSpec[] {
    if (!result.valid) throw ApiError.badRequest(result.error);
    checkAdhocChains(result.actions, this.catalog, projectId);
    return result.actions;
  }

  private newEntity(spec: AdhocActionSpec, definition: string, scope: AdhocScope, projectId: string, workbookName: string | null): AdhocActionEntity {
    const entity = new AdhocActionEntity();
    entity.id = randomUUID();
    entity.namespace = '';
    entity.projectId = projectId;
    entity.workbookName = workbookName;
    entity.createdAt = new Date();
    entity.updatedAt = null;
    this.apply(entity, spec, definition, scope);
    entity.updatedAt = null;
    return entity;
  }

  private apply(entity: AdhocActionEntity, spec: AdhocActionSpec, definition: string, scope: AdhocScope): void {
    Object.assign(entity, {
      name: spec.name,
      scope,
      description: spec.description,
      tags: spec.tags,
      input: inputSignature(spec),
      definition,
      spec,
      updatedAt: new Date(),
    });
  }
}
