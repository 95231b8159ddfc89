import { InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CliError } from './cli-errors';

/** `--input k=v`, repeatable: v is read as JSON when it is JSON (`3`, `true`, `["a"]`), else as text. */
export function collectKeyValue(pair: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const equals = pair.indexOf('=');
  if (equals <= 0) throw new InvalidArgumentError(`expected key=value, got '${pair}'`);
  const key = pair.slice(0, equals);
  const text = pair.slice(equals + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // plain text
  }
  return { ...previous, [key]: value };
}

/** A JSON or YAML file holding one object (an input, params). */
export function readObjectFile(file: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (error) {
    throw CliError.usage(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw CliError.usage(`${file} must hold a JSON or YAML object`);
  return data as Record<string, unknown>;
}

/** The input of `--input-file` with the `--input` pairs over it. */
export function workflowInput(pairs: Record<string, unknown> | undefined, file: string | undefined): Record<string, unknown> {
  return { ...(file ? readObjectFile(file) : {}), ...(pairs ?? {}) };
}

export function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(`expected a positive integer, got '${text}'`);
  return value;
}

/** `30s`, `15m`, `2h`, `1d`, `1w` before now, or a date/time (`2026-12-01`, `2026-12-01T08:00:00Z`), as Mistral's UTC time text. */
export function sinceTime(text: string, now = new Date()): string {
  const relative = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  let date: Date;
  if (relative) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[relative[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    date = new Date(now.getTime() - Number(relative[1]) * unit * 1000);
  } else {
    date = new Date(text);
    if (Number.isNaN(date.getTime())) throw new InvalidArgumentError(`expected a duration such as 30m, 2h, 1d or a date, got '${text}'`);
  }
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
