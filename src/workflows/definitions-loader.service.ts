import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ApiError } from '../common/api-error';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { WorkflowsService } from './workflows.service';

/** Loads every YAML file of the definitions folder as public workflows when the service starts. */
@Injectable()
export class DefinitionsLoaderService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DefinitionsLoaderService.name);

  constructor(
    private readonly workflows: WorkflowsService,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.loadAll();
  }

  async loadAll(): Promise<void> {
    const folder = this.config.definitionsDir;
    if (!existsSync(folder)) {
      this.logger.warn(`definitions folder ${folder} does not exist: no shipped workflows loaded`);
      return;
    }
    const files = (await readdir(folder)).filter((file) => /\.ya?ml$/i.test(file)).sort();
    for (const file of files) {
      const text = await readFile(path.join(folder, file), 'utf8');
      try {
        const { created, updated } = await this.workflows.syncPublicDefinition(`definitions/${file}`, text);
        if (created.length > 0) this.logger.log(`definitions/${file}: created ${created.join(', ')}`);
        if (updated.length > 0) this.logger.log(`definitions/${file}: updated ${updated.join(', ')}`);
      } catch (error) {
        // a shipped workflow that does not load is a broken release: refuse to start, say why
        const reason = error instanceof ApiError ? error.message : String(error);
        throw new Error(`definitions/${file} could not be loaded: ${reason}`);
      }
    }
  }
}
