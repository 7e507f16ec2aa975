import { type Codec, type CompressionName, CompressionType } from './codec.js';
import { gzipCodec } from './gzip.js';
import { lz4Codec } from './lz4.js';
import { noneCodec } from './none.js';
import { snappyCodec } from './snappy.js';
import { zstdCodec } from './zstd.js';

const BY_TYPE: readonly Codec[] = [noneCodec, gzipCodec, snappyCodec, lz4Codec, zstdCodec];

export const COMPRESSION_NAMES: readonly CompressionName[] = BY_TYPE.map((c) => c.name);

/**
 * The codec for a batch's compression attribute (0–4) or a compression.type
 * name. Anything else is an error listing what is valid.
 */
export function codecFor(typeOrName: CompressionType | number | string): Codec {
  if (typeof typeOrName === 'number') {
    const codec = BY_TYPE[typeOrName];
    if (!codec || !Number.isInteger(typeOrName)) {
      throw new RangeError(`unknown compression type ${typeOrName}; valid types are 0-4 (${COMPRESSION_NAMES.join(', ')})`);
    }
    return codec;
  }
  const name = typeOrName.trim().toLowerCase();
  const codec = BY_TYPE.find((c) => c.name === name);
  if (!codec) throw new RangeError(`unknown compression '${typeOrName}'; valid names are ${COMPRESSION_NAMES.join(', ')}`);
  return codec;
}

export { CompressionType };
