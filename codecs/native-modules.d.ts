// Type declarations for the parts of untyped dependencies that codecs/ uses.

declare module 'lz4' {
  const lz4: {
    /** LZ4 block compression into `output[start, end)`; returns the compressed size, 0 if it does not fit. */
    encodeBlock(input: Buffer, output: Buffer, start?: number, end?: number): number;
    encodeBound(size: number): number;
    /** LZ4 block decompression (LZ4_decompress_safe) of `input[start, end)`; negative on malformed input. */
    decodeBlock(input: Buffer, output: Buffer, start?: number, end?: number): number;
    utils: { bindings: unknown };
  };
  export default lz4;
}

declare module 'lz4/lib/utils.js' {
  export function blockChecksum(data: Buffer): number;
}

declare module 'zstd-codec/lib/module.js' {
  /** The emscripten module under zstd-codec's wrappers; its streaming decoder reports each decoded piece. */
  interface VectorU8 {
    resize(size: number, fill: number): void;
    delete(): void;
  }
  export interface ZstdRawBinding {
    VectorU8: new () => VectorU8;
    ZstdCodec: new () => {
      compressBound(size: number): number;
      compress(dest: VectorU8, src: VectorU8, level: number): number;
      decompress(dest: VectorU8, src: VectorU8): number;
    };
    cloneToVector(dest: VectorU8, src: Uint8Array): void;
    cloneAsTypedArray(src: VectorU8): Uint8Array;
    ZstdDecompressStreamBinding: new () => {
      begin(): boolean;
      transform(input: Uint8Array, onPiece: (piece: Uint8Array) => void): boolean;
      end(onPiece: (piece: Uint8Array) => void): boolean;
      delete(): void;
    };
  }
  export function run(onReady: (binding: ZstdRawBinding) => void): void;
}
