/**
 * A strict parser of Prometheus' text exposition format (0.0.4), written for
 * the tests independently of the broker's writer: every line must be a
 * comment, a # HELP / # TYPE line or a sample of the family last announced;
 * families appear once, series once, and histograms must be whole
 * (ascending `le`, cumulative buckets, +Inf equal to _count). Anything else
 * throws, naming the line.
 */

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: FamilyType;
  help: string;
  samples: ParsedSample[];
}

export class Exposition {
  constructor(readonly families: ReadonlyMap<string, Family>) {}

  family(name: string): Family {
    const f = this.families.get(name);
    if (!f) throw new Error(`no metric family ${name}`);
    return f;
  }

  /** The value of the one sample of `name` whose labels are exactly `labels`. */
  value(name: string, labels: Record<string, string | number> = {}): number {
    const wanted = Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
    const matches = this.samples(name).filter((s) => sameLabels(s.labels, wanted));
    if (matches.length !== 1) throw new Error(`${matches.length} samples of ${name}${JSON.stringify(wanted)}`);
    return matches[0]!.value;
  }

  /** Every sample named `name` (a histogram's _bucket, _sum and _count included). */
  samples(name: string): ParsedSample[] {
    const out: ParsedSample[] = [];
    for (const f of this.families.values()) for (const s of f.samples) if (s.name === name) out.push(s);
    return out;
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<FamilyType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parseExposition(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a line feed');
  const families = new Map<string, Family>();
  const seenSeries = new Set<string>();
  let current: Family | undefined;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    if (line === '') throw new Error(`${where}: empty line`);
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
      let family = families.get(name);
      if (family && family !== current) throw new Error(`${where}: family ${name} appears twice`);
      if (!family) {
        family = { name, type: 'untyped', help: '', samples: [] };
        families.set(name, family);
        current = family;
      }
      if (family.samples.length > 0) throw new Error(`${where}: ${kind} after the family's samples`);
      if (kind === 'HELP') family.help = unescapeHelp(rest, where);
      else {
        if (!TYPES.has(rest as FamilyType)) throw new Error(`${where}: unknown type`);
        family.type = rest as FamilyType;
      }
      return;
    }
    const sample = parseSample(line, where);
    if (!current || !belongsTo(sample.name, current)) throw new Error(`${where}: sample outside its family's block`);
    const series = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seenSeries.has(series)) throw new Error(`${where}: duplicate series`);
    seenSeries.add(series);
    current.samples.push(sample);
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return new Exposition(families);
}

function belongsTo(sampleName: string, family: Family): boolean {
  if (family.type === 'histogram') return [`${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`].includes(sampleName);
  if (family.type === 'summary') return [family.name, `${family.name}_sum`, `${family.name}_count`].includes(sampleName);
  return sampleName === family.name;
}

function parseSample(line: string, where: string): ParsedSample {
  let i = 0;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
  const name = line.slice(0, i);
  if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const eq = line.indexOf('=', i);
      if (eq < 0) throw new Error(`${where}: label without a value`);
      const label = line.slice(i, eq);
      if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new Error(`${where}: bad label name ${label}`);
      if (label in labels) throw new Error(`${where}: label ${label} twice`);
      if (line[eq + 1] !== '"') throw new Error(`${where}: label value not quoted`);
      let value = '';
      let j = eq + 2;
      for (;;) {
        const c = line[j];
        if (c === undefined) throw new Error(`${where}: unterminated label value`);
        if (c === '"') break;
        if (c === '\\') {
          const e = line[j + 1];
          if (e === '\\') value += '\\';
          else if (e === '"') value += '"';
          else if (e === 'n') value += '\n';
          else throw new Error(`${where}: bad escape \\${e}`);
          j += 2;
        } else {
          value += c;
          j++;
        }
      }
      labels[label] = value;
      i = j + 1;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`${where}: expected , or } after a label`);
    }
    i++;
  }
  if (line[i] !== ' ') throw new Error(`${where}: no space before the value`);
  const parts = line.slice(i + 1).split(' ');
  if (parts.length > 2) throw new Error(`${where}: trailing text`);
  const value = parseValue(parts[0]!, where);
  if (parts.length === 2 && !/^-?\d+$/.test(parts[1]!)) throw new Error(`${where}: bad timestamp`);
  return { name, labels, value };
}

function parseValue(text: string, where: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value ${text}`);
  return Number(text);
}

function unescapeHelp(text: string, where: string): string {
  return text.replace(/\\(.?)/g, (_, e: string) => {
    if (e === '\\') return '\\';
    if (e === 'n') return '\n';
    throw new Error(`${where}: bad escape in HELP`);
  });
}

function checkHistogram(f: Family): void {
  const bySeries = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  const seriesOf = (labels: Record<string, string>) => {
    const { le: _, ...rest } = labels;
    const k = JSON.stringify(Object.entries(rest).sort());
    let s = bySeries.get(k);
    if (!s) bySeries.set(k, (s = { buckets: [] }));
    return s;
  };
  for (const s of f.samples) {
    const series = seriesOf(s.labels);
    if (s.name.endsWith('_bucket')) {
      if (s.labels.le === undefined) throw new Error(`${f.name}: a bucket without le`);
      series.buckets.push([parseValue(s.labels.le, f.name), s.value]);
    } else if (s.name.endsWith('_count')) series.count = s.value;
    else series.sum = s.value;
  }
  for (const [k, s] of bySeries) {
    if (s.count === undefined || s.sum === undefined) throw new Error(`${f.name}${k}: no _count or _sum`);
    const last = s.buckets.at(-1);
    if (!last || last[0] !== Number.POSITIVE_INFINITY) throw new Error(`${f.name}${k}: no +Inf bucket`);
    if (last[1] !== s.count) throw new Error(`${f.name}${k}: +Inf bucket ${last[1]} is not _count ${s.count}`);
    for (let i = 1; i < s.buckets.length; i++) {
      if (!(s.buckets[i]![0] > s.buckets[i - 1]![0])) throw new Error(`${f.name}${k}: le not ascending`);
      if (s.buckets[i]![1] < s.buckets[i - 1]![1]) throw new Error(`${f.name}${k}: buckets not cumulative`);
    }
  }
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
