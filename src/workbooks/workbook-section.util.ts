import { isMap, isScalar, parseDocument, stringify } from 'yaml';

/**
 * The text of each member of a workbook's section (`workflows` or `actions`), keyed by short name,
 * as Mistral stores it for the member: the member's own lines, from its name to its last line,
 * moved left to the first column (no version header). A member written in flow style
 * (`{...}`) is written out anew.
 */
export function workbookSectionTexts(text: string, section: 'workflows' | 'actions'): Map<string, string> {
  const texts = new Map<string, string>();
  const document = parseDocument(text, { uniqueKeys: false });
  const root = document.contents;
  if (!isMap(root)) return texts;
  const members = root.items.find((pair) => isScalar(pair.key) && pair.key.value === section)?.value;
  if (!isMap(members)) return texts;
  for (const pair of members.items) {
    if (!isScalar(pair.key) || !pair.key.range) continue;
    const name = String(pair.key.value);
    if (name === 'version') continue;
    const start = lineStart(text, pair.key.range[0]);
    const indent = pair.key.range[0] - start;
    const value = pair.value as { range?: [number, number, number]; flow?: boolean } | null;
    if (members.flow || !value?.range) {
      const data = document.toJS({ maxAliasCount: 50 }) as Record<string, Record<string, unknown>>;
      texts.set(name, stringify({ [name]: data[section][name] }));
      continue;
    }
    const lines = text.slice(start, value.range[1]).replace(/\s+$/, '').split('\n');
    const dedented = lines.map((line) => (line.slice(0, indent).trim() === '' ? line.slice(indent) : line.trimStart()));
    texts.set(name, `${dedented.join('\n')}\n`);
  }
  return texts;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}
