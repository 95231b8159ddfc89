import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowApi } from '../engine/lib/http-client';
import { SiroccoServer } from '../engine/lib/servers';
async function main() {
  const s = await SiroccoServer.start('sirocco_bench');
  const api = new WorkflowApi('Sirocco', `${s.url}/v2`);
  await api.registerWorkflows(readFileSync(`${__dirname}/chain1000.yaml`, 'utf8'));
  writeFileSync('/tmp/benchexp/url', s.url);
  console.log(s.url, s.pid, s.logFile);
  await sleep(Number(process.env.HOLD_S ?? 90) * 1000);
  await s.stop();
}
main().catch((e) => { console.error(e); process.exit(1); });
