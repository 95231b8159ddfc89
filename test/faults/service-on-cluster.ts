import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from '../support/free-port';
import { ServiceProcess } from '../support/service-process';
import { NO_DEFINITIONS_DIR } from '../support/test-app';
import { PgCluster } from './pg-cluster';

/** The service's database bounds in the fault suites: a request while the database is away fails within seconds. */
const QUICK_DATABASE_BOUNDS = { SIROCCO_DB_STATEMENT_TIMEOUT_MS: '1000', SIROCCO_DB_CONNECT_TIMEOUT_MS: '1000' };

export interface ServiceOnCluster {
  cluster: PgCluster;
  service: ServiceProcess;
  /** http://127.0.0.1:<port> of the service */
  base: string;
  /**
   * Kills the service with `signal` (SIGKILL: a crash, nothing runs on its way out) and starts it
   * again with the same settings, port and data folder; `service` is then the new process.
   */
  restartService(signal?: NodeJS.Signals): Promise<ServiceProcess>;
  /**
   * Wakes a frozen cluster, stops the service, keeps its output in the temporary folder
   * (sirocco-<label>-service.log, for a failure's post-mortem), then removes the cluster and the data folder.
   */
  stop(): Promise<void>;
}

/**
 * The service in its own process on a PostgreSQL cluster of its own (see PgCluster), with an
 * empty definitions folder, a data folder of its own and short database bounds; `env` adds or
 * overrides settings. What every fault suite starts with.
 */
export async function startServiceOnCluster(label: string, env: Record<string, string> = {}): Promise<ServiceOnCluster> {
  const cluster = await PgCluster.start();
  const workDir = mkdtempSync(path.join(tmpdir(), `sirocco-${label}-`));
  const port = await freePort();
  let service: ServiceProcess;
  const serviceEnv = {
    DATABASE_URL: cluster.url,
    SIROCCO_PORT: String(port),
    SIROCCO_DATA_DIR: workDir,
    SIROCCO_DEFINITIONS_DIR: NO_DEFINITIONS_DIR,
    ...QUICK_DATABASE_BOUNDS,
    ...env,
  };
  let earlierLogs = '';
  try {
    service = await ServiceProcess.start(serviceEnv, 120000);
  } catch (error) {
    await cluster.destroy();
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  return {
    cluster,
    get service() {
      return service;
    },
    base: `http://127.0.0.1:${port}`,
    restartService: async (signal: NodeJS.Signals = 'SIGKILL') => {
      if (service.alive) await service.stop(signal);
      earlierLogs += service.log;
      service = await ServiceProcess.start(serviceEnv, 120000);
      return service;
    },
    stop: async () => {
      try {
        cluster.signalAll('SIGCONT');
      } catch {
        // the cluster is not running
      }
      if (service.alive) await service.stop();
      writeFileSync(path.join(tmpdir(), `sirocco-${label}-service.log`), earlierLogs + service.log);
      await cluster.destroy();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
