import { describe, expect, it } from 'vitest';
import { CorruptCheckpointError } from '../../storage/checkpoint/checkpoint-format.js';
import { formatLeaderEpochCheckpoint, parseLeaderEpochCheckpoint } from '../../storage/checkpoint/leader-epoch-checkpoint.js';
import { formatOffsetCheckpoint, parseOffsetCheckpoint } from '../../storage/checkpoint/offset-checkpoint.js';
import { expectThrown } from '../errors.js';

describe('offset checkpoints', () => {
  it("writes Kafka's layout: version, count, 'topic partition offset' lines", () => {
    const text = formatOffsetCheckpoint([
      { topic: 'orders', partition: 0, offset: 42 },
      { topic: 'my.topic_1', partition: 12, offset: 0 },
    ]);
    expect(text).toBe('0\n2\norders 0 42\nmy.topic_1 12 0\n');
    expect(parseOffsetCheckpoint(text, 'p')).toEqual([
      { topic: 'orders', partition: 0, offset: 42 },
      { topic: 'my.topic_1', partition: 12, offset: 0 },
    ]);
  });

  it('reads an empty checkpoint', () => {
    expect(parseOffsetCheckpoint('0\n0\n', 'p')).toEqual([]);
  });

  it.each([
    ['', 1, /expected a version/],
    ['1\n0\n', 1, /unknown version 1/],
    ['0\nx\n', 2, /expected an entry count/],
    ['0\n2\nt 0 1\n', 2, /says 2 entries but the file has 1/],
    ['0\n1\nt 0\n', 3, /expected 'topic partition offset'/],
    ['0\n1\nt -1 5\n', 3, /bad partition/],
    ['0\n1\nt 0 5x\n', 3, /bad offset/],
  ])('rejects %j naming line %i', (text, line, message) => {
    let error: unknown;
    try {
      parseOffsetCheckpoint(text, '/data/recovery-point-offset-checkpoint');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CorruptCheckpointError);
    expect((error as CorruptCheckpointError).line).toBe(line);
    expect((error as Error).message).toContain('/data/recovery-point-offset-checkpoint');
    expect((error as Error).message).toMatch(message);
  });
});

describe('leader epoch checkpoint', () => {
  it('round-trips epoch start offsets', () => {
    const entries = [
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 1500 },
    ];
    const text = formatLeaderEpochCheckpoint(entries);
    expect(text).toBe('0\n2\n0 0\n3 1500\n');
    expect(parseLeaderEpochCheckpoint(text, 'p')).toEqual(entries);
  });

  it('rejects a negative epoch', () => {
    expectThrown(() => parseLeaderEpochCheckpoint('0\n1\n-2 5\n', 'p'), CorruptCheckpointError, { path: 'p', line: 3 }, /bad epoch/);
  });
});
