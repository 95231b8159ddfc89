import { Worker } from 'node:worker_threads';

/** The YAML library did not finish within the time left to the expression. */
export class YamlTimeout extends Error {}

/** The YAML library refused the text; `linePos` as the library reports it. */
export class YamlFailure extends Error {
  constructor(readonly linePos?: Array<{ line: number; col: number }>) {
    super('YAML failure');
  }
}

// one job per worker: a job past its deadline is ended by terminate(), which must not take others along
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const YAML = require(${JSON.stringify(require.resolve('yaml'))});
try {
  const value = workerData.op === 'dump'
    ? YAML.stringify(JSON.parse(workerData.text))
    : YAML.parse(workerData.text, { logLevel: 'error' });
  parentPort.postMessage({ value });
} catch (error) {
  parentPort.postMessage({ failed: true, linePos: error && error.linePos });
}`;

/**
 * `dump`: the YAML of a JSON text; `parse`: the value of a YAML text. The yaml library takes seconds
 * on inputs of a few hundred kilobytes, so large inputs run in a worker thread, ended when
 * `timeoutMs` passes: the event loop stays free meanwhile.
 */
export function yamlInWorker(op: 'dump' | 'parse', text: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { op, text },
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    const timer = setTimeout(() => {
      reject(new YamlTimeout());
      void worker.terminate();
    }, Math.max(timeoutMs, 1));
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      settle();
      void worker.terminate();
    };
    worker.once('message', (message: { value?: unknown; failed?: boolean; linePos?: Array<{ line: number; col: number }> }) =>
      finish(() => (message.failed ? reject(new YamlFailure(message.linePos)) : resolve(message.value))),
    );
    worker.once('error', () => finish(() => reject(new YamlFailure())));
  });
}
