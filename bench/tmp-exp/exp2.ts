import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowApi } from '../engine/lib/http-client';
import { SiroccoServer } from '../engine/lib/servers';

async function main() {
  const s = await SiroccoServer.start('sirocco_bench');
  const api = new WorkflowApi('Sirocco', `${s.url}/v2`);
  for (const f of ['../engine/workflows/sirocco/chain100.yaml', 'chain1000.yaml']) await api.registerWorkflows(readFileSync(`${__dirname}/${f}`, 'utf8'));
  const poll = { pollMs: 25, timeoutMs: 120000 };
  await sleep(2000);
  for (const wf of ['bench_chain100', 'exp_chain1000', 'exp_chain1000', 'exp_chain1000']) {
    // a side prober: GET / every 5 ms, records the worst latency while the execution runs
    let stop = false; let worst = 0; let n = 0;
    const prober = (async () => { while (!stop) { const a = performance.now(); await fetch(`${s.url}/`).then((r) => r.arrayBuffer()); worst = Math.max(worst, performance.now() - a); n++; await sleep(5); } })();
    await sleep(50);
    const t0 = performance.now();
    const id = await api.startExecution(wf);
    const t1 = performance.now();
    const { seenAt } = await api.waitForSuccess(id, poll);
    stop = true; await prober;
    console.log(`${wf}: create ${(t1 - t0).toFixed(0)} ms, total ${(seenAt - t0).toFixed(0)} ms; GET / worst latency ${worst.toFixed(0)} ms over ${n} probes`);
    await sleep(1000);
  }
  await s.stop();
}
main().catch((e) => { console.error(e); process.exit(1); });
