import { type Codec, CompressionType } from './codec.js';
import { CorruptRecordError } from './corrupt-record-error.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from './limits.js';

/** No compression: the bytes pass through as they are (no copy). */
export const noneCodec: Codec = {
  type: CompressionType.None,
  name: 'none',
  compress: (input) => asBuffer(input),
  decompress(input, maxOutputBytes = DEFAULT_MAX_DECOMPRESSED_BYTES) {
    if (input.length > maxOutputBytes) throw new CorruptRecordError(`records of ${input.length} bytes exceed the ${maxOutputBytes}-byte limit`);
    return asBuffer(input);
  },
};

export function asBuffer(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.length);
}
