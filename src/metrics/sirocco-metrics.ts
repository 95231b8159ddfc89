import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RunObservations } from './run-observations';

/** Seconds from 5 ms to about 3 h: instant actions and long snapshot tasks alike. */
const DURATION_BUCKETS = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 10800];
/** Seconds from 5 ms to 1 min: one OpenStack HTTP call. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds a firing came after its slot: the loop ticks each second, 60 s is the alerting threshold. */
const LATENESS_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600];
/** A database read for a scrape gives up after this long (the scrape still answers, without it). */
const SCRAPE_READ_TIMEOUT_MS = 3000;

/** One sample of a gauge read from the database at scrape time. */
export interface GaugeSample<L extends string> {
  labels: Partial<Record<L, string>>;
  value: number;
}

/** A gauge whose samples a feature reads through its own repository when Prometheus scrapes. */
export interface DatabaseGauge<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  read(): Promise<Array<GaugeSample<L>>>;
}

/** What an OpenStack HTTP call was: one attempt, retries counted apart. */
export interface OpenStackCall {
  /** compute, image, volume, identity... (the catalog's service label) */
  service: string;
  method: string;
  /** the HTTP status, or null when the service could not be reached */
  status: number | null;
  seconds: number;
}

/**
 * The service's Prometheus registry (one per application, so several instances in one process,
 * e.g. tests, keep their own numbers). Features record into it through the plain methods below;
 * features that own a table register gauges read at scrape time (`addDatabaseGauge`).
 */
export class SiroccoMetrics {
  readonly registry = new Registry();

  private readonly executionsStarted = new Counter({
    name: 'sirocco_executions_started_total',
    help: 'Workflow executions created (top-level and sub-workflows), by workflow name',
    labelNames: ['workflow'] as const,
    registers: [this.registry],
  });

  private readonly executionsFinished = new Counter({
    name: 'sirocco_executions_finished_total',
    help: 'Workflow executions that reached SUCCESS, ERROR or CANCELLED, by workflow name and state',
    labelNames: ['workflow', 'state'] as const,
    registers: [this.registry],
  });

  private readonly taskDuration = new Histogram({
    name: 'sirocco_task_duration_seconds',
    help: "Duration of finished tasks (start to end, retries and waits included), by the task's action ('workflow' for a sub-workflow task) and state",
    labelNames: ['action', 'state'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly actionDuration = new Histogram({
    name: 'sirocco_action_duration_seconds',
    help: 'Duration of finished action executions (created to result), by action name and state',
    labelNames: ['action', 'state'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly openstackRequests = new Counter({
    name: 'sirocco_openstack_requests_total',
    help: 'HTTP calls to OpenStack services (each attempt), by service, method and status code ("unreachable" when no answer came)',
    labelNames: ['service', 'method', 'status'] as const,
    registers: [this.registry],
  });

  private readonly openstackLatency = new Histogram({
    name: 'sirocco_openstack_request_duration_seconds',
    help: 'Latency of HTTP calls to OpenStack services, by service and status code',
    labelNames: ['service', 'status'] as const,
    buckets: CALL_BUCKETS,
    registers: [this.registry],
  });

  private readonly triggerFirings = new Counter({
    name: 'sirocco_trigger_firings_total',
    help: "Cron trigger firings committed by this instance, by workflow and outcome (started, failed, skipped) and kind (scheduled, manual)",
    labelNames: ['workflow', 'outcome', 'kind'] as const,
    registers: [this.registry],
  });

  private readonly firingLateness = new Histogram({
    name: 'sirocco_trigger_firing_lateness_seconds',
    help: 'How long after its scheduled slot a cron trigger fired (fired_at - scheduled_for), scheduled firings only, by workflow',
    labelNames: ['workflow'] as const,
    buckets: LATENESS_BUCKETS,
    registers: [this.registry],
  });

  private readonly eventTriggerFirings = new Counter({
    name: 'sirocco_event_trigger_firings_total',
    help: 'Executions started by event triggers (OpenStack notifications) on this instance, by workflow and outcome (started, failed)',
    labelNames: ['workflow', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly trustChecks = new Counter({
    name: 'sirocco_trust_checks_total',
    help: "Checks of cron triggers' Keystone trusts (at firing and daily), by result (ok, broken)",
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  private readonly leasesTakenOver = new Counter({
    name: 'sirocco_action_leases_taken_over_total',
    help: 'Running actions whose lease lapsed (their instance died or stalled) and that this instance took over',
    registers: [this.registry],
  });

  private readonly scrapeReadFailures = new Counter({
    name: 'sirocco_metrics_read_failures_total',
    help: 'Gauges read from the database at scrape time that failed or timed out (the scrape answered without them), by metric',
    labelNames: ['metric'] as const,
    registers: [this.registry],
  });

  /** the reads of the database gauges, run before each scrape is written */
  private readonly databaseReads: Array<() => Promise<void>> = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** What one committed engine transaction did (executions started and ended, tasks and actions ended). */
  recordRun(observed: RunObservations | undefined): void {
    if (!observed) return;
    for (const workflow of observed.started) this.executionsStarted.inc({ workflow });
    for (const { workflow, state } of observed.finished) this.executionsFinished.inc({ workflow, state });
    for (const { action, state, seconds } of observed.tasks) this.taskDuration.observe({ action, state }, Math.max(0, seconds));
    for (const { action, state, seconds } of observed.actions) this.actionDuration.observe({ action, state }, Math.max(0, seconds));
  }

  /** An action run outside any workflow (POST /v2/action_executions) ended. */
  actionFinished(action: string, state: string, seconds: number): void {
    this.actionDuration.observe({ action, state }, Math.max(0, seconds));
  }

  openstackCall(call: OpenStackCall): void {
    const status = call.status === null ? 'unreachable' : String(call.status);
    this.openstackRequests.inc({ service: call.service, method: call.method, status });
    this.openstackLatency.observe({ service: call.service, status }, Math.max(0, call.seconds));
  }

  /** A committed firing; `latenessSeconds` for scheduled ones (not for "fire now"). */
  triggerFiring(workflow: string, outcome: string, latenessSeconds: number | null): void {
    this.triggerFirings.inc({ workflow, outcome, kind: latenessSeconds === null ? 'manual' : 'scheduled' });
    if (latenessSeconds !== null) this.firingLateness.observe({ workflow }, Math.max(0, latenessSeconds));
  }

  /** A notification started (or failed to start) a trigger's execution; committed. */
  eventTriggerFiring(workflow: string, failed: boolean): void {
    this.eventTriggerFirings.inc({ workflow, outcome: failed ? 'failed' : 'started' });
  }

  trustCheck(ok: boolean): void {
    this.trustChecks.inc({ result: ok ? 'ok' : 'broken' });
  }

  leasesTaken(count: number): void {
    if (count > 0) this.leasesTakenOver.inc(count);
  }

  /** A gauge computed when Prometheus scrapes, from a synchronous source (e.g. the connection pool). */
  addGauge<L extends string>(definition: { name: string; help: string; labelNames: readonly L[]; read(): Array<GaugeSample<L>> }): void {
    new Gauge<L>({
      name: definition.name,
      help: definition.help,
      labelNames: definition.labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const sample of definition.read()) this.set(sample.labels, sample.value);
      },
    });
  }

  /**
   * A gauge read through the owning feature's repository when Prometheus scrapes. A read that
   * fails or takes longer than 3 s leaves the gauge empty for that scrape and counts in
   * sirocco_metrics_read_failures_total: the rest of the scrape still answers.
   */
  addDatabaseGauge<L extends string>(definition: DatabaseGauge<L>): void {
    const entry: { read: () => Promise<void>; samples: Array<GaugeSample<L>> } = { samples: [], read: async () => undefined };
    entry.read = async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), SCRAPE_READ_TIMEOUT_MS);
      });
      try {
        entry.samples = await Promise.race([definition.read(), timeout]);
      } catch {
        entry.samples = [];
        this.scrapeReadFailures.inc({ metric: definition.name });
      } finally {
        clearTimeout(timer);
      }
    };
    this.databaseReads.push(entry.read);
    new Gauge<L>({
      name: definition.name,
      help: definition.help,
      labelNames: definition.labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const sample of entry.samples) this.set(sample.labels, sample.value);
      },
    });
  }

  /** The exposition text (Prometheus text format 0.0.4); the database gauges are read first, together. */
  async exposition(): Promise<string> {
    await Promise.all(this.databaseReads.map((read) => read()));
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
