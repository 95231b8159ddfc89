import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowApi } from '/work/main/bench/engine/lib/http-client';
import { SiroccoServer } from '/work/main/bench/engine/lib/servers';

async function main() {
  const s = await SiroccoServer.start('sirocco_bench');
  const api = new WorkflowApi('Sirocco', `${s.url}/v2`);
  for (const f of ['chain10', 'chain100']) await api.registerWorkflows(readFileSync(`/work/main/bench/engine/workflows/sirocco/${f}.yaml`, 'utf8'));
  const poll = { pollMs: 25, timeoutMs: 60000 };
  const gaps = (process.env.GAPS ?? '500,500,500,3000,6000,11000,11000,500,500').split(',').map(Number);
  await sleep(3000);
  for (const gap of gaps) {
    await sleep(gap);
    const t0 = performance.now();
    const id = await api.startExecution(process.env.WF ?? 'bench_chain100');
    const t1 = performance.now();
    const { seenAt } = await api.waitForSuccess(id, poll);
    console.log(`gap ${gap} ms: create ${(t1 - t0).toFixed(0)} ms, total ${(seenAt - t0).toFixed(0)} ms`);
  }
  await s.stop();
}
main().catch((e) => { console.error(e); process.exit(1); });
