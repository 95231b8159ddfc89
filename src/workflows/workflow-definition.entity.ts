import { Column, CreateDateColumn, Entity, PrimaryColumn, Unique } from 'typeorm';
import type { WorkflowSpec } from './language';

export type WorkflowScope = 'private' | 'public';

/** One stored workflow: its YAML text and the validated, normalised spec the engine runs. */
@Entity('workflow_definitions')
@Unique('workflow_definitions_name_namespace_project', ['name', 'namespace', 'projectId'])
export class WorkflowDefinitionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text', { default: '' })
  namespace!: string;

  @Column('text', { name: 'project_id' })
  projectId!: string;

  @Column('text', { default: 'private' })
  scope!: WorkflowScope;

  /** the YAML of this workflow as the user wrote it */
  @Column('text')
  definition!: string;

  @Column('jsonb')
  spec!: WorkflowSpec;

  @Column('text', { array: true, default: () => "'{}'" })
  tags!: string[];

  /** where the workflow came from: 'api' or 'definitions/<file>' */
  @Column('text', { default: 'api' })
  source!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;
}
