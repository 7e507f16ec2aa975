import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALL_MESSAGES } from '../../src/protocol/messages/index.js';
import type { FieldSchema, FieldType, MessageSchema } from '../../src/protocol/schema/schema.js';
import { formatVersions, parseVersions, type VersionRange } from '../../src/protocol/schema/versions.js';

// Apache Kafka's JSON message definitions, beside the project (never copied into it).
const specDir = fileURLToPath(new URL('../../../shared/kafka-protocol/messages/', import.meta.url));
const haveSpecs = existsSync(specDir);

interface SpecField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  flexibleVersions?: string;
  fields?: SpecField[];
}

interface SpecMessage {
  apiKey?: number;
  type: string;
  validVersions: string;
  flexibleVersions: string;
  fields: SpecField[];
  commonStructs?: Array<{ name: string; fields: SpecField[] }>;
}

function loadSpec(name: string): SpecMessage {
  const text = readFileSync(`${specDir}${name}.json`, 'utf8');
  const json = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join('\n');
  return JSON.parse(json) as SpecMessage;
}

/** The part of `range` inside `window`, printed, so ranges compare within the versions we support. */
function clip(range: VersionRange, window: VersionRange): string {
  const min = Math.max(range.min, window.min);
  const max = Math.min(range.max, window.max);
  return max < min ? 'none' : formatVersions({ min, max });
}

function typeName(type: FieldType): string {
  if (typeof type === 'string') return type;
  if (type.kind === 'struct') return type.name;
  return `[]${typeof type.items === 'string' ? type.items : type.items.name}`;
}

function structFields(type: FieldType): readonly FieldSchema[] | undefined {
  if (typeof type === 'string') return undefined;
  if (type.kind === 'struct') return type.fields;
  return typeof type.items === 'string' ? undefined : type.items.fields;
}

function normalizeDefault(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value === null) return 'null';
  if (Buffer.isBuffer(value) || Array.isArray(value)) return undefined;
  return String(value);
}

/** Spec defaults are strings; hex ones ("0x7fffffff") are compared as numbers. */
function specDefault(value: string | number | boolean): string {
  const text = String(value);
  return /^-?0x[0-9a-f]+$/i.test(text) ? String(Number(text)) : text;
}

function compareFields(ours: readonly FieldSchema[], spec: SpecField[], window: VersionRange, path: string, common: Map<string, SpecField[]>): string[] {
  const problems: string[] = [];
  const byName = new Map(ours.map((f) => [f.name, f]));
  for (const s of spec) {
    const where = `${path}.${s.name}`;
    const specVersions = clip(parseVersions(s.versions), window);
    const mine = byName.get(s.name);
    byName.delete(s.name);
    if (specVersions === 'none') {
      if (mine && clip(mine.versions, window) !== 'none') problems.push(`${where}: not in the spec's versions we support`);
      continue;
    }
    if (!mine) {
      problems.push(`${where}: missing (spec versions ${specVersions})`);
      continue;
    }
    const expect = (what: string, a: unknown, b: unknown) => {
      if (a !== b) problems.push(`${where}: ${what} is ${String(a)}, spec says ${String(b)}`);
    };
    expect('type', typeName(mine.type), s.type);
    expect('versions', clip(mine.versions, window), specVersions);
    expect('nullableVersions', clip(mine.nullableVersions, window), clip(parseVersions(s.nullableVersions ?? 'none'), window));
    expect('taggedVersions', clip(mine.taggedVersions, window), clip(parseVersions(s.taggedVersions ?? 'none'), window));
    expect('tag', mine.tag, s.tag);
    expect('flexibleVersions none', mine.neverFlexible, s.flexibleVersions === 'none');
    if (s.default !== undefined) expect('default', normalizeDefault(mine.defaultValue), specDefault(s.default));
    const specChildren = s.fields ?? common.get(s.type.replace(/^\[\]/, ''));
    const myChildren = structFields(mine.type);
    if (specChildren && myChildren) problems.push(...compareFields(myChildren, specChildren, window, where, common));
    else if (specChildren || myChildren) problems.push(`${where}: struct fields on one side only`);
  }
  for (const extra of byName.keys()) problems.push(`${path}.${extra}: not in the spec`);
  return problems;
}

describe.skipIf(!haveSpecs)('message definitions match Apache Kafka’s specs', () => {
  it.each(ALL_MESSAGES.map((m) => [m.name, m] as [string, MessageSchema]))('%s', (name, schema) => {
    const spec = loadSpec(name);
    const specValid = parseVersions(spec.validVersions);
    expect(schema.type).toBe(spec.type);
    if (spec.apiKey !== undefined) expect(schema.apiKey).toBe(spec.apiKey);
    // We may start later than the spec (KIP-896 dropped old versions) but must reach its newest.
    expect(schema.validVersions.max).toBe(specValid.max);
    expect(schema.validVersions.min).toBeGreaterThanOrEqual(specValid.min);
    expect(formatVersions(schema.flexibleVersions)).toBe(formatVersions(parseVersions(spec.flexibleVersions)));
    const common = new Map((spec.commonStructs ?? []).map((s) => [s.name, s.fields]));
    expect(compareFields(schema.fields, spec.fields, schema.validVersions, name, common)).toEqual([]);
  });
});
