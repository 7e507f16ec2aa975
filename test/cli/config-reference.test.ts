import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configReference, withConfigReference } from '../../src/cli/config-reference.js';
import { ConfigError } from '../../storage/config/config-error.js';
import { LogConfig } from '../../storage/config/log-config.js';
import { startBroker } from '../broker/harness.js';
import { expectThrown } from '../errors.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function samsa(...args: string[]) {
  return spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], { cwd: root, encoding: 'utf8', timeout: 20_000 });
}

describe('the configuration reference', () => {
  it('the README holds the reference generated from the config definitions (npm run readme:configs rewrites it)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(withConfigReference(readme) === readme, 'the README configuration reference is stale: run npm run readme:configs').toBe(true);
  });

  it('samsa broker --help lists every setting with its type, default and documentation', () => {
    const run = samsa('broker', '--help');
    expect(run.status).toBe(0);
    const entries = configReference();
    expect(entries.length).toBeGreaterThan(100);
    for (const e of entries) {
      const heading = `  ${e.name} (${e.type}, default ${e.defaultValue === '' ? '""' : e.defaultValue}${e.dynamic ? ', dynamic' : ''})\n      ${e.doc}\n`;
      expect(run.stdout).toContain(heading);
    }
    expect(run.stdout).toContain('  log.segment.bytes (int, default 1073741824, dynamic)\n');
    expect(run.stdout).toContain('  broker.id (int, default -1)\n');
  });

  it('a bad value stops the broker with the key as the user typed it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-badvalue-'));
    try {
      const run = samsa('broker', '--override', 'log.segment.bytes=big', '--override', `log.dirs=${dir}`, '--override', 'listeners=PLAINTEXT://127.0.0.1:0');
      expect(run.status).toBe(1);
      expect(run.stderr).toBe("samsa broker: log.segment.bytes: expected an integer, got 'big'\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a typo gets a "did you mean" hint: in a broker setting (a warning) and in a topic config (the error)', async () => {
    const warnings: string[] = [];
    const b = await startBroker({ 'log.segmnt.bytes': '100000', 'zzz.unrelated': '1' }, undefined, (level, message) => {
      if (level === 'warn') warnings.push(message);
    });
    try {
      expect(warnings).toContain("the configuration 'log.segmnt.bytes' was supplied but isn't a known config (did you mean log.segment.bytes?)");
      expect(warnings).toContain("the configuration 'zzz.unrelated' was supplied but isn't a known config");
    } finally {
      await b.stop();
    }
    expectThrown(
      () => LogConfig.from({ 'retention.msec': '1' }),
      ConfigError,
      { key: 'retention.msec', errorCode: 40 },
      /unknown log config \(did you mean retention\.ms\?\)/,
    );
  });
});
