import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describeSnapshotWorkflows } from './snapshot-scenarios';

const YAQL_DIR = path.resolve(__dirname, '../fixtures/yaql');

/**
 * CERN's three workflows as Mistral users wrote them, in YAQL (test/fixtures/yaql/): Sirocco converts
 * them to JSONata when it loads them, and the converted workflows pass every scenario of the shipped
 * JSONata definitions (snapshot-workflows.e2e-spec.ts).
 */
describeSnapshotWorkflows('the YAQL versions of the snapshot workflows, converted on load (fake cloud)', YAQL_DIR, (app) => {
  it.each(['instance_snapshot', 'restore_clone_snapshot', 'restore_inplace_snapshot'])('%s keeps its YAQL text as the stored definition', async (name) => {
    const response = await app().http.get(`/v2/workflows/${name}`).expect(200);
    expect(response.body.definition).toBe(readFileSync(path.join(YAQL_DIR, `${name}.yaml`), 'utf8'));
    expect(response.body.definition).toContain('task().result');
  });
});
