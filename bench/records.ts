/**
 * Record batch throughput beside the machine's raw CRC-32C speed over the
 * same bytes, measured in the same run:
 *   encode    buildRecordBatch over prepared inputs (uncompressed)
 *   validate  RecordBatchView.validate(): header checks + CRC — the append/fetch hot path
 *   validate records  validate() and the walk of the records (validateRecords), what a
 *             producer's batch costs on append; the walk's own cost is printed beside the CRC's
 *   decode    every record through decodeRecords (CRC checked first, as by default)
 * Header validation should run at ≥ 90% of raw CRC-32C: it must do nothing
 * that costs more than the checksum itself.
 *
 * Run: npx tsc -p . && npm run bench:records
 */
import { nativeCrc32c, portableCrc32c } from '../storage/native/crc32c.js';
import { buildRecordBatch, decodeRecords, RecordBatchView, type RecordInput, validateRecords } from '../storage/record/index.js';

const ROUNDS = 5;
const ROUND_MS = 250;
const TARGET_RATIO = 0.9;

let sink = 0; // results flow here so the work cannot be optimized away

/** Bytes per second of `op` over `bytesPerCall`, best of the rounds it is given. */
class Meter {
  best = 0;
  constructor(
    readonly name: string,
    private readonly bytesPerCall: number,
    private readonly op: () => number,
  ) {}

  round(): void {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      for (let i = 0; i < 8; i++) sink ^= this.op();
      calls += 8;
      elapsed = performance.now() - start;
    } while (elapsed < ROUND_MS);
    this.best = Math.max(this.best, (calls * this.bytesPerCall) / (elapsed / 1000));
  }
}

/** Records like a typical producer's: 16-byte keys, ~200-byte text-ish values, one header on some. */
function makeInputs(targetBytes: number): RecordInput[] {
  const inputs: RecordInput[] = [];
  let size = 61;
  let seed = 12345;
  const nextByte = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  const t0 = Date.now();
  while (size < targetBytes - 300) {
    const key = Buffer.alloc(16, 0).map(() => 97 + (nextByte() % 26));
    const value = Buffer.alloc(150 + (nextByte() % 100)).map(() => 32 + (nextByte() % 90));
    const headers = inputs.length % 4 === 0 ? [{ key: 'trace-id', value: Buffer.from('0af7651916cd43dd') }] : undefined;
    inputs.push({ key, value, headers, timestamp: t0 + inputs.length });
    size += key.length + value.length + (headers ? 26 : 0) + 8;
  }
  return inputs;
}

function mbps(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 1e6).toFixed(0).padStart(6)} MB/s`;
}

function benchSize(label: string, targetBytes: number): boolean {
  const inputs = makeInputs(targetBytes);
  const batch = buildRecordBatch(inputs, { producerId: 1, producerEpoch: 0, baseSequence: 0 });
  const view = new RecordBatchView(batch);
  view.validate();
  const size = batch.length;

  const meters = [
    // The limit is the raw checksum samsa itself uses (native where available), over the same bytes.
    new Meter('raw crc32c', size, () => (nativeCrc32c ?? portableCrc32c)(batch)),
    new Meter('validate', size, () => {
      const v = new RecordBatchView(batch);
      v.validate();
      return v.recordCount;
    }),
    new Meter('validate records', size, () => {
      const v = new RecordBatchView(batch);
      v.validate();
      validateRecords(v);
      return v.recordCount;
    }),
    new Meter('encode', size, () => buildRecordBatch(inputs).length),
    new Meter('decode', size, () => {
      let n = 0;
      for (const record of decodeRecords(view)) n += record.value!.length;
      return n;
    }),
  ];
  // Interleaved rounds: other load on the machine hits every meter alike.
  for (let r = 0; r < ROUNDS; r++) for (const m of meters) m.round();

  const crc = meters[0]!.best;
  console.log(`\n${label} batch: ${size} bytes, ${inputs.length} records`);
  for (const m of meters) {
    console.log(`  ${m.name.padEnd(16)} ${mbps(m.best)}   ${(m.best / crc).toFixed(3)} × raw crc32c`);
  }
  // Time per batch: the walk is what `validate records` adds to `validate`.
  const nsPerBatch = (bytesPerSecond: number) => (size / bytesPerSecond) * 1e9;
  const walkNs = nsPerBatch(meters[2]!.best) - nsPerBatch(meters[1]!.best);
  console.log(
    `  record walk ${walkNs.toFixed(0)} ns per batch (${((walkNs / size) * 1e3).toFixed(0)} ps/byte) = ${(walkNs / nsPerBatch(crc)).toFixed(2)} × the raw CRC's ${nsPerBatch(crc).toFixed(0)} ns`,
  );
  const ratio = meters[1]!.best / crc;
  const ok = ratio >= TARGET_RATIO;
  console.log(`  validate / raw crc32c = ${ratio.toFixed(3)} (target ≥ ${TARGET_RATIO}) ${ok ? 'OK' : 'BELOW TARGET'}`);
  return ok;
}

console.log(`record batch v2 benchmark (node ${process.version}; best of ${ROUNDS} interleaved ${ROUND_MS} ms rounds; MB = 10^6 bytes)`);
const ok16k = benchSize('16 KiB', 16 * 1024);
const ok1m = benchSize('1 MiB', 1024 * 1024);
if (sink === 0.5) console.log(sink); // never true; keeps `sink` observable
process.exitCode = ok16k && ok1m ? 0 : 1;
