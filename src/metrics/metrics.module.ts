import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MetricsController } from './metrics.controller';
import { SiroccoMetrics } from './sirocco-metrics';

/** The pg pool behind TypeORM's postgres driver (the counters pg keeps). */
interface PgPoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

/** Registers the connection-pool gauges, read from pg's own counters at scrape time. */
class PoolGauges implements OnModuleInit {
  constructor(
    private readonly metrics: SiroccoMetrics,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    const pool = () => (this.dataSource.driver as unknown as { master?: PgPoolStats }).master;
    this.metrics.addGauge({
      name: 'sirocco_database_pool_connections',
      help: 'Connections of the database pool: in_use (handed out), idle, max (the pool size)',
      labelNames: ['state'] as const,
      read: () => {
        const stats = pool();
        if (!stats) return [];
        return [
          { labels: { state: 'in_use' }, value: stats.totalCount - stats.idleCount },
          { labels: { state: 'idle' }, value: stats.idleCount },
          { labels: { state: 'max' }, value: stats.options?.max ?? 0 },
        ];
      },
    });
    this.metrics.addGauge({
      name: 'sirocco_database_pool_waiting',
      help: 'Requests waiting for a connection of the database pool',
      labelNames: [] as const,
      read: () => [{ labels: {}, value: pool()?.waitingCount ?? 0 }],
    });
  }
}

/**
 * Prometheus metrics: the registry (SiroccoMetrics, global, one per application) that the engine,
 * triggers, actions and identity record into, and GET /metrics. Low in the import order: it
 * imports no feature.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    { provide: SiroccoMetrics, useFactory: () => new SiroccoMetrics() },
    { provide: PoolGauges, inject: [SiroccoMetrics, DataSource], useFactory: (metrics: SiroccoMetrics, dataSource: DataSource) => new PoolGauges(metrics, dataSource) },
  ],
  exports: [SiroccoMetrics],
})
export class MetricsModule {}
