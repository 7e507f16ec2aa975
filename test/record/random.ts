import { onTestFailed } from 'vitest';
import { Random } from './prng.js';

// The generator itself is vitest-free, for programs outside tests (bench/fuzz.ts).
export { Random };

/**
 * The Random for one test's inputs, seeded with `seed`, or with SAMSA_TEST_SEED
 * when set (to replay a failure, or to try other inputs); a failing test
 * prints the seed it ran with. Call it inside the test.
 */
export function seededRandom(seed: number): Random {
  const chosen = process.env.SAMSA_TEST_SEED === undefined ? seed : Number(process.env.SAMSA_TEST_SEED);
  onTestFailed(() => console.error(`random inputs from seed ${chosen}; SAMSA_TEST_SEED=${chosen} replays them`));
  return new Random(chosen);
}
