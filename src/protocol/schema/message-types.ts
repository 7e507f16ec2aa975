import type { ArrayType, FieldSchema, FieldType, FieldTypeFacts, MessageSchema, PrimitiveType, StructType } from './schema.js';

/**
 * The TypeScript types of messages, derived from their definitions so each
 * message is declared once: `MessageData<typeof ProduceRequest>` is what the
 * decoder returns, `MessageInput<typeof ProduceResponse>` what the encoder
 * accepts. A definition whose fields are not known at the type level (a plain
 * `MessageSchema`) gives a record of unknown values.
 */

/** A decoded message: every field of every version, absent ones at their defaults. */
export type MessageData<M extends MessageSchema> = StructData<M['fields']>;

/**
 * A value to encode. Fields the encoder fills with a default when left out are
 * optional (see OptionalInEncoder in schema.ts); what a version cannot carry is
 * refused at run time by strict encoders and left out by lenient ones.
 */
export type MessageInput<M extends MessageSchema> = StructInput<M['fields']>;

/** The decoded value of a struct's fields. */
export type StructData<F extends readonly FieldSchema[]> = number extends F['length']
  ? Record<string, unknown>
  : { [Field in F[number] as Uncapitalize<Field['name']>]: FieldData<Field> };

export type StructInput<F extends readonly FieldSchema[]> = number extends F['length']
  ? Record<string, unknown>
  : Flatten<
      { [Field in F[number] as FactsOf<Field>['optional'] extends true ? never : Uncapitalize<Field['name']>]: FieldInput<Field> } & {
        [Field in F[number] as FactsOf<Field>['optional'] extends true ? Uncapitalize<Field['name']> : never]?: FieldInput<Field>;
      }
    >;

type Flatten<T> = T extends infer U ? { [K in keyof U]: U[K] } : never;

type FactsOf<Field extends FieldSchema> = Field extends FieldSchema<string, FieldType, infer Facts> ? Facts : FieldTypeFacts;

type OrNull<Field extends FieldSchema, T> = FactsOf<Field>['nullable'] extends true ? T | null : T;

type FieldData<Field extends FieldSchema> = OrNull<Field, TypeData<Field['type']>>;
type FieldInput<Field extends FieldSchema> = OrNull<Field, TypeInput<Field['type']>>;

type NumberType = 'int8' | 'int16' | 'int32' | 'int64' | 'uint16' | 'uint32' | 'float64';

/** The reader gives int64s as numbers (it refuses values beyond 2^53); the writer takes bigints too. */
type PrimitiveData<P extends PrimitiveType> = P extends NumberType ? number : P extends 'bool' ? boolean : P extends 'string' ? string : Buffer;
type PrimitiveInput<P extends PrimitiveType> = P extends 'int64' ? number | bigint : PrimitiveData<P>;

type TypeData<T extends FieldType> = T extends PrimitiveType
  ? PrimitiveData<T>
  : T extends StructType<infer F>
    ? StructData<F>
    : T extends ArrayType<infer I>
      ? TypeData<I>[]
      : never;

type TypeInput<T extends FieldType> = T extends PrimitiveType
  ? PrimitiveInput<T>
  : T extends StructType<infer F>
    ? StructInput<F>
    : T extends ArrayType<infer I>
      ? readonly TypeInput<I>[]
      : never;

/** The element type of an array field (`Item<MessageInput<typeof MetadataResponse>['topics']>`). */
export type Item<T> = NonNullable<T> extends readonly (infer I)[] ? I : never;
