import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { type Codec, CompressionType } from './codec.js';
import { CorruptRecordError } from './corrupt-record-error.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from './limits.js';

/** gzip through node:zlib, at zlib's default level, as the Java client's GZIPOutputStream writes. */
export const gzipCodec: Codec = {
  type: CompressionType.Gzip,
  name: 'gzip',
  compress: (input) => gzipSync(input),
  decompress(input, maxOutputBytes = DEFAULT_MAX_DECOMPRESSED_BYTES) {
    try {
      // finishFlush: a truncated stream must fail, not return what was decoded so far.
      return gunzipSync(input, { maxOutputLength: maxOutputBytes, finishFlush: constants.Z_FINISH });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        throw new CorruptRecordError(`gzip data expands beyond the ${maxOutputBytes}-byte limit`, { cause: error });
      }
      throw new CorruptRecordError(`corrupt gzip data: ${(error as Error).message}`, { cause: error });
    }
  },
};
