import { Column, CreateDateColumn, Entity, PrimaryColumn, Unique } from 'typeorm';
import type { WorkbookSpec } from './workbook-definition.parser';

export type WorkbookScope = 'private' | 'public';

/** What a workbook keeps of its spec: its members are stored as workflows (and ad-hoc actions). */
export interface StoredWorkbookSpec {
  name: string;
  description?: string;
  tags: string[];
  /** short names of the member workflows */
  workflows: string[];
  actions: WorkbookSpec['actions'];
}

/** One workbook: its YAML as the user wrote it; its workflows live in workflow_definitions as `<name>.<workflow>`. */
@Entity('workbooks')
@Unique('workbooks_name_namespace_project', ['name', 'namespace', 'projectId'])
export class WorkbookEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text', { default: '' })
  namespace!: string;

  @Column('text', { name: 'project_id' })
  projectId!: string;

  @Column('text', { default: 'private' })
  scope!: WorkbookScope;

  @Column('text')
  definition!: string;

  @Column('jsonb')
  spec!: StoredWorkbookSpec;

  @Column('text', { array: true, default: () => "'{}'" })
  tags!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;
}
