import { readFileSync } from 'node:fs';
import { parseWorkflowDefinition } from './src/workflows/language';
for (const file of process.argv.slice(2)) {
  const result = parseWorkflowDefinition(readFileSync(file, 'utf8')) as any;
  console.log(file, result.ok ?? '', JSON.stringify(result.errors ?? result.error ?? 'ok', null, 1).slice(0, 3000));
}
