import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { codecFor } from '../../codecs/index.js';

/**
 * KafkaJS ships only gzip; snappy, lz4 and zstd come from plug-ins
 * (kafkajs-snappy, kafkajs-lz4, @kafkajs/zstd). samsa's own codecs stand in for
 * them here: KafkaJS then sends batches compressed by samsa's encoders, which
 * kcat (librdkafka) must read back, a cross-check of both directions.
 */
export function registerSamsaCodecs(): void {
  const adapter = (name: 'snappy' | 'lz4' | 'zstd') => () => ({
    async compress(encoder: { buffer: Buffer }) {
      return codecFor(name).compress(encoder.buffer);
    },
    async decompress(buffer: Buffer) {
      return codecFor(name).decompress(buffer);
    },
  });
  CompressionCodecs[CompressionTypes.Snappy] = adapter('snappy');
  CompressionCodecs[CompressionTypes.LZ4] = adapter('lz4');
  CompressionCodecs[CompressionTypes.ZSTD] = adapter('zstd');
}
