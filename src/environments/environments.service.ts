import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { keepMaskedSecrets } from '../common/secret-mask';
import type { ListRequest } from '../common/list-query';
import type { RequestContext } from '../identity/request-context';
import { EnvironmentEntity } from './environment.entity';
import type { EnvironmentFields } from './environment-request.parser';
import { EnvironmentRepository } from './environment.repository';

const notFound = (name: string) => ApiError.notFound(`Environment not found [name=${name}]`);

/** Named variables for executions (`params.env`), one set per name and project. */
@Injectable()
export class EnvironmentsService {
  private readonly logger = new Logger(EnvironmentsService.name);

  constructor(private readonly environments: EnvironmentRepository) {}

  async create(fields: EnvironmentFields, context: RequestContext): Promise<EnvironmentEntity> {
    const environment = Object.assign(new EnvironmentEntity(), {
      id: randomUUID(),
      name: fields.name,
      description: fields.description ?? '',
      variables: fields.variables ?? {},
      scope: fields.scope ?? 'private',
      projectId: context.projectId,
      createdAt: new Date(),
      updatedAt: null,
    });
    if (!(await this.environments.insert(environment))) {
      throw ApiError.conflict(`Duplicate entry for Environment ['name', 'project_id']: ${fields.name}, ${context.projectId}`);
    }
    this.logger.log({ event: 'environment.created', environmentId: environment.id, name: environment.name });
    return environment;
  }

  /** Changes the fields the request gives; the others keep their values. */
  async update(fields: EnvironmentFields, context: RequestContext): Promise<EnvironmentEntity> {
    const environment = await this.environments.findOwned(fields.name, context.projectId);
    if (!environment) throw notFound(fields.name);
    if (fields.description !== undefined) environment.description = fields.description;
    if (fields.variables !== undefined) environment.variables = keepMaskedSecrets(fields.variables, environment.variables ?? {});
    if (fields.scope !== undefined) environment.scope = fields.scope;
    environment.updatedAt = new Date();
    return this.environments.save(environment);
  }

  async get(name: string, context: RequestContext): Promise<EnvironmentEntity> {
    const environment = await this.environments.findVisible(name, context);
    if (!environment) throw notFound(name);
    return environment;
  }

  /** For the engine: the variables of the environment an execution names; null when there is none. */
  async variablesOf(name: string, context: RequestContext): Promise<Record<string, unknown> | null> {
    const environment = await this.environments.findVisibleByName(name, context);
    return environment ? (environment.variables ?? {}) : null;
  }

  list(request: ListRequest, context: RequestContext, allProjects: boolean): Promise<EnvironmentEntity[]> {
    return this.environments.list(request, context, allProjects);
  }

  async delete(name: string, context: RequestContext): Promise<void> {
    const environment = await this.environments.findOwned(name, context.projectId);
    if (!environment) throw notFound(name);
    await this.environments.remove(environment.id);
    this.logger.log({ event: 'environment.deleted', environmentId: environment.id, name: environment.name });
  }
}

