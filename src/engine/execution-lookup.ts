import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ExecutionLookupRegistry, type ExecutionLookup, type ExecutionOrigin } from '../identity/trusts/execution-lookup';

/**
 * The engine's answers to identity/trusts about executions (which trigger and root a run has,
 * which ended or still run), so that trusts need no SQL on the engine's tables.
 */
@Injectable()
export class EngineExecutionLookup implements ExecutionLookup, OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: ExecutionLookupRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async originOf(executionId: string): Promise<ExecutionOrigin | null> {
    const rows: Array<{ trigger_id: string | null; root_id: string }> = await this.dataSource.query(
      `SELECT e.trigger_id, COALESCE(e.root_execution_id, e.id) AS root_id FROM workflow_executions e WHERE e.id = $1`,
      [executionId],
    );
    return rows[0] ? { triggerId: rows[0].trigger_id, rootExecutionId: rows[0].root_id } : null;
  }

  async releasedExecutions(executionIds: string[], keepAfterEndSeconds: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT u.id FROM unnest($1::uuid[]) AS u(id)
         LEFT JOIN workflow_executions e ON e.id = u.id
        WHERE e.id IS NULL
           OR (e.state IN ('SUCCESS', 'ERROR', 'CANCELLED') AND COALESCE(e.updated_at, e.created_at) < now() - make_interval(secs => $2::int))`,
      [executionIds, keepAfterEndSeconds],
    );
    return rows.map((row) => row.id);
  }

  async triggersWithLiveExecutions(triggerIds: string[]): Promise<string[]> {
    const rows: Array<{ trigger_id: string }> = await this.dataSource.query(
      `SELECT DISTINCT e.trigger_id FROM workflow_executions e
        WHERE e.trigger_id = ANY($1::uuid[]) AND e.state IN ('RUNNING', 'PAUSED', 'IDLE')`,
      [triggerIds],
    );
    return rows.map((row) => row.trigger_id);
  }
}
