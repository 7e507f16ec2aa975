import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CompressionType } from '../../codecs/codec.js';
import { buildRecordBatch, RecordBatchView, readAllRecords } from '../../storage/record/index.js';
import { Random } from './random.js';

// kafka-python 2.0.2 (Debian's python3-kafka, with its snappy, lz4 and zstd
// bindings) is a second independent v2 implementation, and the only one here
// that writes snappy, lz4 and zstd batches. One python process per direction.
const PYTHON = '/usr/bin/python3';
const hasKafkaPython = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import kafka.record.default_records'], { encoding: 'utf8' }).status === 0;

const SCRIPT = `
import json, sys
from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder
job = json.load(sys.stdin)
h = lambda b: None if b is None else bytes(b).hex()
u = lambda s: None if s is None else bytes.fromhex(s)
out = {"built": [], "read": []}
for spec in job["build"]:
    b = DefaultRecordBatchBuilder(magic=2, compression_type=spec["compression"], is_transactional=False,
                                  producer_id=-1, producer_epoch=-1, base_sequence=-1, batch_size=1 << 30)
    for i, r in enumerate(spec["records"]):
        b.append(i, timestamp=r["timestamp"], key=u(r["key"]), value=u(r["value"]),
                 headers=[(k, u(v)) for k, v in r["headers"]])
    out["built"].append(bytes(b.build()).hex())
for hexed in job["read"]:
    batch = DefaultRecordBatch(bytes.fromhex(hexed))
    crc_ok = batch.validate_crc()  # must run before iteration decompresses
    records = [{"offset": r.offset, "timestamp": r.timestamp, "key": h(r.key), "value": h(r.value),
                "headers": [[k, h(v)] for k, v in r.headers]} for r in batch]
    out["read"].append({"crc_ok": crc_ok, "compression": batch.compression_type, "records": records})
json.dump(out, sys.stdout)
`;

interface PlainRecord {
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

function randomRecords(r: Random): PlainRecord[] {
  const t0 = 1_650_000_000_000;
  return Array.from({ length: r.int(1, 30) }, () => ({
    timestamp: t0 + r.int(-5000, 5000),
    key: r.next() < 0.2 ? null : r.text(r.int(0, 30)).toString('hex'),
    // Compressible values, so kafka-python does not fall back to an uncompressed batch.
    value: r.next() < 0.1 ? null : r.text(r.int(50, 3000)).toString('hex'),
    headers: Array.from({ length: r.int(0, 2) }, (_, i): [string, string | null] => [`hdr${i}`, r.next() < 0.3 ? null : r.bytes(8).toString('hex')]),
  }));
}

const fromHex = (s: string | null) => (s === null ? null : Buffer.from(s, 'hex'));
const toHex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));

const COMPRESSED = [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

describe.skipIf(!hasKafkaPython)('compatibility with kafka-python 2.0.2', () => {
  const r = new Random(55);
  const sets = COMPRESSED.flatMap((compression) => [0, 1, 2].map(() => ({ compression, records: randomRecords(r) })));
  const ours = sets.map(({ compression, records }) =>
    buildRecordBatch(
      records.map((rec) => ({
        timestamp: rec.timestamp,
        key: fromHex(rec.key),
        value: fromHex(rec.value),
        headers: rec.headers.map(([key, value]) => ({ key, value: fromHex(value) })),
      })),
      { compression },
    ),
  );
  const run = spawnSync(PYTHON, ['-c', SCRIPT], {
    input: JSON.stringify({ build: sets, read: ours.map((b) => b.toString('hex')) }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  const result =
    run.status === 0 ? (JSON.parse(run.stdout) as { built: string[]; read: Array<{ crc_ok: boolean; compression: number; records: unknown[] }> }) : null;

  it('ran kafka-python', () => {
    expect(run.stderr).toBe('');
    expect(result).not.toBeNull();
  });

  it('decodes snappy, lz4, zstd and gzip batches kafka-python wrote', () => {
    for (const [i, hexed] of result!.built.entries()) {
      const view = new RecordBatchView(Buffer.from(hexed, 'hex'));
      view.validate();
      expect(view.compression, `set ${i}`).toBe(sets[i]!.compression);
      const records = readAllRecords(view).map((rec) => ({
        timestamp: rec.timestamp,
        key: toHex(rec.key),
        value: toHex(rec.value),
        headers: rec.headers.map((h) => [h.key, toHex(h.value)]),
      }));
      expect(records, `set ${i}`).toEqual(sets[i]!.records);
    }
  });

  it('has its batches decoded by kafka-python, CRC checked', () => {
    for (const [i, read] of result!.read.entries()) {
      expect(read.crc_ok, `set ${i}`).toBe(true);
      expect(read.compression, `set ${i}`).toBe(sets[i]!.compression);
      expect(read.records, `set ${i}`).toEqual(sets[i]!.records.map((rec, offset) => ({ offset, ...rec })));
    }
  });
});
