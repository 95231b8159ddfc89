import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deleteUnreferencedSpecs } from '../workflow-specs.repository';

/** The limits one round of retention applies (see SiroccoConfig['retention']). */
export interface RetentionRules {
  successDays: number;
  failureDays: number;
  maxPerWorkflow: number;
  maxPerTrigger: number;
}

const FINISHED = `('SUCCESS', 'ERROR', 'CANCELLED')`;
/** An ERROR execution still inside its own, longer, retention period ($2 days). */
const YOUNG_FAILURE = `(r.state = 'ERROR' AND $2::int > 0 AND r.updated_at >= now() - make_interval(days => $2::int))`;

/**
 * The SQL of the retention of finished executions. Only top-level executions are chosen (their
 * sub-workflows, tasks, actions and delayed jobs go with them), only once every execution of the
 * tree has ended, and a failure younger than `failureDays` is kept whatever the counts say.
 */
@Injectable()
export class ExecutionRetentionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Up to `limit` top-level executions the rules remove, oldest first. */
  async expired(rules: RetentionRules, limit: number): Promise<string[]> {
    if (!rules.successDays && !rules.failureDays && !rules.maxPerWorkflow && !rules.maxPerTrigger) return [];
    // every rule is in the statement, switched off by its 0, so the text (and its plan) is one
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `WITH ranked AS (
         SELECT id, state, updated_at,
                row_number() OVER (PARTITION BY project_id, workflow_namespace, workflow_name ORDER BY created_at DESC, id DESC) AS workflow_rank,
                CASE WHEN trigger_id IS NULL THEN 0
                     ELSE row_number() OVER (PARTITION BY trigger_id ORDER BY created_at DESC, id DESC) END AS trigger_rank
           FROM workflow_executions
          WHERE task_execution_id IS NULL AND state IN ${FINISHED}
       )
       SELECT r.id FROM ranked r
        WHERE (   ($1::int > 0 AND r.state IN ('SUCCESS', 'CANCELLED') AND r.updated_at < now() - make_interval(days => $1::int))
               OR ($2::int > 0 AND r.state = 'ERROR' AND r.updated_at < now() - make_interval(days => $2::int))
               OR ($3::int > 0 AND r.workflow_rank > $3::int AND NOT ${YOUNG_FAILURE})
               OR ($4::int > 0 AND r.trigger_rank > $4::int AND NOT ${YOUNG_FAILURE}))
          AND NOT EXISTS (SELECT 1 FROM workflow_executions c WHERE c.root_execution_id = r.id AND c.state NOT IN ${FINISHED})
        ORDER BY r.updated_at NULLS FIRST, r.id
        LIMIT $5`,
      [rules.successDays, rules.failureDays, rules.maxPerWorkflow, rules.maxPerTrigger, limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Deletes these top-level executions with their sub-workflows, in one statement, skipping any
   * the engine holds or that started again meanwhile (a rerun); returns how many were deleted.
   */
  async deleteTrees(ids: string[]): Promise<number> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `WITH doomed AS (
         SELECT id FROM workflow_executions
          WHERE id = ANY($1::uuid[]) AND task_execution_id IS NULL AND state IN ${FINISHED}
            FOR UPDATE SKIP LOCKED
       ),
       children AS (
         DELETE FROM workflow_executions WHERE root_execution_id IN (SELECT id FROM doomed) RETURNING id
       )
       DELETE FROM workflow_executions WHERE id IN (SELECT id FROM doomed) RETURNING id`,
      [ids],
    );
    return rows.length;
  }

  /** Up to `limit` specs no execution uses any more (skipping those an engine transaction holds); how many went. */
  deleteUnusedSpecs(limit: number): Promise<number> {
    return deleteUnreferencedSpecs(this.dataSource.manager, limit);
  }
}
