import Table from 'cli-table3';

/** Where a command writes; the real process by default, a buffer in tests. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
  /** standard error is a terminal: live views redraw in place */
  readonly interactive: boolean;
}

export const PROCESS_OUTPUT: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  get interactive() {
    return Boolean(process.stderr.isTTY);
  },
};

export type Cell = string | number | boolean | null | undefined;

/** A table for people (`--json` gives the data to scripts). */
export function renderTable(head: string[], rows: Cell[][]): string {
  const table = new Table({ head, style: { head: [], border: [], compact: true }, wordWrap: false });
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
  return `${table.toString()}\n`;
}

/** Field / value lines for one resource. */
export function renderRecord(record: Record<string, Cell>): string {
  const table = new Table({ style: { head: [], border: [], compact: true } });
  for (const [key, value] of Object.entries(record)) table.push({ [key]: value === null || value === undefined ? '' : String(value) });
  return `${table.toString()}\n`;
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The API's JSON-in-string fields (Mistral's `input`, `output`, `result`...) as values. */
export function decodeJsonFields<T extends Record<string, unknown>>(resource: T, fields: readonly string[]): T {
  const decoded: Record<string, unknown> = { ...resource };
  for (const field of fields) {
    const value = decoded[field];
    if (typeof value !== 'string') continue;
    try {
      decoded[field] = JSON.parse(value);
    } catch {
      // left as the API gave it
    }
  }
  return decoded as T;
}

export function shorten(text: string | null | undefined, length = 60): string {
  if (!text) return '';
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}

/** 75 s -> "1m15s"; under a minute with a tenth: "4.2s". */
export function formatDuration(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  return hours > 0 ? `${hours}h${String(minutes).padStart(2, '0')}m` : `${minutes}m${String(rest).padStart(2, '0')}s`;
}

/** Mistral's `YYYY-MM-DD HH:MM:SS` (UTC) as a Date. */
export function parseMistralTime(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(`${value.replace(' ', 'T')}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
