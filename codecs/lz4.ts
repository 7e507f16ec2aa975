import { createRequire } from 'node:module';
import type Lz4Module from 'lz4';
import { type Codec, CompressionType } from './codec.js';
import { CorruptRecordError } from './corrupt-record-error.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from './limits.js';
import { UnsupportedCompressionError } from './unsupported-compression-error.js';

// The lz4 package compiles at install and is an optional dependency: on a
// machine that cannot build it samsa installs without it, and lz4 batches
// are refused (UNSUPPORTED_COMPRESSION_TYPE) rather than the install failing.
// It is loaded on first use.
type Lz4Native = typeof Lz4Module;
let native: { lz4: Lz4Native; xxhash32: (data: Buffer) => number; scratch: Buffer } | undefined;
let missing: Error | undefined;

function lz4Native(): NonNullable<typeof native> {
  if (native) return native;
  if (!missing) {
    try {
      const require = createRequire(import.meta.url);
      const lz4 = require('lz4') as Lz4Native;
      const { blockChecksum } = require('lz4/lib/utils.js') as { blockChecksum(data: Buffer): number };
      // Compressed blocks are built here first, then copied into the frame; reused.
      native = { lz4, xxhash32: blockChecksum, scratch: Buffer.allocUnsafe(lz4.encodeBound(WRITE_BLOCK_SIZE)) };
      return native;
    } catch (error) {
      missing = error as Error;
    }
  }
  throw new UnsupportedCompressionError(
    `lz4 is not available in this installation (the lz4 package did not build: ${missing!.message.split('\n')[0]}); install a C++ compiler and run npm rebuild lz4`,
    { cause: missing },
  );
}

// The LZ4 frame format (what Kafka's v2 batches carry):
//   magic 0x184D2204 (LE) | FLG | BD | [content size u64] | [dict id u32] | HC
//   blocks: size u32 LE (high bit = stored uncompressed) | data | [block checksum]
//   end mark 0x00000000 | [content checksum]
// The package's own frame decoder allocates 4 MiB per block; parsing frames
// here and calling its native block functions avoids that.
const MAGIC = 0x184d2204;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION = 0x40;
const FLG_BLOCK_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const UNCOMPRESSED_BIT = 0x80000000;
const BLOCK_MAX_SIZES: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };
/** The Java client writes 64 KiB blocks; so do we. */
const WRITE_BLOCK_SIZE_ID = 4;
const WRITE_BLOCK_SIZE = BLOCK_MAX_SIZES[WRITE_BLOCK_SIZE_ID]!;
/** LZ4 cannot expand data by more than this factor, which bounds a block's output. */
const MAX_RATIO = 255;

function headerChecksum(descriptor: Buffer): number {
  return (lz4Native().xxhash32(descriptor) >>> 8) & 0xff;
}

function corrupt(detail: string): never {
  throw new CorruptRecordError(`corrupt lz4 frame: ${detail}`);
}

function decompressFrame(input: Buffer, maxOutputBytes: number): Buffer {
  const { lz4, xxhash32 } = lz4Native();
  if (input.length < 7) corrupt(`${input.length} bytes is too short for a frame`);
  if (input.readUInt32LE(0) !== MAGIC) corrupt('bad magic number');
  const flg = input[4]!;
  const bd = input[5]!;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION) corrupt(`unsupported version bits in FLG 0x${flg.toString(16)}`);
  if (flg & FLG_DICT_ID) corrupt('dictionaries are not supported');
  const blockMax = BLOCK_MAX_SIZES[(bd >> 4) & 0x07];
  if (blockMax === undefined) corrupt(`bad block size id in BD 0x${bd.toString(16)}`);
  let position = 6;
  let contentSize: number | undefined;
  if (flg & FLG_CONTENT_SIZE) {
    if (input.length < position + 8 + 1) corrupt('truncated content size');
    contentSize = input.readUInt32LE(position) + input.readUInt32LE(position + 4) * 2 ** 32;
    if (contentSize > maxOutputBytes) throw new CorruptRecordError(`lz4 frame declares ${contentSize} bytes, beyond the ${maxOutputBytes}-byte limit`);
    position += 8;
  }
  if (input[position] !== headerChecksum(input.subarray(4, position))) corrupt('header checksum mismatch');
  position++;
  const blockChecksums = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  // Kafka's clients write independent blocks; a linked block may refer back to
  // the previous one, which the native block decoder cannot see.
  const linked = (flg & FLG_BLOCK_INDEPENDENT) === 0;
  let blockIndex = 0;

  // Walk the block headers once to size the output exactly or by a safe bound,
  // then decode every block straight into it: one allocation per frame.
  let bound = 0;
  let scan = position;
  for (;;) {
    if (input.length - scan < 4) corrupt('truncated block header');
    const word = input.readUInt32LE(scan);
    scan += 4;
    if (word === 0) break;
    const size = word & ~UNCOMPRESSED_BIT;
    if (size > blockMax) corrupt(`block of ${size} bytes exceeds the frame's block size ${blockMax}`);
    if (input.length - scan < size + (blockChecksums ? 4 : 0)) corrupt('truncated block');
    bound += word & UNCOMPRESSED_BIT ? size : Math.min(blockMax, size * MAX_RATIO);
    scan += size + (blockChecksums ? 4 : 0);
  }
  if (flg & FLG_CONTENT_CHECKSUM && input.length - scan < 4) corrupt('truncated content checksum');
  const capacity = Math.min(contentSize ?? bound, bound, maxOutputBytes + 1);
  const output = Buffer.allocUnsafe(capacity);
  let written = 0;
  for (;;) {
    const word = input.readUInt32LE(position);
    position += 4;
    if (word === 0) break;
    const size = word & ~UNCOMPRESSED_BIT;
    const end = position + size;
    if (blockChecksums && input.readUInt32LE(end) !== xxhash32(input.subarray(position, end)) >>> 0) corrupt('block checksum mismatch');
    if (word & UNCOMPRESSED_BIT) {
      if (written + size > capacity) throw new CorruptRecordError(`lz4 data expands beyond the ${maxOutputBytes}-byte limit`);
      input.copy(output, written, position, end);
      written += size;
    } else {
      const room = output.subarray(written, Math.min(capacity, written + blockMax));
      const n = lz4.decodeBlock(input, room, position, end);
      if (n < 0) {
        if (written + room.length >= maxOutputBytes) throw new CorruptRecordError(`lz4 data expands beyond the ${maxOutputBytes}-byte limit`);
        if (linked && blockIndex > 0) corrupt('linked (dependent) blocks are not supported; Kafka clients write independent blocks');
        corrupt(`malformed block at byte ${position}`);
      }
      written += n;
    }
    if (written > maxOutputBytes) throw new CorruptRecordError(`lz4 data expands beyond the ${maxOutputBytes}-byte limit`);
    position = end + (blockChecksums ? 4 : 0);
    blockIndex++;
  }
  const content = output.subarray(0, written);
  if (contentSize !== undefined && contentSize !== written) corrupt(`frame declares ${contentSize} bytes but holds ${written}`);
  if (flg & FLG_CONTENT_CHECKSUM) {
    if (input.readUInt32LE(position) !== xxhash32(content) >>> 0) corrupt('content checksum mismatch');
    position += 4;
  }
  if (position !== input.length) corrupt(`${input.length - position} bytes after the end mark`);
  return content;
}

function compressFrame(input: Buffer): Buffer {
  const { lz4, scratch } = lz4Native();
  const blocks = Math.ceil(input.length / WRITE_BLOCK_SIZE);
  // Worst case: every block stored uncompressed, plus headers and end mark.
  const frame = Buffer.allocUnsafe(7 + blocks * 4 + input.length + 4);
  frame.writeUInt32LE(MAGIC, 0);
  frame[4] = FLG_VERSION | FLG_BLOCK_INDEPENDENT;
  frame[5] = WRITE_BLOCK_SIZE_ID << 4;
  frame[6] = headerChecksum(frame.subarray(4, 6));
  let position = 7;
  for (let start = 0; start < input.length; start += WRITE_BLOCK_SIZE) {
    const end = Math.min(input.length, start + WRITE_BLOCK_SIZE);
    const block = input.subarray(start, end);
    const n = lz4.encodeBlock(block, scratch);
    if (n > 0 && n < block.length) {
      frame.writeUInt32LE(n, position);
      scratch.copy(frame, position + 4, 0, n);
      position += 4 + n;
    } else {
      frame.writeUInt32LE((block.length | UNCOMPRESSED_BIT) >>> 0, position);
      block.copy(frame, position + 4);
      position += 4 + block.length;
    }
  }
  frame.writeUInt32LE(0, position);
  return frame.subarray(0, position + 4);
}

export const lz4Codec: Codec = {
  type: CompressionType.Lz4,
  name: 'lz4',
  compress: (input) => compressFrame(Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.length)),
  decompress: (input, maxOutputBytes = DEFAULT_MAX_DECOMPRESSED_BYTES) =>
    decompressFrame(Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.length), maxOutputBytes),
};
