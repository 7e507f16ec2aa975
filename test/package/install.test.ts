// The package as a user gets it: `npm pack`'s tarball installed with plain `npm install <tarball>`
// into a fresh project in a temp dir (no .npmrc of its own, no npm_* variables inherited from
// `npm test`; --prefer-offline only so the registry cache CI's `npm ci` filled serves it).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';

const root = packageRoot(import.meta.url);
const MINUTES = 60_000;

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment without what `npm test` adds, which a user's shell has none of: npm_config_*,
 * npm_package_* and the like, and on PATH this repo's node_modules/.bin (whose tsc or node-gyp
 * would hide a script that needs a dev dependency) and npm's node-gyp-bin.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  const path = (env.PATH ?? '').split(delimiter).filter((dir) => !dir.startsWith(root) && !dir.includes('node-gyp-bin'));
  return { ...env, PATH: path.join(delimiter), ...extra };
}

function run(command: string, args: string[], cwd: string, env = userEnv(), timeout = 4 * MINUTES): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

// Writes every backend's records through the installed 'samsa/storage' and reads them back.
const BACKENDS_SCRIPT = `
import { LogManager, buildRecordBatch, scanBatches, decodeRecords, StorageError } from 'samsa/storage';
import { Producer, Consumer, Admin } from 'samsa';
import { mkdtempSync } from 'node:fs';
const results = {};
for (const backend of ['file', 'mmap', 'level']) {
  try {
    const logs = await LogManager.open({ logDirs: [mkdtempSync('data-' + backend + '-')], defaults: { 'storage.backend': backend } });
    const log = await logs.getOrCreateLog('t', 0);
    await log.append(buildRecordBatch([{ key: 'k', value: backend }]));
    const read = await log.read(0, 65536);
    const values = scanBatches(read.bytes).batches.flatMap((b) => [...decodeRecords(b)].map((r) => r.value?.toString()));
    await logs.close();
    results[backend] = values;
  } catch (error) {
    results[backend] = { error: error.message, code: error.code, storageError: error instanceof StorageError };
  }
}
results.clients = [Producer, Consumer, Admin].map((c) => typeof c);
console.log(JSON.stringify(results));
`;

describe('the packed package in a fresh project', () => {
  let work: string;
  let tarball: string;
  let project: string;

  beforeAll(async () => {
    // `npm test` compiled dist/ first; packing must not recompile it under running tests, so no prepare.
    expect(existsSync(join(root, 'dist', 'src', 'index.js')), 'dist/ is built (tsc -p .)').toBe(true);
    work = mkdtempSync(join(tmpdir(), 'samsa-package-'));
    const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], root);
    expect(pack.stderr + pack.stdout).not.toMatch(/npm error/);
    expect(pack.status).toBe(0);
    tarball = join(work, JSON.parse(pack.stdout)[0].filename);
    project = join(work, 'app');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
    const install = await run('npm', ['install', '--prefer-offline', tarball], project);
    expect(install.stderr, install.stdout).not.toMatch(/npm error/);
    expect(install.status).toBe(0);
  }, 6 * MINUTES);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships dist/, the native sources it builds, README, ARCHITECTURE and LICENSE, and no tests or benchmarks', async () => {
    const list = await run('tar', ['tzf', tarball], work);
    expect(list.status).toBe(0);
    const files = list.stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    for (const file of [
      'package.json',
      'README.md',
      'ARCHITECTURE.md',
      'LICENSE',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/storage/index.d.ts',
      'dist/src/cli/main.js',
      'storage/native/binding.gyp',
      'storage/native/crc32c.c',
      'storage/native/mmap.c',
      'storage/native/install.mjs',
    ]) {
      expect(files, file).toContain(file);
    }
    expect(files.filter((f) => /^(test|bench|dist\/test|dist\/bench)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
    expect(files.filter((f) => f.includes('/build/') || f.endsWith('.node'))).toEqual([]);
  });

  it('runs all three storage backends and loads the clients from the installed package', async () => {
    expect(existsSync(join(project, 'node_modules', 'samsa', 'storage', 'native', 'build', 'Release', 'samsa_mmap.node'))).toBe(true);
    writeFileSync(join(project, 'backends.mjs'), BACKENDS_SCRIPT);
    const result = await run(process.execPath, ['backends.mjs'], project);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ file: ['file'], mmap: ['mmap'], level: ['level'], clients: ['function', 'function', 'function'] });
  });

  it("compiles the README's examples under strict against the installed types of samsa and samsa/storage", async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(examples.map((code) => /from '(samsa[^']*)'/.exec(code)?.[1])).toEqual(['samsa/storage', 'samsa', 'samsa', 'samsa']);
    examples.forEach((code, i) => {
      writeFileSync(join(project, `example-${i}.ts`), code);
    });
    // A mistake the compiler must catch, so a check that passes has compiled something.
    writeFileSync(
      join(project, 'wrong.ts'),
      "import { Consumer } from 'samsa';\nconst c = new Consumer({ 'bootstrap.servers': 'x', 'key.deserializer': 'string' });\nfor await (const r of c) r.key.length;\n",
    );
    const tsconfig = (include: string[]) => ({
      compilerOptions: {
        strict: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        lib: ['es2022'],
        noEmit: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
      },
      include,
    });
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig(examples.map((_, i) => `example-${i}.ts`))));
    writeFileSync(join(project, 'tsconfig.wrong.json'), JSON.stringify(tsconfig(['wrong.ts'])));
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    const compiled = await run(tsc, ['-p', 'tsconfig.json'], project);
    expect(compiled.stdout + compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
    const wrong = await run(tsc, ['-p', 'tsconfig.wrong.json'], project);
    expect(wrong.stdout).toMatch(/wrong\.ts.*'r\.key' is possibly 'null'/);
    expect(wrong.status).not.toBe(0);
  });

  it("runs the README's storage example from the installed package", async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const code = /## Embedding the log engine[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    writeFileSync(join(project, 'embedding.mjs'), code!);
    const result = await run(process.execPath, ['embedding.mjs'], project);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('0 order-1 {"total":42}\n1 order-2 {"total":7}\nappended offsets 0..1; log end offset 2\n');
  });

  it('installs on a machine that cannot compile at all: lz4 (an optional dependency) is left out and lz4 batches are refused with a typed error', async () => {
    const bare = join(work, 'app-no-compiler');
    mkdirSync(bare);
    writeFileSync(join(bare, 'package.json'), JSON.stringify({ name: 'bare', version: '1.0.0', private: true, type: 'module' }));
    const install = await run('npm', ['install', '--prefer-offline', tarball], bare, userEnv({ CC: '/bin/false', CXX: '/bin/false' }));
    expect(install.stderr, install.stdout).not.toMatch(/npm error/);
    expect(install.status).toBe(0);
    expect(existsSync(join(bare, 'node_modules', 'lz4'))).toBe(false);
    writeFileSync(
      join(bare, 'codecs.mjs'),
      `import { buildRecordBatch, scanBatches, decodeRecords, UnsupportedCompressionError } from 'samsa/storage';
const out = {};
for (const [name, compression] of [['gzip', 1], ['snappy', 2], ['lz4', 3], ['zstd', 4]]) {
  try {
    const batch = buildRecordBatch([{ value: name }], { compression });
    out[name] = scanBatches(batch).batches.flatMap((b) => [...decodeRecords(b)].map((r) => r.value.toString()));
  } catch (error) {
    out[name] = { typed: error instanceof UnsupportedCompressionError, errorCode: error.errorCode, message: error.message };
  }
}
console.log(JSON.stringify(out));
`,
    );
    const result = await run(process.execPath, ['codecs.mjs'], bare);
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout);
    expect({ gzip: out.gzip, snappy: out.snappy, zstd: out.zstd }).toEqual({ gzip: ['gzip'], snappy: ['snappy'], zstd: ['zstd'] });
    expect(out.lz4).toMatchObject({ typed: true, errorCode: 76 });
    expect(out.lz4.message).toContain('npm rebuild lz4');
  });

  // Last: it leaves the installed package without its addons.
  it('still installs where the addons cannot be built; then only storage.backend=mmap fails, saying why and what to install', async () => {
    // A machine without a working C compiler: `npm rebuild` runs the install script again, and it fails to compile.
    const rebuild = await run('npm', ['rebuild', 'samsa'], project, userEnv({ CC: '/bin/false', CXX: '/bin/false' }));
    expect(rebuild.stderr, rebuild.stdout).not.toMatch(/npm error/);
    expect(rebuild.status).toBe(0);
    const native = join(project, 'node_modules', 'samsa', 'storage', 'native');
    expect(existsSync(join(native, 'build', 'Release', 'samsa_mmap.node'))).toBe(false);
    expect(readFileSync(join(native, 'build-failure.log'), 'utf8')).toMatch(/gyp ERR!/);
    const result = await run(process.execPath, ['backends.mjs'], project);
    expect(result.stderr).toBe('');
    const { file, mmap, level } = JSON.parse(result.stdout);
    expect({ file, level }).toEqual({ file: ['file'], level: ['level'] });
    expect(mmap).toMatchObject({ code: 'UNAVAILABLE', storageError: true });
    expect(mmap.error).toContain('storage.backend=mmap cannot be used');
    expect(mmap.error).toContain(join(native, 'build-failure.log'));
    expect(mmap.error).toContain('build-essential python3');
    expect(mmap.error).toContain('npm rebuild samsa');
    // The broker chosen with it stops at start with that message, and exit 1.
    const samsa = join(project, 'node_modules', '.bin', 'samsa');
    const broker = await run(
      samsa,
      [
        'broker',
        '--override',
        'listeners=PLAINTEXT://127.0.0.1:0',
        '--override',
        `log.dirs=${join(project, 'broker-logs')}`,
        '--override',
        'storage.backend=mmap',
      ],
      project,
      userEnv(),
      MINUTES,
    );
    expect(broker.stderr).toContain('storage.backend=mmap cannot be used');
    expect(broker.stderr).toContain('build-essential python3');
    expect(broker.status).toBe(1);
  });
});
