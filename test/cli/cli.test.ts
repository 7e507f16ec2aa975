import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = 'dist/src/cli/main.js';

function samsa(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 20_000 });
}

describe('samsa CLI', () => {
  it('is the package bin entry', () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
    expect(pkg.bin.samsa).toBe(`./${cli}`);
  });

  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
    const run = samsa('--version');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it('lists its subcommands on help', () => {
    const run = samsa('help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/usage: samsa <command>/);
    expect(run.stdout).toMatch(/version/);
  });

  it('rejects an unknown command with exit code 2 and names it', () => {
    const run = samsa('frobnicate');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
