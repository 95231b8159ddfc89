import { AdhocActionsService } from '../actions/adhoc/adhoc-actions.service';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import type { RequestContext } from '../identity/request-context';
import { MaintenanceGate } from '../service-state/maintenance-gate';
import type { FiringFailure } from '../triggers/trigger-firing.record';
import { DefinitionsLoaderService } from '../workflows/definitions-loader.service';
import { fetchArchive } from './archive-download';
import type { ServiceSnapshotEntity } from './service-snapshot.entity';
import { ServiceSnapshotRepository } from './service-snapshot.repository';
import { SnapshotExporter } from './snapshot-exporter';
import { missingKeyMessage, SnapshotRestorer } from './snapshot-restorer';

const SNAPSHOT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

export function checkSnapshotId(id: string): string {
  if (!SNAPSHOT_ID.test(id)) {
    throw ApiError.badRequest(`snapshot id must be 1 to 255 letters, digits, '.', '_' or '-', starting with a letter or digit (got ${JSON.stringify(id)})`);
  }
  return id;
}

/**
 * Snapshots of Sirocco itself: made in the background (CREATING -> CREATED or FAILED), uploaded,
 * downloaded, and restored (in the background too; GET /v2/snapshot-status tells while it runs).
 */
@Injectable()
export class SnapshotsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SnapshotsService.name);
  private readonly background = new Set<Promise<void>>();

  constructor(
    private readonly snapshots: ServiceSnapshotRepository,
    private readonly exporter: SnapshotExporter,
    private readonly restorer: SnapshotRestorer,
    private readonly maintenance: MaintenanceGate,
    private readonly definitions: DefinitionsLoaderService,
    private readonly adhocActions: AdhocActionsService,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.background]);
  }

  private inBackground(work: () => Promise<void>): void {
    const running = work().finally(() => this.background.delete(running));
    this.background.add(running);
  }

  private admin(context: RequestContext): void {
    if (!context.isAdmin) throw ApiError.forbidden('Only an administrator may manage snapshots of Sirocco');
  }

  async create(id: string, includeHistory: boolean, context: RequestContext): Promise<ServiceSnapshotEntity> {
    this.admin(context);
    this.inBackground(await this.startSnapshot(id, includeHistory, 'api'));
    return this.get(id, context);
  }

  /** For the sirocco.service_snapshot action: takes one and waits for its end. */
  async createAndWait(id: string, includeHistory: boolean, origin: string): Promise<ServiceSnapshotEntity> {
    await (await this.startSnapshot(id, includeHistory, origin))();
    const snapshot = await this.snapshots.find(id);
    if (!snapshot) throw new Error(`snapshot ${id} was deleted while it was made`);
    return snapshot;
  }

  /** Deletes the made snapshots of `origin` beyond the newest `keep`; returns their ids. */
  async rotate(origin: string, keep: number): Promise<string[]> {
    const made = await this.snapshots.madeBy(origin);
    const old = made.slice(keep).map((snapshot) => snapshot.id);
    for (const id of old) await this.snapshots.delete(id);
    return old;
  }

  async archiveOf(id: string): Promise<Buffer | null> {
    return this.snapshots.archive(id);
  }

  /** Inserts the CREATING row (or refuses), and gives the work that makes the archive. */
  private async startSnapshot(id: string, includeHistory: boolean, origin: string): Promise<() => Promise<void>> {
    checkSnapshotId(id);
    const secretKey = this.config.snapshots.secretKey;
    // never an archive with trust ids and environment values in clear
    if (!secretKey) throw ApiError.conflict(missingKeyMessage('create a snapshot'));
    if (!(await this.snapshots.startCreating(id, includeHistory, origin))) throw ApiError.conflict(`A snapshot with id '${id}' already exists`);
    return async () => {
      try {
        const made = await this.exporter.make(includeHistory, secretKey);
        const { manifest } = made;
        await this.snapshots.store(
          id,
          {
            status: 'CREATED',
            createdAt: new Date(manifest.created_at),
            includeHistory,
            siroccoVersion: manifest.sirocco_version,
            schemaVersion: manifest.schema_version,
            counts: manifest.counts,
            archive: made.archive,
          },
          true,
        );
        this.logger.log(`snapshot ${id} created (${made.archive.length} bytes)`);
      } catch (error) {
        this.logger.error(`snapshot ${id} failed: ${String(error)}`);
        await this.snapshots.fail(id, String((error as Error).message ?? error)).catch(() => undefined);
      }
    };
  }

  async list(context: RequestContext): Promise<ServiceSnapshotEntity[]> {
    this.admin(context);
    return this.snapshots.list();
  }

  async get(id: string, context: RequestContext): Promise<ServiceSnapshotEntity> {
    this.admin(context);
    const snapshot = await this.snapshots.find(id);
    if (!snapshot) throw ApiError.notFound(`Snapshot not found [id=${id}]`);
    return snapshot;
  }

  async delete(id: string, context: RequestContext): Promise<void> {
    const snapshot = await this.get(id, context);
    if (snapshot.restoreStatus === 'RUNNING') throw ApiError.conflict(`Snapshot ${id} is being restored; delete it once the restore ended`);
    await this.snapshots.delete(id);
  }

  async archive(id: string, context: RequestContext): Promise<Buffer> {
    const snapshot = await this.get(id, context);
    const archive = snapshot.status === 'CREATED' || snapshot.status === 'UPLOADED' ? await this.snapshots.archive(id) : null;
    if (!archive) throw ApiError.conflict(`Snapshot ${id} has no archive (status ${snapshot.status})`);
    return archive;
  }

  /** An archive sent in the body, or fetched from an http(s) URL: checked, then kept as UPLOADED. */
  async upload(id: string, source: { body: Buffer } | { url: string }, context: RequestContext): Promise<ServiceSnapshotEntity> {
    this.admin(context);
    checkSnapshotId(id);
    if (await this.snapshots.find(id)) throw ApiError.conflict(`A snapshot with id '${id}' already exists`);
    const archive = 'url' in source ? await fetchArchive(source.url, this.config.snapshots) : source.body;
    if (archive.length === 0) throw ApiError.badRequest('The snapshot archive is empty: send the tar.gz as the body, or ?snapshot_archive_url=');
    const manifest = await this.restorer.inspect(archive);
    const stored = await this.snapshots.store(
      id,
      {
        status: 'UPLOADED',
        createdAt: new Date(manifest.created_at),
        includeHistory: manifest.include_history === true,
        siroccoVersion: String(manifest.sirocco_version),
        schemaVersion: String(manifest.schema_version),
        counts: manifest.counts ?? {},
        archive,
      },
      false,
    );
    if (!stored) throw ApiError.conflict(`A snapshot with id '${id}' already exists`);
    return this.get(id, context);
  }

  /**
   * Replaces Sirocco's state with the snapshot's. Refused unless maintenance mode is activated (or
   * `force`); the archive is checked (checksums, schema, key) before anything changes.
   */
  async restore(id: string, force: boolean, context: RequestContext): Promise<ServiceSnapshotEntity> {
    this.admin(context);
    const maintenance = await this.maintenance.status();
    if (maintenance !== 'activated' && !force) {
      throw ApiError.conflict(
        `Restoring a snapshot replaces every workflow, environment, trigger and execution: activate maintenance mode first ` +
          `(PUT /v2/maintenance {"status": "activated"}; it is ${maintenance}), or pass "force": true`,
      );
    }
    const archive = await this.archive(id, context);
    const opened = await this.restorer.open(archive);
    if (!(await this.snapshots.startRestore(id))) throw ApiError.conflict('A snapshot restore is already in progress (GET /v2/snapshot-status)');
    this.logger.log(`restoring snapshot ${id} (made ${opened.manifest.created_at}, schema ${opened.manifest.schema_version})`);
    this.inBackground(async () => {
      let overdue: FiringFailure[];
      try {
        overdue = await this.restorer.replace(opened);
      } catch (error) {
        this.logger.error(`restoring snapshot ${id} failed, nothing was changed: ${String(error)}`);
        await this.snapshots.finishRestore(id, `nothing was changed: ${(error as Error).message}`).catch(() => undefined);
        return;
      }
      try {
        // the shipped workflows are this release's, not the archive's copies (same ids: triggers keep them)
        await this.definitions.loadAll().catch((error: unknown) => this.logger.error(`reloading the shipped workflows after the restore failed: ${String(error)}`));
        await this.adhocActions.reload();
        await this.snapshots.finishRestore(id, null);
        this.logger.log(`snapshot ${id} restored; ${overdue.length} trigger(s) had overdue slots, marked FAILED`);
        await this.restorer.report(overdue);
      } catch (error) {
        this.logger.error(`snapshot ${id} was restored, but finishing up failed: ${String(error)}`);
      }
    });
    return this.get(id, context);
  }

  async restoreRunning(): Promise<boolean> {
    return this.snapshots.restoreRunning();
  }
}
