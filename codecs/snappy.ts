import snappy from 'snappy';
import { type Codec, CompressionType } from './codec.js';
import { CorruptRecordError } from './corrupt-record-error.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from './limits.js';

// The Java client (xerial snappy-java's SnappyOutputStream) and KafkaJS's snappy
// plugin frame their output: this 8-byte magic, an int32 version and an int32
// minimum compatible version, then chunks each led by a big-endian int32 length.
// librdkafka sends raw snappy but reads both, and so do we.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER = 16;
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
/** snappy-java's default block size, so our chunks look like the Java client's. */
const XERIAL_CHUNK = 32 * 1024;

function isXerial(input: Uint8Array): boolean {
  if (input.length < XERIAL_HEADER) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (input[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** The uncompressed length a raw snappy block declares in its leading varint. */
function declaredLength(input: Uint8Array, start: number, end: number): number {
  let result = 0;
  for (let i = 0, shift = 0; i < 5; i++, shift += 7) {
    if (start + i >= end) throw new CorruptRecordError('snappy block ends inside its length header');
    const byte = input[start + i]!;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
  }
  throw new CorruptRecordError('snappy length header longer than 5 bytes');
}

function uncompressBlock(input: Uint8Array, limit: number): Buffer {
  const length = declaredLength(input, 0, input.length);
  if (length > limit) throw new CorruptRecordError(`snappy data expands beyond the decompression limit (declares ${length} bytes)`);
  let out: Buffer;
  try {
    out = snappy.uncompressSync(input, { asBuffer: true }) as Buffer;
  } catch (error) {
    throw new CorruptRecordError(`corrupt snappy data: ${(error as Error).message}`, { cause: error });
  }
  if (out.length !== length) throw new CorruptRecordError(`snappy block declares ${length} bytes but holds ${out.length}`);
  return out;
}

function decompressXerial(input: Uint8Array, maxOutputBytes: number): Buffer {
  const view = Buffer.from(input.buffer, input.byteOffset, input.length);
  const parts: Buffer[] = [];
  let total = 0;
  let position = XERIAL_HEADER;
  while (position < view.length) {
    if (view.length - position < 4) throw new CorruptRecordError('xerial snappy chunk header is truncated');
    const size = view.readInt32BE(position);
    position += 4;
    if (size < 0 || size > view.length - position) throw new CorruptRecordError(`xerial snappy chunk of ${size} bytes runs past the end`);
    const part = uncompressBlock(view.subarray(position, position + size), maxOutputBytes - total);
    total += part.length;
    parts.push(part);
    position += size;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

export const snappyCodec: Codec = {
  type: CompressionType.Snappy,
  name: 'snappy',
  compress(input) {
    const chunks: Buffer[] = [Buffer.allocUnsafe(XERIAL_HEADER)];
    XERIAL_MAGIC.copy(chunks[0]!, 0);
    chunks[0]!.writeInt32BE(XERIAL_VERSION, 8);
    chunks[0]!.writeInt32BE(XERIAL_COMPATIBLE_VERSION, 12);
    for (let start = 0; start < input.length; start += XERIAL_CHUNK) {
      const block = snappy.compressSync(input.subarray(start, Math.min(input.length, start + XERIAL_CHUNK)));
      const length = Buffer.allocUnsafe(4);
      length.writeInt32BE(block.length, 0);
      chunks.push(length, block);
    }
    return Buffer.concat(chunks);
  },
  decompress(input, maxOutputBytes = DEFAULT_MAX_DECOMPRESSED_BYTES) {
    return isXerial(input) ? decompressXerial(input, maxOutputBytes) : uncompressBlock(input, maxOutputBytes);
  },
};
