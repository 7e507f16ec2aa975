import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { Cleanup } from '../cleanup.js';
import { loadClientFrames } from './fuzz/corpus.js';
import { fuzzCase } from './fuzz/mutator.js';
import { addStats, emptyStats, runCases } from './fuzz/runner.js';
import { ownFrames, startFuzzTarget } from './fuzz/target.js';

/**
 * Frames real clients sent (kcat, kafka-python, confluent-kafka, KafkaJS:
 * test/fixtures/client-frames.json) and samsa's own encoding of every
 * request, mutated (test/broker/fuzz/mutator.ts) and thrown at `samsa broker`
 * in a child process, a fixed count from a fixed seed. After each group of
 * cases the broker is alive, answers a fresh client, still serves the records
 * written before the fuzzing byte for byte, and its resident memory stays
 * within a bound. `npm run fuzz` runs the same cases by the million.
 */
const SEED = process.env.SAMSA_TEST_SEED === undefined ? 20261207 : Number(process.env.SAMSA_TEST_SEED);
const GROUPS = 6;
const GROUP = 500;
/** The broker's memory may grow this much over what it took with the canary written (Node's heap grows and settles). */
const RSS_GROWTH_BOUND = 256 * 1024 * 1024;

describe('samsa broker under mutated client frames', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.stopAll());

  it(`stays up, serves a fresh client and its records, in bounded memory, through ${GROUPS * GROUP} cases`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-fuzz-'));
    cleanup.add(dir, (d) => rmSync(d, { recursive: true, force: true }));
    const target = await startFuzzTarget(dir, { 'group.initial.rebalance.delay.ms': '0' });
    cleanup.add(target, (t) => {
      t.broker.kill();
      return t.broker.stop();
    });
    const clientFrames = loadClientFrames();
    expect(new Set(clientFrames.map((f) => f.client))).toEqual(new Set(['kcat', 'kafka-python', 'confluent-kafka', 'kafkajs']));
    const corpus = [...clientFrames, ...ownFrames()];

    const start = await target.check();
    expect(start.problem).toBeUndefined();
    const total = emptyStats();
    for (let group = 0; group < GROUPS; group++) {
      const from = group * GROUP;
      onTestFailed(() =>
        console.error(
          `fuzz seed ${SEED}, cases ${from}..${from + GROUP - 1} (first: ${fuzzCase(SEED, from, corpus).description}); SAMSA_TEST_SEED=${SEED} reruns them, npm run fuzz -- --seed ${SEED} --from ${from} --count ${GROUP} too`,
        ),
      );
      addStats(total, await runCases(target.broker.port, corpus, { seed: SEED, from, count: GROUP, concurrency: 16, waitMs: 200 }));
      const health = await target.check();
      expect(health.problem, target.broker.output().slice(-4000)).toBeUndefined();
      expect(health.rssBytes - start.rssBytes).toBeLessThan(RSS_GROWTH_BOUND);
    }
    // The cases reached the broker's request handling, not only its framing: some were answered, some refused.
    expect(total.cases).toBe(GROUPS * GROUP);
    expect(total.answered).toBeGreaterThan(0);
    expect(total.closed).toBeGreaterThan(0);
    await target.stop(); // exits 0 at SIGTERM, having shut down cleanly after all of it
  }, 180_000);
});
