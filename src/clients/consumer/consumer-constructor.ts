import { type ConsumerOptions, KafkaConsumer } from './consumer.js';
import type { ConsumerConfigInput } from './consumer-config.js';
import type { Deserialized } from './deserializers.js';

type SettingOf<C, Key extends string> = C extends { readonly [k in Key]: infer S } ? S : undefined;

/**
 * `new Consumer(config)` types its records' keys and values from the config's deserializers
 * (`Deserialized`), so a JavaScript example and a TypeScript program read `record.value` as what
 * the deserializer returns; `new Consumer<K, V>(config)` names the types instead.
 */
export interface ConsumerConstructor {
  new <const C extends ConsumerConfigInput & Record<string, unknown>>(
    config: C,
    options?: ConsumerOptions,
  ): KafkaConsumer<Deserialized<SettingOf<C, 'key.deserializer'>>, Deserialized<SettingOf<C, 'value.deserializer'>>>;
  new <K, V>(config: ConsumerConfigInput & Record<string, unknown>, options?: ConsumerOptions): KafkaConsumer<K, V>;
  readonly prototype: KafkaConsumer<unknown, unknown>;
}

/** samsa's consumer (the class is `KafkaConsumer`, as Java's): see there. */
export const Consumer: ConsumerConstructor = KafkaConsumer;
export type Consumer<K = Buffer | null, V = Buffer | null> = KafkaConsumer<K, V>;
