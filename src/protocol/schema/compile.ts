import { ProtocolError } from '../protocol-error.js';
import type { ProtocolReader } from '../reader.js';
import { ProtocolWriter } from '../writer.js';
import type { MessageData, MessageInput } from './message-types.js';
import type { FieldSchema, FieldType, MessageSchema, PrimitiveType, StructType } from './schema.js';
import { inRange } from './versions.js';

/** One version of one message, compiled into a decoder and an encoder. */
export interface VersionCodec<M extends MessageSchema = MessageSchema> {
  readonly version: number;
  readonly flexible: boolean;
  decode(reader: ProtocolReader): MessageData<M>;
  encode(writer: ProtocolWriter, value: MessageInput<M>): void;
}

type Read = (r: ProtocolReader) => unknown;
// Values reach the writers typed by MessageInput; inside, they are checked only as far
// as the writers themselves check them (a hot path: no per-field type tests).
type Write = (w: ProtocolWriter, value: unknown) => void;

interface Context {
  /** Refuse values a version cannot carry (Kafka's rule); off for responses a broker builds once for all versions. */
  readonly strict: boolean;
  readonly version: number;
  readonly flexible: boolean;
  readonly messageName: string;
}

/**
 * Compiles every valid version of a message. Each version's field list is
 * resolved once here, so decoding runs a flat list of closures with no
 * version checks left in it.
 */
export function compileMessage<M extends MessageSchema>(schema: M, options: { strict?: boolean } = {}): Map<number, VersionCodec<M>> {
  const codecs = new Map<number, VersionCodec<M>>();
  for (let v = schema.validVersions.min; v <= schema.validVersions.max; v++) {
    const ctx: Context = { strict: options.strict ?? true, version: v, flexible: inRange(schema.flexibleVersions, v), messageName: schema.name };
    const { read, write } = compileStruct(schema.fields, ctx, schema.name);
    codecs.set(v, { version: v, flexible: ctx.flexible, decode: read as (r: ProtocolReader) => MessageData<M>, encode: write });
  }
  return codecs;
}

function compileStruct(fields: readonly FieldSchema[], ctx: Context, path: string): { read: Read; write: Write } {
  const plain: Array<{ property: string; read: Read; write: Write }> = [];
  const absent: Array<{ property: string; field: FieldSchema }> = [];
  const tagged: Array<{ property: string; tag: number; read: Read; write: Write; field: FieldSchema }> = [];

  for (const field of fields) {
    const fieldPath = `${path}.${field.name}`;
    if (!inRange(field.versions, ctx.version)) {
      absent.push({ property: field.property, field });
      continue;
    }
    const nullable = inRange(field.nullableVersions, ctx.version);
    const flexible = ctx.flexible && !field.neverFlexible;
    const { read, write } = compileType(field.type, nullable, flexible, ctx, fieldPath);
    if (ctx.flexible && field.tag !== undefined && inRange(field.taggedVersions, ctx.version)) {
      tagged.push({ property: field.property, tag: field.tag, read, write, field });
    } else {
      plain.push({ property: field.property, read, write });
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const tagIndex = new Map(tagged.map((t) => [t.tag, t]));

  const read: Read = (r) => {
    const value: Record<string, unknown> = {};
    for (const f of plain) value[f.property] = f.read(r);
    for (const a of absent) value[a.property] = defaultValue(a.field);
    if (ctx.flexible) {
      for (const t of tagged) value[t.property] = defaultValue(t.field);
      r.taggedFields((tag, fieldReader) => {
        const t = tagIndex.get(tag);
        if (t) value[t.property] = t.read(fieldReader);
      });
    }
    return value;
  };

  const write: Write = (w, input) => {
    if (input === null || typeof input !== 'object') throw new ProtocolError(`${path}: expected an object, got ${input}`);
    const value = input as Record<string, unknown>;
    for (const f of plain) {
      const v = value[f.property];
      f.write(w, v === undefined ? defaultOf(fields, f.property) : v);
    }
    for (const a of absent) {
      const v = value[a.property];
      if (ctx.strict && v !== undefined && !a.field.ignorable && !isDefault(v, a.field)) {
        throw new ProtocolError(`${path}.${a.field.name} cannot be sent in ${ctx.messageName} v${ctx.version}`);
      }
    }
    if (ctx.flexible) {
      const present: Array<readonly [number, ProtocolWriter]> = [];
      for (const t of tagged) {
        const v = value[t.property];
        if (v === undefined || isDefault(v, t.field)) continue;
        const body = new ProtocolWriter(64);
        t.write(body, v);
        present.push([t.tag, body]);
      }
      w.taggedFields(present);
    }
  };

  return { read, write };
}

function defaultOf(fields: readonly FieldSchema[], property: string): unknown {
  const field = fields.find((f) => f.property === property)!;
  return defaultValue(field);
}

/** A fresh default (arrays and structs must not be shared between decoded messages). */
function defaultValue(field: FieldSchema): unknown {
  const d = field.defaultValue;
  if (Array.isArray(d)) return [];
  if (d === null && typeof field.type === 'object' && field.type.kind === 'struct' && field.nullableVersions.max < field.nullableVersions.min) {
    return structDefaults(field.type);
  }
  return d;
}

function structDefaults(type: StructType): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const f of type.fields) value[f.property] = defaultValue(f);
  return value;
}

function isDefault(value: unknown, field: FieldSchema): boolean {
  const d = field.defaultValue;
  if (typeof field.type === 'object' && field.type.kind === 'struct' && value !== null && typeof value === 'object') {
    // A struct is at its default when every field is (tagged structs are then left out).
    const record = value as Record<string, unknown>;
    return field.type.fields.every((f) => record[f.property] === undefined || isDefault(record[f.property], f));
  }
  if (Array.isArray(value)) return value.length === 0 && Array.isArray(d);
  if (Buffer.isBuffer(value) && Buffer.isBuffer(d)) return value.equals(d);
  return value === d;
}

function compileType(type: FieldType, nullable: boolean, flexible: boolean, ctx: Context, path: string): { read: Read; write: Write } {
  if (typeof type === 'string') return compilePrimitive(type, nullable, flexible, path);
  if (type.kind === 'struct') {
    const inner = compileStruct(type.fields, ctx, path);
    if (!nullable) return inner;
    // Nullable structs carry a presence byte (-1 null, 1 present).
    return {
      read: (r) => (r.int8() < 0 ? null : inner.read(r)),
      write: (w, v) => {
        if (v === null) w.int8(-1);
        else inner.write(w.int8(1), v);
      },
    };
  }
  const item = typeof type.items === 'string' ? compilePrimitive(type.items, false, flexible, path) : compileStruct(type.items.fields, ctx, path);
  const readLength = flexible ? (r: ProtocolReader) => r.compactArrayLength() : (r: ProtocolReader) => r.arrayLength();
  const writeLength = flexible ? (w: ProtocolWriter, n: number | null) => w.compactArrayLength(n) : (w: ProtocolWriter, n: number | null) => w.arrayLength(n);
  return {
    read: (r) => {
      const n = readLength(r);
      if (n < 0) {
        if (!nullable) throw new ProtocolError(`${path}: null array where the version does not allow one`);
        return null;
      }
      const items = new Array(n);
      for (let i = 0; i < n; i++) items[i] = item.read(r);
      return items;
    },
    write: (w, v) => {
      if (v === null) {
        if (!nullable) throw new ProtocolError(`${path}: null array where the version does not allow one`);
        writeLength(w, null);
        return;
      }
      if (!Array.isArray(v)) throw new ProtocolError(`${path}: expected an array`);
      writeLength(w, v.length);
      for (const x of v) item.write(w, x);
    },
  };
}

function compilePrimitive(type: PrimitiveType, nullable: boolean, flexible: boolean, path: string): { read: Read; write: Write } {
  switch (type) {
    case 'int8':
      return { read: (r) => r.int8(), write: (w, v) => w.int8(v as number) };
    case 'int16':
      return { read: (r) => r.int16(), write: (w, v) => w.int16(v as number) };
    case 'int32':
      return { read: (r) => r.int32(), write: (w, v) => w.int32(v as number) };
    case 'int64':
      return { read: (r) => r.int64(), write: (w, v) => w.int64(v as number | bigint) };
    case 'uint16':
      return { read: (r) => r.uint16(), write: (w, v) => w.uint16(v as number) };
    case 'uint32':
      return { read: (r) => r.uint32(), write: (w, v) => w.uint32(v as number) };
    case 'float64':
      return { read: (r) => r.float64(), write: (w, v) => w.float64(v as number) };
    case 'bool':
      return { read: (r) => r.bool(), write: (w, v) => w.bool(v as boolean) };
    case 'uuid':
      return { read: (r) => r.uuid(), write: (w, v) => w.uuid(v as Uint8Array) };
    case 'string':
      if (flexible) {
        return nullable
          ? { read: (r) => r.compactNullableString(), write: (w, v) => w.compactNullableString(v as string | null) }
          : { read: (r) => r.compactString(), write: (w, v) => w.compactString(requireValue(v as string | null, path)) };
      }
      return nullable
        ? { read: (r) => r.nullableString(), write: (w, v) => w.nullableString(v as string | null) }
        : { read: (r) => r.string(), write: (w, v) => w.string(requireValue(v as string | null, path)) };
    case 'bytes':
    case 'records':
      if (flexible) {
        return nullable
          ? { read: (r) => r.compactNullableBytes(), write: (w, v) => w.compactNullableBytes(v as Uint8Array | null) }
          : { read: (r) => r.compactBytes(), write: (w, v) => w.compactBytes(requireValue(v as Uint8Array | null, path)) };
      }
      return nullable
        ? { read: (r) => r.nullableBytes(), write: (w, v) => w.nullableBytes(v as Uint8Array | null) }
        : { read: (r) => r.bytes(), write: (w, v) => w.bytes(requireValue(v as Uint8Array | null, path)) };
  }
}

function requireValue<T>(v: T | null, path: string): T {
  if (v === null) throw new ProtocolError(`${path} is not nullable in this version`);
  return v;
}
