import { parseVersions, type VersionRange } from './versions.js';

/**
 * samsa's own description of a Kafka message, version by version: the same
 * facts Kafka's JSON specs state (types, versions, nullability, tags,
 * defaults), written as TypeScript so the compiler in compile.ts can turn
 * each version into a decoder and an encoder.
 */
export type PrimitiveType =
  | 'int8' | 'int16' | 'int32' | 'int64' | 'uint16' | 'uint32' | 'float64' | 'bool' | 'uuid'
  | 'string' | 'bytes' | 'records';

export interface StructType {
  readonly kind: 'struct';
  /** The struct's type name in Kafka's spec (e.g. "TopicProduceData"). */
  readonly name: string;
  readonly fields: readonly FieldSchema[];
}

export interface ArrayType {
  readonly kind: 'array';
  readonly items: PrimitiveType | StructType;
}

export type FieldType = PrimitiveType | StructType | ArrayType;

export interface FieldSchema {
  /** Kafka's field name ("TopicData"); the value's property is its camelCase form ("topicData"). */
  readonly name: string;
  readonly property: string;
  readonly type: FieldType;
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange;
  readonly taggedVersions: VersionRange;
  readonly tag: number | undefined;
  readonly ignorable: boolean;
  /** The value when the version does not carry the field. */
  readonly defaultValue: unknown;
  /** Only for the request header's ClientId: a classic string even in flexible versions. */
  readonly neverFlexible: boolean;
}

export interface MessageSchema {
  readonly name: string;
  readonly apiKey: number;
  readonly type: 'request' | 'response' | 'header';
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange;
  readonly fields: readonly FieldSchema[];
}

export interface FieldOptions {
  nullable?: string;
  tag?: number;
  tagged?: string;
  ignorable?: boolean;
  default?: unknown;
  neverFlexible?: boolean;
}

export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** A field: `field('Acks', 'int16', '0+')`. */
export function field(name: string, type: FieldType, versions: string, options: FieldOptions = {}): FieldSchema {
  return {
    name,
    property: camelCase(name),
    type,
    versions: parseVersions(versions),
    nullableVersions: parseVersions(options.nullable ?? 'none'),
    taggedVersions: parseVersions(options.tagged ?? 'none'),
    tag: options.tag,
    ignorable: options.ignorable ?? false,
    defaultValue: options.default !== undefined ? options.default : defaultFor(type, options.nullable !== undefined),
    neverFlexible: options.neverFlexible ?? false,
  };
}

export function struct(name: string, fields: readonly FieldSchema[]): StructType {
  return { kind: 'struct', name, fields };
}

export function array(items: PrimitiveType | StructType): ArrayType {
  return { kind: 'array', items };
}

export function message(
  name: string,
  apiKey: number,
  type: MessageSchema['type'],
  validVersions: string,
  flexibleVersions: string,
  fields: readonly FieldSchema[],
): MessageSchema {
  return { name, apiKey, type, validVersions: parseVersions(validVersions), flexibleVersions: parseVersions(flexibleVersions), fields };
}

const ZERO_UUID = Buffer.alloc(16);

function defaultFor(type: FieldType, nullable: boolean): unknown {
  if (typeof type === 'object') return type.kind === 'array' ? [] : null;
  switch (type) {
    case 'bool':
      return false;
    case 'string':
      return nullable ? null : '';
    case 'bytes':
    case 'records':
      return nullable ? null : Buffer.alloc(0);
    case 'uuid':
      return ZERO_UUID;
    default:
      return 0;
  }
}
