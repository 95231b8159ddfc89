import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ActionCatalog } from '../actions/action-catalog';
import { ActionFailure, type ActionHandler, type ActionRunContext } from '../actions/action.types';
import { ApiError } from '../common/api-error';
import { maskUrlCredentials } from '../common/secret-mask';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { ExecutionsRepository } from '../engine/executions.repository';
import { SnapshotsService } from './snapshots.service';

export const SERVICE_SNAPSHOT_ACTION = 'sirocco.service_snapshot';
const TIMESTAMP = '{timestamp}';

/** `20261202T030000.123Z`: sortable, and valid in a snapshot id and a file name. */
function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '');
}

function failure(error: unknown): never {
  if (error instanceof ApiError) throw new ActionFailure(error.message);
  throw error;
}

/**
 * `sirocco.service_snapshot`: takes a snapshot of Sirocco (for a nightly cron trigger), writes its
 * archive to a folder and/or PUTs it to a URL, and keeps the newest `keep` snapshots of its
 * snapshot_id pattern (deleting older ones and their files). Registered in the action catalog from
 * here: the action needs the snapshots feature, which sits above the actions.
 */
@Injectable()
export class ServiceSnapshotAction implements OnModuleInit {
  constructor(
    private readonly catalog: ActionCatalog,
    private readonly snapshots: SnapshotsService,
    private readonly executions: ExecutionsRepository,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  onModuleInit(): void {
    if (!this.catalog.has(SERVICE_SNAPSHOT_ACTION)) this.catalog.register(this.handler());
  }

  handler(): ActionHandler {
    return {
      name: SERVICE_SNAPSHOT_ACTION,
      description:
        'Takes a snapshot of Sirocco itself (snapshot_id: a pattern with {timestamp}); writes the archive to `dir` and/or PUTs it to `upload_url`; keeps the newest `keep` snapshots of the pattern (0: all).',
      parameters: [
        { name: 'snapshot_id', default: `sirocco-${TIMESTAMP}` },
        { name: 'include_history', default: false },
        { name: 'keep', default: 7 },
        { name: 'dir', default: null },
        { name: 'upload_url', default: null },
      ],
      isIdempotent: () => false,
      run: (input, context) => this.run(input, context),
    };
  }

  private async run(input: Record<string, unknown>, context: ActionRunContext): Promise<unknown> {
    await this.checkAllowed(context);
    const pattern = String(input.snapshot_id);
    if (!pattern.includes(TIMESTAMP)) throw new ActionFailure(`snapshot_id must contain ${TIMESTAMP} (each run makes a new snapshot; got '${pattern}')`);
    const keep = Number(input.keep);
    if (!Number.isInteger(keep) || keep < 0) throw new ActionFailure(`keep must be a whole number, 0 keeping all (got ${JSON.stringify(input.keep)})`);
    if (typeof input.include_history !== 'boolean') throw new ActionFailure('include_history must be true or false');
    const folder = input.dir === null || input.dir === undefined || input.dir === '' ? null : this.folder(String(input.dir));
    const id = pattern.replace(TIMESTAMP, stamp(new Date()));
    const origin = `action:${pattern}`;
    const snapshot = await this.snapshots.createAndWait(id, input.include_history, origin).catch(failure);
    if (snapshot.status !== 'CREATED') throw new ActionFailure(`snapshot ${id} failed: ${snapshot.error ?? snapshot.status}`, { snapshot_id: id, error: snapshot.error });
    const archive = (await this.snapshots.archiveOf(id))!;
    let file: string | null = null;
    if (folder) {
      await mkdir(folder, { recursive: true });
      file = path.join(folder, `${id}.tar.gz`);
      await writeFile(file, archive, { mode: 0o600 });
    }
    const uploadedTo = input.upload_url ? await this.upload(String(input.upload_url), id, archive, context.signal) : null;
    const deleted = keep > 0 ? await this.snapshots.rotate(origin, keep) : [];
    if (folder) for (const old of deleted) await rm(path.join(folder, `${old}.tar.gz`), { force: true });
    return { snapshot_id: id, status: snapshot.status, archive_size: archive.length, file, uploaded_to: uploadedTo, deleted };
  }

  /** noauth: anyone (as every API call); keystone: only the projects SIROCCO_SNAPSHOT_ACTION_PROJECTS names. */
  private async checkAllowed(context: ActionRunContext): Promise<void> {
    if (this.config.auth.mode === 'noauth') return;
    const project = context.caller?.projectId ?? (context.workflowExecutionId ? await this.executions.projectOf(context.workflowExecutionId) : null);
    if (project === null || !this.config.snapshots.actionProjects.includes(project)) {
      throw new ActionFailure(`${SERVICE_SNAPSHOT_ACTION} may run only in the projects SIROCCO_SNAPSHOT_ACTION_PROJECTS names (not in project ${project})`);
    }
  }

  /** `dir` relative: inside SIROCCO_SNAPSHOT_DIR; absolute: must be under it. */
  private folder(dir: string): string {
    const base = this.config.snapshots.dir;
    const resolved = path.resolve(base, dir);
    if (resolved !== base && !resolved.startsWith(base + path.sep)) {
      throw new ActionFailure(`dir must be inside SIROCCO_SNAPSHOT_DIR (${base}); got '${dir}'`);
    }
    return resolved;
  }

  private async upload(url: string, id: string, archive: Buffer, signal: AbortSignal): Promise<string> {
    const shown = maskUrlCredentials(url);
    if (!/^https?:\/\//i.test(url)) throw new ActionFailure(`upload_url must be an http(s) URL (got '${shown}')`);
    const response = await fetch(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/gzip', 'X-Sirocco-Snapshot-Id': id },
      body: archive,
      signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.snapshots.fetchTimeoutMs)]),
    }).catch((error: unknown) => {
      throw new ActionFailure(`uploading the archive to ${shown} failed: ${String((error as Error).cause ?? (error as Error).message)}`);
    });
    if (!response.ok) throw new ActionFailure(`uploading the archive to ${shown} answered ${response.status}`);
    return shown;
  }
}
