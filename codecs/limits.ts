/**
 * The most bytes one compressed records section may expand to unless the
 * caller says otherwise. Kafka's own limit on a batch is max.message.bytes
 * (about 1 MiB) of *compressed* data; at ratios real data reaches that can
 * still be tens of MiB, so 64 MiB leaves room while refusing decompression
 * bombs long before they exhaust memory.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;
