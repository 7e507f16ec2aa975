import { run as runRawModule, type ZstdRawBinding } from 'zstd-codec/lib/module.js';
import { type Codec, CompressionType } from './codec.js';
import { CorruptRecordError } from './corrupt-record-error.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from './limits.js';

// zstd-codec is zstd compiled to WebAssembly, and WebAssembly starts
// asynchronously. Waiting for it here, at module load (top-level await), lets
// every importer use a ready, synchronous codec without an init call of its own.
// zstd-codec's module can start only once per process, so samsa drives the raw
// binding itself instead of also going through the package's wrapper classes.
// The module object is a thenable (emscripten adds `then`), so it is wrapped:
// resolving a promise with it directly would wait on it forever.
const { raw } = await new Promise<{ raw: ZstdRawBinding }>((resolve) => runRawModule((binding) => resolve({ raw: binding })));
const native = new raw.ZstdCodec();

/** Runs `use` with a native byte vector, freeing it afterwards (WebAssembly memory is not garbage-collected). */
function withVector<T>(use: (vector: InstanceType<ZstdRawBinding['VectorU8']>) => T): T {
  const vector = new raw.VectorU8();
  try {
    return use(vector);
  } finally {
    vector.delete();
  }
}

/** One-shot compression; the frame carries its content size. */
function compressOnce(input: Uint8Array): Uint8Array {
  return withVector((src) =>
    withVector((dest) => {
      raw.cloneToVector(src, input);
      dest.resize(native.compressBound(input.length), 0);
      const n = native.compress(dest, src, LEVEL);
      if (n < 0) throw new Error(`zstd compression failed (${n})`);
      dest.resize(n, 0);
      return raw.cloneAsTypedArray(dest);
    }),
  );
}

/** One-shot decompression of a single frame whose size is known; null if it does not decode to exactly that. */
function decompressOnce(input: Uint8Array, size: number): Uint8Array | null {
  return withVector((src) =>
    withVector((dest) => {
      raw.cloneToVector(src, input);
      dest.resize(size, 0);
      const n = native.decompress(dest, src);
      return n === size ? raw.cloneAsTypedArray(dest) : null;
    }),
  );
}

/** Kafka's default zstd level (the Java client's and librdkafka's). */
const LEVEL = 3;
const FRAME_MAGIC = 0xfd2fb528;

/**
 * The content size a zstd frame header declares, or undefined when the frame
 * does not carry one (streaming compressors such as zstd-jni's omit it).
 */
export function frameContentSize(input: Uint8Array): number | undefined {
  if (input.length < 6) throw new CorruptRecordError(`zstd frame of ${input.length} bytes is too short`);
  const view = Buffer.from(input.buffer, input.byteOffset, input.length);
  if (view.readUInt32LE(0) !== FRAME_MAGIC) throw new CorruptRecordError('zstd data does not start with a frame magic number');
  const descriptor = view[4]!;
  const sizeFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  const dictIdBytes = [0, 1, 2, 4][descriptor & 0x03]!;
  const at = 5 + (singleSegment ? 0 : 1) + dictIdBytes;
  const sizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][sizeFlag]!;
  if (sizeBytes === 0) return undefined;
  if (view.length < at + sizeBytes) throw new CorruptRecordError('zstd frame header is truncated');
  switch (sizeBytes) {
    case 1:
      return view[at]!;
    case 2:
      return view.readUInt16LE(at) + 256;
    case 4:
      return view.readUInt32LE(at);
    default:
      return view.readUInt32LE(at) + view.readUInt32LE(at + 4) * 2 ** 32;
  }
}

/**
 * Walks the frames' block headers to check every frame is whole. zstd's
 * streaming decoder returns what it could decode from a cut-off frame without
 * complaint, so a truncation is caught here, before decoding.
 */
function checkFramesComplete(input: Buffer): void {
  let at = 0;
  while (at < input.length) {
    if (input.length - at < 8 && input.length - at >= 4 && (input.readUInt32LE(at) & 0xfffffff0) === 0x184d2a50) {
      throw new CorruptRecordError('zstd skippable frame is truncated');
    }
    if (input.length - at < 5) throw new CorruptRecordError('zstd frame header is truncated');
    const magic = input.readUInt32LE(at);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // A skippable frame: its own length follows the magic.
      at += 8 + input.readUInt32LE(at + 4);
      if (at > input.length) throw new CorruptRecordError('zstd skippable frame is truncated');
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new CorruptRecordError(`zstd frame magic expected at byte ${at}`);
    const descriptor = input[at + 4]!;
    const singleSegment = (descriptor & 0x20) !== 0;
    const hasChecksum = (descriptor & 0x04) !== 0;
    const dictIdBytes = [0, 1, 2, 4][descriptor & 0x03]!;
    const sizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][descriptor >> 6]!;
    at += 5 + (singleSegment ? 0 : 1) + dictIdBytes + sizeBytes;
    for (;;) {
      if (input.length - at < 3) throw new CorruptRecordError('zstd data is truncated inside a frame');
      const blockHeader = input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16);
      const last = (blockHeader & 1) === 1;
      const type = (blockHeader >> 1) & 3;
      const size = blockHeader >>> 3;
      if (type === 3) throw new CorruptRecordError('zstd block of reserved type');
      at += 3 + (type === 1 ? 1 : size); // an RLE block stores one byte
      if (at > input.length) throw new CorruptRecordError('zstd data is truncated inside a block');
      if (last) break;
    }
    if (hasChecksum) at += 4;
    if (at > input.length) throw new CorruptRecordError('zstd frame checksum is truncated');
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

class LimitExceeded extends Error {}

/**
 * Frames without a content size (and concatenated frames) go through zstd's
 * streaming decoder, which hands over decoded pieces one at a time, so the
 * limit can stop a decompression bomb part way instead of after the fact.
 */
function decompressStreaming(input: Uint8Array, maxOutputBytes: number): Buffer {
  const stream = new raw.ZstdDecompressStreamBinding();
  const parts: Buffer[] = [];
  let total = 0;
  const collect = (piece: Uint8Array) => {
    total += piece.length;
    if (total > maxOutputBytes) throw new LimitExceeded();
    // The piece is a view of WebAssembly memory that the next call reuses: copy it.
    parts.push(Buffer.from(piece));
  };
  try {
    if (!stream.begin() || !stream.transform(input, collect) || !stream.end(collect)) {
      throw new CorruptRecordError('corrupt zstd data');
    }
  } catch (error) {
    if (error instanceof CorruptRecordError) throw error;
    if (error instanceof LimitExceeded) throw new CorruptRecordError(`zstd data expands beyond the ${maxOutputBytes}-byte limit`);
    throw new CorruptRecordError(`corrupt zstd data: ${(error as Error).message}`, { cause: error });
  } finally {
    stream.delete();
  }
  if (total === 0 && input.length > 0 && frameContentSize(input) !== 0) throw new CorruptRecordError('zstd data decodes to nothing');
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

export const zstdCodec: Codec = {
  type: CompressionType.Zstd,
  name: 'zstd',
  compress(input) {
    return asBuffer(compressOnce(input));
  },
  decompress(input, maxOutputBytes = DEFAULT_MAX_DECOMPRESSED_BYTES) {
    const declared = frameContentSize(input);
    checkFramesComplete(asBuffer(input));
    if (declared !== undefined) {
      if (declared > maxOutputBytes) {
        throw new CorruptRecordError(`zstd frame declares ${declared} bytes, beyond the ${maxOutputBytes}-byte limit`);
      }
      if (declared === 0) return Buffer.alloc(0);
      const out = decompressOnce(input, declared);
      if (out !== null) return asBuffer(out);
      // More than one frame, or a corrupt one: the streaming decoder tells which.
    }
    return decompressStreaming(input, maxOutputBytes);
  },
};
