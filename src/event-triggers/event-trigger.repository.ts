import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { applyListRequest, type ListRequest } from '../common/list-query';
import { EventTriggerEntity } from './event-trigger.entity';
import { EVENT_TRIGGER_LIST_SPEC } from './event-trigger.mapper';
import { deleteTableRows, exportTableRows, importTableRows, type SnapshotTables } from '../database/table-rows';

/** The NOTIFY channel that tells every instance the set of (exchange, topic) pairs may have changed. */
export const EVENT_TRIGGERS_CHANNEL = 'sirocco_event_triggers';

/** Who may see a trigger: its project, or anyone when it is public. */
export interface EventTriggerReader {
  projectId: string;
  isAdmin: boolean;
}

/** An (exchange, topic) pair some trigger listens on: one shared queue each. */
export interface ListenedTopic {
  exchange: string;
  topic: string;
}

/** All SQL on event_triggers and event_trigger_deliveries. */
@Injectable()
export class EventTriggerRepository {
  constructor(
    @InjectRepository(EventTriggerEntity) private readonly triggers: Repository<EventTriggerEntity>,
    private readonly dataSource: DataSource,
  ) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insert(manager: EntityManager, trigger: EventTriggerEntity): Promise<void> {
    await manager.insert(EventTriggerEntity, trigger as unknown as QueryDeepPartialEntity<EventTriggerEntity>);
    await this.notifyChanged(manager);
  }

  async save(manager: EntityManager, trigger: EventTriggerEntity): Promise<void> {
    await manager.save(EventTriggerEntity, trigger);
  }

  async delete(manager: EntityManager, triggerId: string): Promise<void> {
    await manager.delete(EventTriggerEntity, { id: triggerId });
    await this.notifyChanged(manager);
  }

  lock(manager: EntityManager, triggerId: string): Promise<EventTriggerEntity | null> {
    return manager.findOne(EventTriggerEntity, { where: { id: triggerId }, lock: { mode: 'pessimistic_write' } });
  }

  /** A trigger the reader may see: its project's, a public one, or any for an admin. */
  findReadable(id: string, reader: EventTriggerReader): Promise<EventTriggerEntity | null> {
    const qb = this.triggers.createQueryBuilder('t').where('t.id = :id', { id });
    if (!reader.isAdmin) qb.andWhere("(t.project_id = :project OR t.scope = 'public')", { project: reader.projectId });
    return qb.getOne();
  }

  async list(request: ListRequest, reader: EventTriggerReader, allProjects: boolean): Promise<EventTriggerEntity[]> {
    const qb = this.triggers.createQueryBuilder('t');
    if (!(allProjects && reader.isAdmin)) qb.where("(t.project_id = :project OR t.scope = 'public')", { project: reader.projectId });
    await applyListRequest(qb, EVENT_TRIGGER_LIST_SPEC, request);
    return qb.getMany();
  }

  async idsUsingWorkflow(workflowId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM event_triggers WHERE workflow_id = $1 ORDER BY created_at, id`, [workflowId]);
    return rows.map((row) => row.id);
  }

  /** Every (exchange, topic) pair a trigger listens on. */
  listenedTopics(): Promise<ListenedTopic[]> {
    return this.dataSource.query(`SELECT DISTINCT exchange, topic FROM event_triggers ORDER BY exchange, topic`);
  }

  /** The triggers a notification of `event` on (exchange, topic) fires; `projectId` limits them to that project's and public ones. */
  matching(exchange: string, topic: string, event: string, projectId: string | null): Promise<EventTriggerEntity[]> {
    const qb = this.triggers
      .createQueryBuilder('t')
      .where('t.exchange = :exchange AND t.topic = :topic AND t.event = :event', { exchange, topic, event })
      .orderBy('t.created_at')
      .addOrderBy('t.id');
    if (projectId !== null) qb.andWhere("(t.project_id = :project OR t.scope = 'public')", { project: projectId });
    return qb.getMany();
  }

  /**
   * Records that the notification `messageId` fired the trigger, in the transaction that starts
   * the execution. False when it already did (a redelivery, or another instance got it first: the
   * insert waits for that instance's transaction and then finds its row).
   */
  async claimDelivery(manager: EntityManager, triggerId: string, messageId: string, executionId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO event_trigger_deliveries (trigger_id, message_id, execution_id) VALUES ($1, $2, $3)
         ON CONFLICT (trigger_id, message_id) DO NOTHING RETURNING trigger_id`,
      [triggerId, messageId, executionId],
    );
    return rows.length === 1;
  }

  /** Whether the trigger row still exists, locked against deletion until the transaction ends. */
  async lockShared(manager: EntityManager, triggerId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(`SELECT id FROM event_triggers WHERE id = $1 FOR SHARE`, [triggerId]);
    return rows.length === 1;
  }

  /** Forgets deliveries older than `days` days: the broker redelivers within minutes, not days. */
  async pruneDeliveries(days: number): Promise<void> {
    await this.dataSource.query(`DELETE FROM event_trigger_deliveries WHERE received_at < now() - make_interval(days => $1)`, [days]);
  }

  private async notifyChanged(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_notify($1, '')`, [EVENT_TRIGGERS_CHANNEL]);
  }

  // ---- service snapshots (snapshots/ reads and replaces the whole state through these)

  async exportForSnapshot(manager: EntityManager): Promise<SnapshotTables> {
    return {
      event_triggers: await exportTableRows(manager, 'event_triggers', 'created_at, id'),
      event_trigger_deliveries: await exportTableRows(manager, 'event_trigger_deliveries', 'received_at, trigger_id, message_id'),
    };
  }

  async clearForRestore(manager: EntityManager): Promise<void> {
    await deleteTableRows(manager, 'event_trigger_deliveries');
    await deleteTableRows(manager, 'event_triggers');
  }

  async importFromSnapshot(manager: EntityManager, tables: SnapshotTables): Promise<void> {
    await importTableRows(manager, 'event_triggers', tables.event_triggers ?? []);
    await importTableRows(manager, 'event_trigger_deliveries', tables.event_trigger_deliveries ?? []);
    // every instance's consumer listens to the restored triggers' queues
    await this.notifyChanged(manager);
  }
}
