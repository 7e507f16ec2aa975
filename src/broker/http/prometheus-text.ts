/**
 * Prometheus' text exposition format (version 0.0.4), written by hand: a
 * family is its # HELP and # TYPE lines, then its samples. samsa writes it
 * itself rather than through prom-client because its counters are plain
 * numbers bumped on the request path (per request or per batch, no label
 * lookup) and everything else is read from the broker when scraped, which
 * leaves the library only this small format to write.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export type Labels = Readonly<Record<string, string | number>>;

export interface Sample {
  labels?: Labels;
  value: number;
}

/** A histogram's state: cumulative counts per upper bound (the +Inf bucket is `count`), their sum and count. */
export interface HistogramSnapshot {
  bounds: readonly number[];
  /** Observations at or below each bound, cumulative. */
  cumulative: readonly number[];
  sum: number;
  count: number;
}

export class ExpositionWriter {
  private readonly lines: string[] = [];

  /** A counter or gauge family; a counter's name ends in `_total`, as the format asks. */
  family(name: string, type: 'counter' | 'gauge', help: string, samples: Iterable<Sample>): void {
    this.header(name, type, help);
    for (const s of samples) this.lines.push(`${name}${labelText(s.labels)} ${formatValue(s.value)}`);
  }

  /** A histogram family: one snapshot per label set. */
  histogram(name: string, help: string, series: Iterable<{ labels?: Labels; snapshot: HistogramSnapshot }>): void {
    this.header(name, 'histogram', help);
    for (const { labels, snapshot } of series) {
      snapshot.bounds.forEach((bound, i) => {
        this.lines.push(`${name}_bucket${labelText({ ...labels, le: formatValue(bound) })} ${snapshot.cumulative[i]}`);
      });
      this.lines.push(`${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${snapshot.count}`);
      this.lines.push(`${name}_sum${labelText(labels)} ${formatValue(snapshot.sum)}`);
      this.lines.push(`${name}_count${labelText(labels)} ${snapshot.count}`);
    }
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }

  private header(name: string, type: MetricType, help: string): void {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    this.lines.push(`# TYPE ${name} ${type}`);
  }
}

function labelText(labels: Labels | undefined): string {
  if (!labels) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) parts.push(`${k}="${escapeLabelValue(String(v))}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Label values escape backslash, double quote and line feed; nothing else. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
