import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { CronTriggerEntity } from './cron-trigger.entity';
import { TriggerFiringEntity } from './trigger-firing.entity';

/** One trigger's schedule after a firing: compare-and-swap from `previous`. */
export interface ScheduleAdvance {
  id: string;
  previous: Date;
  next: Date | null;
  fireAt: Date | null;
  remaining: number | null;
}

/** What the daily check found of one trigger's trust. */
export type TrustCheck = { status: 'ok' | 'broken'; error: string | null };

/**
 * The firing paths' SQL (TriggerFirer, TriggerFiringLoop). These are the exactly-once paths: row
 * locks with SKIP LOCKED (a trigger another instance holds is its to fire), one firing row per
 * trigger and slot (unique), and a compare-and-swap on next_execution_time.
 */
@Injectable()
export class TriggerFiringRepository {
  /** cron_triggers column name -> CronTriggerEntity property, from TypeORM's metadata */
  private columns?: Array<[string, string]>;

  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Claims up to `limit` due triggers for this transaction, earliest first, through the partial
   * index cron_triggers_due, in its order (the claim reads about `limit` entries). SKIP LOCKED in
   * the selecting query itself: concurrent claims (workers, replicas) each get a set of their own
   * instead of racing for the same first rows. `excluded`: triggers whose firing failed this
   * round, left for the next one.
   */
  async claimDueTriggers(manager: EntityManager, limit: number, now: Date, excluded: string[] = []): Promise<CronTriggerEntity[]> {
    // an ordered index scan that stops after `limit` rows, whatever the statistics say: a bitmap
    // scan (chosen when they under-count the due rows) sorts every due row at every claim
    await manager.query('SET LOCAL enable_bitmapscan = off');
    // plain SQL, rows mapped by the entity's column list: TypeORM's query building and hydration
    // cost more than the firing itself for a batch of hundreds
    const rows: Array<Record<string, unknown>> = await manager.query(
      `SELECT * FROM cron_triggers t
        WHERE t.enabled AND t.finished_at IS NULL AND t.next_fire_at IS NOT NULL AND t.next_fire_at <= $1
          AND NOT (t.id = ANY($2::uuid[]))
        ORDER BY t.next_fire_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [now, excluded, limit],
    );
    return rows.map((row) => this.triggerOf(manager, row));
  }

  /** A claimed row as the entity (pg already parses timestamptz, jsonb and integer as TypeORM would). */
  private triggerOf(manager: EntityManager, row: Record<string, unknown>): CronTriggerEntity {
    this.columns ??= manager.connection.getMetadata(CronTriggerEntity).columns.map((column) => [column.databaseName, column.propertyName]);
    const trigger = new CronTriggerEntity() as unknown as Record<string, unknown>;
    for (const [column, property] of this.columns) trigger[property] = row[column];
    return trigger as unknown as CronTriggerEntity;
  }

  /**
   * Due triggers in (next_fire_at, id) order after `after`: maintenance mode walks all of them
   * without locking or advancing any.
   */
  dueTriggersPage(limit: number, after: { fireAt: Date; id: string } | null): Promise<CronTriggerEntity[]> {
    const query = this.dataSource
      .createQueryBuilder(CronTriggerEntity, 't')
      .where('t.enabled AND t.finished_at IS NULL AND t.next_fire_at IS NOT NULL AND t.next_fire_at <= now()')
      .orderBy('t.next_fire_at', 'ASC')
      .addOrderBy('t.id', 'ASC')
      .limit(limit);
    if (after) query.andWhere('(t.next_fire_at, t.id) > (:fireAt, :id)', after);
    return query.getMany();
  }

  /** Slots recorded as skipped (maintenance mode); a slot already recorded stays as it is. */
  async insertSkips(firings: TriggerFiringEntity[]): Promise<void> {
    if (firings.length === 0) return;
    await this.dataSource.createQueryBuilder().insert().into(TriggerFiringEntity).values(firings).orIgnore().execute();
  }

  /**
   * Removes the skipped records of slots about to fire after all (maintenance ended and the
   * misfire policy runs them), so that their firing takes the slot's place.
   */
  async clearSkips(manager: EntityManager, slots: Array<{ triggerId: string; scheduledFor: Date }>, reason: string): Promise<void> {
    if (slots.length === 0) return;
    await manager.query(
      `DELETE FROM trigger_firings f USING unnest($1::uuid[], $2::timestamptz[]) AS s(trigger_id, scheduled_for)
        WHERE f.trigger_id = s.trigger_id AND f.scheduled_for = s.scheduled_for AND f.outcome = 'skipped' AND f.error = $3`,
      [slots.map((slot) => slot.triggerId), slots.map((slot) => slot.scheduledFor), reason],
    );
  }

  /** Locks one trigger (waiting for it), or null when it was deleted. */
  lockTrigger(manager: EntityManager, triggerId: string): Promise<CronTriggerEntity | null> {
    return manager.findOne(CronTriggerEntity, { where: { id: triggerId }, lock: { mode: 'pessimistic_write' } });
  }

  /** Locks those of `triggerIds` that are due and not held by another transaction (SKIP LOCKED): a failed batch's retry. */
  lockDueTriggers(manager: EntityManager, triggerIds: string[], now: Date): Promise<CronTriggerEntity[]> {
    return manager
      .createQueryBuilder(CronTriggerEntity, 't')
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .where('t.id IN (:...triggerIds) AND t.enabled AND t.finished_at IS NULL AND t.next_fire_at <= :now', { triggerIds, now })
      .getMany();
  }

  /** Unique (trigger_id, scheduled_for): a slot fired twice aborts the whole transaction. */
  async insertFirings(manager: EntityManager, firings: TriggerFiringEntity[]): Promise<void> {
    if (firings.length === 0) return;
    // one statement whatever the batch size: each column an array parameter
    await manager.query(
      `INSERT INTO trigger_firings (id, trigger_id, scheduled_for, fired_at, execution_id, outcome, error)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::uuid[], $6::text[], $7::text[])`,
      [
        firings.map((f) => f.id),
        firings.map((f) => f.triggerId),
        firings.map((f) => f.scheduledFor),
        firings.map((f) => f.firedAt),
        firings.map((f) => f.executionId ?? null),
        firings.map((f) => f.outcome),
        firings.map((f) => f.error ?? null),
      ],
    );
  }

  /** Moves the schedules on; returns how many triggers were still at `previous`. */
  async advanceSchedules(manager: EntityManager, advances: ScheduleAdvance[], now: Date): Promise<number> {
    const [, affected] = (await manager.query(
      `UPDATE cron_triggers t
          SET next_execution_time = u.next, next_fire_at = u.fire_at, remaining_executions = u.remaining,
              finished_at = CASE WHEN u.next IS NULL THEN $6::timestamptz ELSE NULL END
         FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::int[]) AS u(id, previous, next, fire_at, remaining)
        WHERE t.id = u.id AND date_trunc('milliseconds', t.next_execution_time) = u.previous`,
      [
        advances.map((a) => a.id),
        advances.map((a) => a.previous),
        advances.map((a) => a.next),
        advances.map((a) => a.fireAt),
        advances.map((a) => a.remaining),
        now,
      ],
    )) as [unknown, number];
    return affected;
  }

  /** The fire-time trust check's result, kept on the trigger for the API. */
  async recordFireTimeTrustCheck(manager: EntityManager, triggerId: string, problem: string | null): Promise<void> {
    await manager.update(CronTriggerEntity, triggerId, { trustStatus: problem ? 'broken' : 'ok', trustCheckedAt: new Date(), trustError: problem });
  }

  /**
   * Of these triggers (those with a trust), up to 50 unfinished ones not checked for a day, least
   * recently checked first, locked (SKIP LOCKED: replicas share the work).
   */
  async lockStaleTrustChecks(manager: EntityManager, triggerIds: string[]): Promise<string[]> {
    const due: Array<{ id: string }> = await manager.query(
      `SELECT t.id FROM cron_triggers t
        WHERE t.id = ANY($1::uuid[]) AND t.finished_at IS NULL
          AND (t.trust_checked_at IS NULL OR t.trust_checked_at < now() - interval '1 day')
        ORDER BY t.trust_checked_at NULLS FIRST LIMIT 50 FOR UPDATE OF t SKIP LOCKED`,
      [triggerIds],
    );
    return due.map((row) => row.id);
  }

  async recordDailyTrustCheck(manager: EntityManager, triggerId: string, check: TrustCheck): Promise<void> {
    await manager.query(`UPDATE cron_triggers SET trust_status = $2, trust_checked_at = now(), trust_error = $3 WHERE id = $1`, [
      triggerId,
      check.status,
      check.error,
    ]);
  }

  /** Enabled, unfinished triggers (a restore looks for their overdue slots). */
  liveTriggers(manager: EntityManager): Promise<CronTriggerEntity[]> {
    return manager.createQueryBuilder(CronTriggerEntity, 't').where('t.enabled AND t.finished_at IS NULL').orderBy('t.id').getMany();
  }

  /**
   * Overdue slots after a restore. A slot the archive recorded as skipped (maintenance mode) was not
   * run either: it turns FAILED too; a slot that fired stays as it is.
   */
  async insertOverdue(manager: EntityManager, firings: TriggerFiringEntity[]): Promise<void> {
    if (firings.length === 0) return;
    await manager.query(
      `INSERT INTO trigger_firings (id, trigger_id, scheduled_for, fired_at, execution_id, outcome, error)
       SELECT id, trigger_id, scheduled_for, fired_at, NULL, 'failed', error
         FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::text[]) AS f(id, trigger_id, scheduled_for, fired_at, error)
       ON CONFLICT (trigger_id, scheduled_for) DO UPDATE SET outcome = 'failed', error = EXCLUDED.error, fired_at = EXCLUDED.fired_at
        WHERE trigger_firings.outcome = 'skipped'`,
      [firings.map((f) => f.id), firings.map((f) => f.triggerId), firings.map((f) => f.scheduledFor), firings.map((f) => f.firedAt), firings.map((f) => f.error)],
    );
  }
}
