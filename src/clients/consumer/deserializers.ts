import type { RecordHeader } from '../../../storage/record/record.js';

/**
 * Turns the bytes of a record's key or value into what the application reads
 * (Kafka's Deserializer). `data` is null for a null key or value (a tombstone).
 */
export interface Deserializer<T> {
  deserialize(topic: string, data: Buffer | null, headers: readonly RecordHeader[]): T;
  close?(): void;
}

export type DeserializerFunction<T> = (data: Buffer | null, topic: string, headers: readonly RecordHeader[]) => T;

/**
 * A key.deserializer / value.deserializer setting: a built-in's name
 * ('string', 'bytes', 'json', or Java's class names for the first two), a
 * function, or an object with `deserialize`.
 */
export type DeserializerSpec<T = unknown> = 'string' | 'bytes' | 'buffer' | 'json' | string | DeserializerFunction<T> | Deserializer<T>;

/**
 * What a key.deserializer / value.deserializer setting gives the application, as `new Consumer(config)`
 * infers it from the config: a function's or a Deserializer's result; string or null for 'string';
 * for 'json' JSON.parse's own `any` (what the JSON holds is the application's to know); the bytes or
 * null for 'bytes' and when unset. A name TypeScript sees only as `string` gives unknown.
 */
export type Deserialized<S> =
  S extends DeserializerFunction<infer T>
    ? T
    : S extends Deserializer<infer T>
      ? T
      : S extends 'string' | 'org.apache.kafka.common.serialization.StringDeserializer'
        ? string | null
        : S extends 'json'
          ? // biome-ignore lint/suspicious/noExplicitAny: JSON values are whatever the producer sent
            any
          : S extends 'bytes' | 'buffer' | 'org.apache.kafka.common.serialization.ByteArrayDeserializer' | undefined
            ? Buffer | null
            : unknown;

/** UTF-8 text; null stays null (Java's StringDeserializer). */
export const stringDeserializer: Deserializer<string | null> = {
  deserialize: (_topic, data) => (data === null ? null : data.toString('utf8')),
};

/**
 * The bytes themselves, as a slice of the fetched response (no copy; Java's
 * ByteArrayDeserializer). Copy it with Buffer.from() to keep it past the
 * record's life without holding the whole response.
 */
export const bytesDeserializer: Deserializer<Buffer | null> = {
  deserialize: (_topic, data) => data,
};

/** JSON.parse of the UTF-8 text; null stays null. */
export const jsonDeserializer: Deserializer<unknown> = {
  deserialize: (_topic, data) => (data === null ? null : JSON.parse(data.toString('utf8'))),
};

const BUILT_IN: Record<string, Deserializer<unknown>> = {
  string: stringDeserializer,
  bytes: bytesDeserializer,
  buffer: bytesDeserializer,
  bytearray: bytesDeserializer,
  json: jsonDeserializer,
  'org.apache.kafka.common.serialization.stringdeserializer': stringDeserializer,
  'org.apache.kafka.common.serialization.bytearraydeserializer': bytesDeserializer,
  'org.apache.kafka.common.serialization.bytebufferdeserializer': bytesDeserializer,
  'org.apache.kafka.common.serialization.bytesdeserializer': bytesDeserializer,
};

export function isDeserializerSpec(value: unknown): boolean {
  if (typeof value === 'string') return Object.hasOwn(BUILT_IN, value.trim().toLowerCase());
  if (typeof value === 'function') return true;
  return typeof value === 'object' && value !== null && typeof (value as Deserializer<unknown>).deserialize === 'function';
}

export function toDeserializer<T>(spec: DeserializerSpec<T>): Deserializer<T> {
  if (typeof spec === 'function') {
    const fn = spec;
    return { deserialize: (topic, data, headers) => fn(data, topic, headers) };
  }
  if (typeof spec === 'string') {
    const d = BUILT_IN[spec.trim().toLowerCase()];
    if (!d) throw new RangeError(`unknown deserializer '${spec}'; built-in ones are string, bytes, json`);
    return d as Deserializer<T>;
  }
  return spec;
}
