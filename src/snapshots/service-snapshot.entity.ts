import { Column, Entity, PrimaryColumn } from 'typeorm';

export type SnapshotStatus = 'CREATING' | 'CREATED' | 'FAILED' | 'UPLOADED';
export type RestoreStatus = 'RUNNING' | 'DONE' | 'FAILED';

/** A snapshot of Sirocco itself (GET /v2/snapshots); the archive is read apart, only to download or restore. */
@Entity('service_snapshots')
export class ServiceSnapshotEntity {
  @PrimaryColumn('text')
  id!: string;

  @Column('text')
  status!: SnapshotStatus;

  @Column('text', { nullable: true })
  error!: string | null;

  @Column('boolean', { name: 'include_history' })
  includeHistory!: boolean;

  /** api, upload, or `action:<snapshot_id pattern>` (what the action's rotation counts) */
  @Column('text')
  origin!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'uploaded_at', nullable: true })
  uploadedAt!: Date | null;

  @Column('text', { name: 'sirocco_version', nullable: true })
  siroccoVersion!: string | null;

  @Column('text', { name: 'schema_version', nullable: true })
  schemaVersion!: string | null;

  @Column('jsonb')
  counts!: Record<string, number>;

  @Column('bigint', { name: 'archive_size', nullable: true, transformer: { to: (v: unknown) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  archiveSize!: number | null;

  @Column('bytea', { nullable: true, select: false })
  archive!: Buffer | null;

  @Column('text', { name: 'restore_status', nullable: true })
  restoreStatus!: RestoreStatus | null;

  @Column('text', { name: 'restore_error', nullable: true })
  restoreError!: string | null;

  @Column('timestamptz', { name: 'restore_started_at', nullable: true })
  restoreStartedAt!: Date | null;

  @Column('timestamptz', { name: 'restore_finished_at', nullable: true })
  restoreFinishedAt!: Date | null;
}
