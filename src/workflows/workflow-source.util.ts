import { isMap, isScalar, parseDocument } from 'yaml';

/**
 * The YAML text of each workflow of a definition, keyed by name. A one-workflow definition is kept
 * whole, as written; a definition with several is cut into one text per workflow, each with the
 * version header, so that each stored workflow shows its own definition.
 */
export function workflowSourceTexts(text: string, names: string[]): Map<string, string> {
  const sources = new Map<string, string>();
  if (names.length === 1) {
    sources.set(names[0], text);
    return sources;
  }
  const document = parseDocument(text, { keepSourceTokens: true });
  const root = document.contents;
  if (!isMap(root)) return sources;
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (!key || !names.includes(key) || !isScalar(pair.key) || !pair.key.range) continue;
    const start = lineStart(text, pair.key.range[0]);
    const value = pair.value as { range?: [number, number, number] } | null;
    const end = value?.range ? value.range[2] : pair.key.range[2];
    sources.set(key, `---\nversion: '2.0'\n\n${text.slice(start, end).replace(/\s+$/, '')}\n`);
  }
  return sources;
}

function lineStart(text: string, offset: number): number {
  const newline = text.lastIndexOf('\n', offset - 1);
  return newline + 1;
}
