import { parseVersions, type VersionRange } from './versions.js';

/**
 * samsa's own description of a Kafka message, version by version: the same
 * facts Kafka's JSON specs state (types, versions, nullability, tags,
 * defaults), written as TypeScript so the compiler in compile.ts can turn
 * each version into a decoder and an encoder.
 */
export type PrimitiveType = 'int8' | 'int16' | 'int32' | 'int64' | 'uint16' | 'uint32' | 'float64' | 'bool' | 'uuid' | 'string' | 'bytes' | 'records';

// Every builder below takes its arguments as const type parameters, so each definition's
// TypeScript type keeps the field names, types and options it was written with; the
// value types of decoded and encoded messages (message-types.ts) are derived from them.

export interface StructType<F extends readonly FieldSchema[] = readonly FieldSchema[]> {
  readonly kind: 'struct';
  /** The struct's type name in Kafka's spec (e.g. "TopicProduceData"). */
  readonly name: string;
  readonly fields: F;
}

export interface ArrayType<I extends PrimitiveType | StructType = PrimitiveType | StructType> {
  readonly kind: 'array';
  readonly items: I;
}

export type FieldType = PrimitiveType | StructType | ArrayType;

/** Facts about a field that only the type level needs (see FieldSchema's [typeFacts]). */
export interface FieldTypeFacts {
  /** Whether some version carries null. */
  readonly nullable: boolean;
  /** Whether an encoder given no value writes a default every version accepts. */
  readonly optional: boolean;
}

declare const typeFacts: unique symbol;

export interface FieldSchema<N extends string = string, T extends FieldType = FieldType, Facts extends FieldTypeFacts = FieldTypeFacts> {
  /** Kafka's field name ("TopicData"); the value's property is its camelCase form ("topicData"). */
  readonly name: N;
  readonly property: Uncapitalize<N>;
  readonly type: T;
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange;
  readonly taggedVersions: VersionRange;
  readonly tag: number | undefined;
  readonly ignorable: boolean;
  /** The value when the version does not carry the field. */
  readonly defaultValue: unknown;
  /** Only for the request header's ClientId: a classic string even in flexible versions. */
  readonly neverFlexible: boolean;
  /** Never set at run time: carries Facts to the value types. */
  readonly [typeFacts]?: Facts;
}

export interface MessageSchema<F extends readonly FieldSchema[] = readonly FieldSchema[]> {
  readonly name: string;
  readonly apiKey: number;
  readonly type: 'request' | 'response' | 'header';
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange;
  readonly fields: F;
}

export interface FieldOptions {
  readonly nullable?: string;
  readonly tag?: number;
  readonly tagged?: string;
  readonly ignorable?: boolean;
  readonly default?: unknown;
  readonly neverFlexible?: boolean;
}

type NoOptions = Record<never, never>;

/**
 * Whether the encoder's default serves every version when a field is left out:
 * tagged fields are skipped, arrays default to [] unless told null, and other
 * defaults are non-null unless the field is nullable. A null default is
 * accepted only where the field is nullable, so it may be left out when its
 * nullable versions are its versions (or all versions).
 */
type OptionalInEncoder<T extends FieldType, V extends string, O extends FieldOptions> = O extends { readonly tag: number }
  ? true
  : O extends { readonly default: null }
    ? CoversVersions<O['nullable'], V>
    : T extends ArrayType
      ? true
      : O extends { readonly default: NonNullable<unknown> }
        ? true
        : O extends { readonly nullable: string }
          ? CoversVersions<O['nullable'], V>
          : true;

type CoversVersions<Nullable, V extends string> = [Nullable] extends ['0+'] ? true : [Nullable] extends [V] ? ([V] extends [Nullable] ? true : false) : false;

export function camelCase<N extends string>(name: N): Uncapitalize<N> {
  return (name.charAt(0).toLowerCase() + name.slice(1)) as Uncapitalize<N>;
}

/** A field: `field('Acks', 'int16', '0+')`. */
export function field<const N extends string, const T extends FieldType, const V extends string, const O extends FieldOptions = NoOptions>(
  name: N,
  type: T,
  versions: V,
  options?: O,
): FieldSchema<N, T, { nullable: O extends { readonly nullable: string } ? true : false; optional: OptionalInEncoder<T, V, O> }> {
  const o: FieldOptions = options ?? {};
  return {
    name,
    property: camelCase(name),
    type,
    versions: parseVersions(versions),
    nullableVersions: parseVersions(o.nullable ?? 'none'),
    taggedVersions: parseVersions(o.tagged ?? 'none'),
    tag: o.tag,
    ignorable: o.ignorable ?? false,
    defaultValue: o.default !== undefined ? o.default : defaultFor(type, o.nullable !== undefined),
    neverFlexible: o.neverFlexible ?? false,
  };
}

export function struct<const F extends readonly FieldSchema[]>(name: string, fields: F): StructType<F> {
  return { kind: 'struct', name, fields };
}

export function array<const I extends PrimitiveType | StructType>(items: I): ArrayType<I> {
  return { kind: 'array', items };
}

export function message<const F extends readonly FieldSchema[]>(
  name: string,
  apiKey: number,
  type: MessageSchema['type'],
  validVersions: string,
  flexibleVersions: string,
  fields: F,
): MessageSchema<F> {
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
