// The long protocol fuzz run (npm run fuzz): frames captured from kcat, kafka-python,
// confluent-kafka and KafkaJS (test/fixtures/client-frames.json) and samsa's own encoding of every
// request, mutated and sent to `samsa broker` in a child process, in groups; after each group the
// broker must be alive, answer a fresh client, keep serving the records written before fuzzing
// byte-exact, and its memory is read. A crash or hang is reported with the cases of its group and
// the broker restarted. The cases are the test's (test/broker/fuzz.test.ts), many more of them.
//
//   npm run fuzz -- [--seed N] [--count N] [--from N] [--group N] [--concurrency N] [--wait-ms N] [--backend file|mmap|level]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClientFrames } from '../test/broker/fuzz/corpus.js';
import { fuzzCase } from '../test/broker/fuzz/mutator.js';
import { addStats, BrokerGoneError, emptyStats, type FuzzStats, runCases } from '../test/broker/fuzz/runner.js';
import { type FuzzTarget, ownFrames, startFuzzTarget } from '../test/broker/fuzz/target.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} takes a non-negative integer, got ${process.argv[at + 1]}`);
  return value;
}

const seed = option('seed', 1);
const count = option('count', 1_000_000);
const from = option('from', 0);
const group = option('group', 5000);
const concurrency = option('concurrency', 32);
const waitMs = option('wait-ms', 200);
const backendAt = process.argv.indexOf('--backend');
const backend = backendAt < 0 ? 'file' : process.argv[backendAt + 1]!;

const corpus = [...loadClientFrames(), ...ownFrames()];
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

interface Failure {
  kind: 'crash' | 'hang';
  from: number;
  count: number;
  what: string;
}

async function start(): Promise<{ target: FuzzTarget; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-fuzz-'));
  const target = await startFuzzTarget(dir, { 'storage.backend': backend, 'group.initial.rebalance.delay.ms': '0' });
  return { target, dir };
}

async function stop({ target, dir }: { target: FuzzTarget; dir: string }): Promise<void> {
  target.broker.kill();
  await target.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

let current: { target: FuzzTarget; dir: string } | undefined;
// Stopped early (Ctrl-C, a timeout), the run takes its broker with it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    current?.target.broker.kill();
    process.exit(130);
  });
}

console.log(
  `fuzzing samsa broker (${backend} backend): seed ${seed}, cases ${from}..${from + count - 1}, ${corpus.length} seed frames, groups of ${group}, ${concurrency} connections at a time, ${waitMs} ms per case`,
);
current = await start();
const firstRss = (await current.target.check()).rssBytes;
let maxRss = firstRss;
let lastRss = firstRss;
const total: FuzzStats = emptyStats();
const failures: Failure[] = [];
const transient: string[] = [];
const began = performance.now();
for (let at = from; at < from + count; at += group) {
  const n = Math.min(group, from + count - at);
  let what: string | undefined;
  try {
    addStats(total, await runCases(current.target.broker.port, corpus, { seed, from: at, count: n, concurrency, waitMs }));
  } catch (error) {
    if (!(error instanceof BrokerGoneError)) throw error;
    what = error.message;
  }
  let health = await current.target.check();
  if (health.problem !== undefined && what === undefined && current.target.broker.child.exitCode === null) {
    // Cases of the group may still be finishing in the broker: a problem that is gone 5 s later is reported, not counted.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const again = await current.target.check();
    if (again.problem === undefined) {
      transient.push(`cases ${at}..${at + n - 1}: ${health.problem}`);
      console.log(`  transient after cases ${at}..${at + n - 1}: ${health.problem}`);
    }
    health = again;
  }
  what ??= health.problem;
  if (what !== undefined) {
    const exited = current.target.broker.child.exitCode !== null || current.target.broker.child.signalCode !== null;
    const failure: Failure = { kind: exited ? 'crash' : 'hang', from: at, count: n, what: `${what}\n${current.target.broker.output().slice(-2000)}` };
    failures.push(failure);
    console.log(`  ${failure.kind} in cases ${at}..${at + n - 1}: ${what} (replay: npm run fuzz -- --seed ${seed} --from ${at} --count ${n})`);
    console.log(`  first case of the group: ${fuzzCase(seed, at, corpus).description}`);
    await stop(current);
    current = await start();
  } else {
    lastRss = health.rssBytes;
    maxRss = Math.max(maxRss, lastRss);
  }
  const seconds = (performance.now() - began) / 1000;
  const done = at + n - from;
  console.log(
    `  ${done} cases, ${(done / seconds).toFixed(0)} cases/s: answered ${total.answered}, closed ${total.closed}, silent ${total.silent}; broker RSS ${mb(lastRss)} (max ${mb(maxRss)})`,
  );
}
const seconds = (performance.now() - began) / 1000;
await stop(current);

console.log(`\n${total.cases} cases in ${seconds.toFixed(0)} s: ${(total.cases / seconds).toFixed(0)} cases/s`);
console.log(`outcomes: answered ${total.answered}, closed without an answer ${total.closed}, silent for ${waitMs} ms ${total.silent}`);
console.log(
  `crashes: ${failures.filter((f) => f.kind === 'crash').length}, hangs: ${failures.filter((f) => f.kind === 'hang').length}, transient problems (gone 5 s later): ${transient.length}`,
);
console.log(`broker RSS: ${mb(firstRss)} at start, ${mb(maxRss)} at most, ${mb(lastRss)} at the end`);
for (const f of failures) console.log(`\n${f.kind} in cases ${f.from}..${f.from + f.count - 1}: ${f.what}`);
process.exitCode = failures.length > 0 ? 1 : 0;
