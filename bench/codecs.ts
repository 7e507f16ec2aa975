// npm run bench:codecs — compress and decompress MB/s for every codec at
// Kafka's default batch size (16 KiB) and at 1 MiB, beside memcpy of the same
// bytes measured in the same run (the ceiling no codec can pass).
import { COMPRESSION_NAMES, codecFor } from '../codecs/index.js';
import { mbps, printTable, ratio, realisticPayload, throughput } from './measure.js';

const SIZES = [16 * 1024, 1024 * 1024];
const rows: string[][] = [];
for (const size of SIZES) {
  const input = realisticPayload(size);
  const target = Buffer.allocUnsafe(size);
  const memcpy = throughput(size, () => input.copy(target));
  rows.push(['memcpy', label(size), '-', mbps(memcpy), '100%', mbps(memcpy), '100%']);
  for (const name of COMPRESSION_NAMES) {
    if (name === 'none') continue;
    const codec = codecFor(name);
    const compressed = codec.compress(input);
    const compress = throughput(size, () => codec.compress(input));
    const decompress = throughput(size, () => codec.decompress(compressed));
    rows.push([name, label(size), (compressed.length / size).toFixed(2), mbps(compress), ratio(compress, memcpy), mbps(decompress), ratio(decompress, memcpy)]);
  }
}
console.log('Codecs on realistic JSON-like records (MB/s of uncompressed bytes; % of memcpy in the same run)\n');
printTable(['codec', 'input', 'size ratio', 'compress', '% memcpy', 'decompress', '% memcpy'], rows);

function label(size: number): string {
  return size >= 1024 * 1024 ? `${size / 1024 / 1024} MiB` : `${size / 1024} KiB`;
}
