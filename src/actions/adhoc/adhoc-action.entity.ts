import { Column, CreateDateColumn, Entity, PrimaryColumn, Unique } from 'typeorm';
import type { AdhocActionSpec, AdhocScope } from './adhoc-action.types';

/** An action a user defined over another one (Mistral's ad-hoc action), or one of a workbook. */
@Entity('adhoc_actions')
@Unique('adhoc_actions_name_namespace_project', ['name', 'namespace', 'projectId'])
export class AdhocActionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text', { default: '' })
  namespace!: string;

  @Column('text', { name: 'project_id' })
  projectId!: string;

  @Column('text', { default: 'private' })
  scope!: AdhocScope;

  @Column('text', { nullable: true })
  description!: string | null;

  @Column('text', { array: true, default: () => "'{}'" })
  tags!: string[];

  /** Mistral's parameter line, e.g. `a, b=1`; null without parameters */
  @Column('text', { nullable: true })
  input!: string | null;

  /** the YAML text it was uploaded in, as the user wrote it (all the actions of that upload) */
  @Column('text')
  definition!: string;

  @Column('jsonb')
  spec!: AdhocActionSpec;

  /** set for the actions of a workbook (named `<workbook>.<action>`): replaced and deleted with it */
  @Column('text', { name: 'workbook_name', nullable: true })
  workbookName!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;
}
