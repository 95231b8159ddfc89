// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheusTextFormat = require('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

/** One metric family as parse-prometheus-text-format gives it (values are strings, as in prom2json). */
export interface ParsedFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Array<{ labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string; sum?: string }>;
}

type Sample = { labels: Record<string, string>; value: number };

/**
 * A scrape parsed with a Prometheus exposition-format parser. The parser (prom2json's shape)
 * folds a labelled histogram into one sample, so histograms are also read series by series
 * (`x_bucket`, `x_count`, `x_sum`) from the same text parsed with their TYPE lines left out.
 */
export class Scrape {
  readonly families: Map<string, ParsedFamily>;
  private readonly series: Map<string, ParsedFamily>;

  constructor(readonly text: string) {
    this.families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
    // untyped, a histogram's series alternate (bucket, sum, count per label set): each run is a family of its own
    this.series = new Map();
    for (const run of parsePrometheusTextFormat(text.replace(/^# TYPE \S+ histogram$/gm, ''))) {
      const known = this.series.get(run.name);
      if (known) known.metrics.push(...run.metrics);
      else this.series.set(run.name, run);
    }
  }

  family(name: string): ParsedFamily {
    const family = this.families.get(name);
    if (!family) throw new Error(`metric ${name} is not in the scrape`);
    return family;
  }

  /** The samples of a counter or gauge `name` (or of a histogram's `name_count`, `name_sum`, `name_bucket`) whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): Sample[] {
    const family = this.family(name.replace(/_(count|sum|bucket)$/, '')).type === 'HISTOGRAM' ? this.series.get(name) : this.family(name);
    return (family?.metrics ?? [])
      .map((sample) => ({ labels: sample.labels ?? {}, value: Number(sample.value) }))
      .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  }

  /** The sum of the matching samples' values. */
  total(name: string, labels: Record<string, string> = {}): number {
    return this.samples(name, labels).reduce((sum, sample) => sum + sample.value, 0);
  }
}
