import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Partition, type PartitionState } from '../../../src/broker/replica/partition.js';
import { BACKEND_NAMES, createBackend, type LogDirectory } from '../../../storage/backend/index.js';
import { LogConfig } from '../../../storage/config/log-config.js';
import { AppendOrigin, Log } from '../../../storage/log/index.js';
import { buildRecordBatch, RecordBatchView, scanBatches } from '../../../storage/record/index.js';

const LOCAL = 1;
const OTHER = 2;

/** A batch as a leader stored it: offsets from `baseOffset`, written in `epoch`. */
function leaderBatch(baseOffset: number, count: number, epoch: number): Buffer {
  const bytes = buildRecordBatch(Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`v${baseOffset + i}`) })));
  const view = new RecordBatchView(bytes, 0);
  view.setBaseOffset(baseOffset);
  view.setPartitionLeaderEpoch(epoch);
  return bytes;
}

const state = (leader: number, leaderEpoch: number): PartitionState => ({
  controllerEpoch: 1,
  leader,
  leaderEpoch,
  isr: [LOCAL, OTHER],
  partitionEpoch: 0,
  replicas: [LOCAL, OTHER],
});

// Faults at a partition's role changes: what is still being written when the controller's decision arrives.
describe.each(BACKEND_NAMES.map((n) => [n] as const))('a partition changing roles on the %s backend', (backend) => {
  let path: string;
  let dir: LogDirectory;
  let log: Log;

  afterEach(async () => {
    await log?.close();
    await dir?.close();
    rmSync(path, { recursive: true, force: true });
  });

  async function partition(): Promise<Partition> {
    path = mkdtempSync(join(tmpdir(), `samsa-partition-${backend}-`));
    dir = await createBackend(backend).openDirectory(path);
    log = await Log.open(dir, LogConfig.from({ 'storage.backend': backend }));
    return new Partition('t', Buffer.alloc(16), 0, log, LOCAL, { replicaLagTimeMaxMs: 30_000 });
  }

  it('starts the epoch it leads after the batches its last fetch is still writing', async () => {
    const p = await partition();
    p.makeFollower(state(OTHER, 1));
    const fetched = p.appendAsFollower(leaderBatch(0, 5, 1));
    // The controller's decision arrives while the fetched batches are being written.
    await p.makeLeader(state(LOCAL, 2));
    await fetched;
    expect(log.leaderEpochs.all).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 5 },
    ]);
    expect(await p.appendAsLeader(buildRecordBatch([{ key: null, value: Buffer.from('led') }]), 1, AppendOrigin.Client)).toMatchObject({ baseOffset: 5 });
    const epochs = scanBatches((await log.read(0, 1 << 20)).bytes).batches.map((b) => [b.baseOffset, b.partitionLeaderEpoch]);
    expect(epochs).toEqual([
      [0, 1],
      [5, 2],
    ]);
  });

  it("takes a follower's fetch that comes while the epoch it leads is being recorded", async () => {
    const p = await partition();
    p.makeFollower(state(OTHER, 1));
    const fetched = p.appendAsFollower(leaderBatch(0, 5, 1));
    const leading = p.makeLeader(state(LOCAL, 2));
    // The follower fetches before the new epoch's start is written: it is a follower of this leader already.
    expect(() => p.updateFollowerFetchState(OTHER, 0, 0)).not.toThrow();
    await leading;
    await fetched;
    p.updateFollowerFetchState(OTHER, 5, 0);
    expect(p.highWatermark).toBe(5);
  });
});
