import hljs from 'highlight.js/lib/core';
import yaml from 'highlight.js/lib/languages/yaml';
import { useMemo } from 'react';
import type { DefinitionError } from '../api/types';

hljs.registerLanguage('yaml', yaml);

/** Highlighted HTML split into lines, each line's open spans closed and reopened so every line stands alone. */
function highlightedLines(text: string): string[] {
  const html = hljs.highlight(text, { language: 'yaml', ignoreIllegals: true }).value;
  const lines: string[] = [];
  let open: string[] = [];
  for (const raw of html.split('\n')) {
    const line = open.join('') + raw;
    const tags = raw.match(/<span[^>]*>|<\/span>/g) ?? [];
    for (const tag of tags) {
      if (tag === '</span>') open.pop();
      else open.push(tag);
    }
    lines.push(line + '</span>'.repeat(open.length));
  }
  return lines;
}

/** A YAML definition with syntax highlighting and line numbers; errors are shown under their line. */
export function YamlView({ text, errors = [], label }: { text: string; errors?: DefinitionError[]; label: string }) {
  const lines = useMemo(() => highlightedLines(text), [text]);
  const byLine = new Map<number, DefinitionError[]>();
  for (const error of errors) byLine.set(error.line, [...(byLine.get(error.line) ?? []), error]);
  return (
    <pre className="code" aria-label={label} tabIndex={0}>
      <code>
        {lines.map((html, index) => {
          const lineErrors = byLine.get(index + 1) ?? [];
          return (
            <span key={index}>
              <span className={`line${lineErrors.length ? ' has-error' : ''}`} data-line={index + 1} dangerouslySetInnerHTML={{ __html: html || ' ' }} />
              {lineErrors.map((error, at) => (
                <span key={at} className="line-error" role="note" data-error-line={error.line}>
                  {`line ${error.line}, column ${error.column}: ${error.message}`}
                </span>
              ))}
            </span>
          );
        })}
      </code>
    </pre>
  );
}
