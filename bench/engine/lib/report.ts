/** Medians, formatting and the printed table. */

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function seconds(value: number | undefined): string {
  if (value === undefined) return '-';
  return value < 10 ? `${value.toFixed(3)} s` : `${value.toFixed(1)} s`;
}

export function megabytes(kb: number | undefined): string {
  return kb === undefined ? '-' : `${Math.round(kb / 1024)} MB`;
}

/** Mistral / Sirocco: above 1 means Sirocco is faster (or smaller). */
export function ratio(sirocco: number | undefined, mistral: number | undefined): string {
  if (sirocco === undefined || mistral === undefined || sirocco === 0) return '-';
  const r = mistral / sirocco;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}x`;
}

export interface Row {
  scenario: string;
  sirocco: string;
  mistral: string;
  ratio: string;
}

export function printTable(rows: Row[], headers: Row = { scenario: 'scenario', sirocco: 'Sirocco', mistral: 'Mistral', ratio: 'ratio (Mistral/Sirocco)' }): void {
  const all = [headers, ...rows];
  const width = (key: keyof Row) => Math.max(...all.map((r) => r[key].length));
  const w = { scenario: width('scenario'), sirocco: width('sirocco'), mistral: width('mistral'), ratio: width('ratio') };
  const line = (r: Row) => `| ${r.scenario.padEnd(w.scenario)} | ${r.sirocco.padStart(w.sirocco)} | ${r.mistral.padStart(w.mistral)} | ${r.ratio.padStart(w.ratio)} |`;
  console.log(line(headers));
  console.log(`|${'-'.repeat(w.scenario + 2)}|${'-'.repeat(w.sirocco + 1)}:|${'-'.repeat(w.mistral + 1)}:|${'-'.repeat(w.ratio + 1)}:|`);
  for (const row of rows) console.log(line(row));
}
