import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The layers ARCHITECTURE.md draws, and what each may import. A folder may
 * import itself and the folders listed; anything else is an upward or
 * sideways import the design does not allow.
 */
const LAYERS: Record<string, readonly string[]> = {
  codecs: [],
  'storage/native': [],
  'storage/record': ['codecs', 'storage/native'],
  'storage/config': [],
  'storage/checkpoint': [],
  'storage/backend': ['storage/native'],
  'storage/log': ['codecs', 'storage/record', 'storage/config', 'storage/checkpoint', 'storage/backend'],
  storage: ['codecs', 'storage/record', 'storage/config', 'storage/checkpoint', 'storage/backend', 'storage/log'],
  'src/protocol': [],
  'src/zk': ['storage/config'],
  'src/clients': ['src/protocol', 'storage/record', 'storage/config', 'codecs'],
  'src/broker': [
    'src/protocol',
    'src/zk',
    'src/clients/network',
    'storage/record',
    'storage/config',
    'storage/checkpoint',
    'storage/backend',
    'storage/log',
    'codecs',
  ],
  'src/cli': [
    'src/broker',
    'src/clients',
    'src/protocol',
    'storage/record',
    'storage/config',
    'storage/backend',
    'storage/log',
    'storage/checkpoint',
    'codecs',
  ],
  src: ['src/broker', 'src/clients', 'src/protocol', 'src/zk', 'storage/record', 'storage/config', 'storage/log', 'storage/backend', 'codecs'],
};

function layerOf(file: string): string {
  const candidates = Object.keys(LAYERS).filter((l) => file === l || file.startsWith(`${l}/`));
  return candidates.sort((a, b) => b.length - a.length)[0]!;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) {
      if (name !== 'build' && name !== 'node_modules') out.push(...sources(path));
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

interface Import {
  path: string;
  /** `import type`: erased when compiled, so it cannot make modules load in a circle. */
  typeOnly: boolean;
}

function imports(file: string): Import[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found: Import[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(import|export)\s+(type\s)?[^;]*?from\s+'(\.[^']+)'/g)) {
    found.push({ path: relative(root, resolve(root, dirname(file), m[3]!)).replace(/\.js$/, '.ts'), typeOnly: m[2] !== undefined });
  }
  return found;
}

describe('the layers', () => {
  const files = ['codecs', 'storage', 'src'].flatMap((d) => sources(d));
  const graph = new Map(files.map((f) => [f, imports(f)]));

  it('import only downward, as ARCHITECTURE.md draws them', () => {
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      const from = layerOf(file);
      for (const { path: dep } of deps) {
        const to = layerOf(dep);
        if (to === from || to.startsWith(`${from}/`) || LAYERS[from]!.some((l) => to === l || to.startsWith(`${l}/`) || dep.startsWith(`${l}/`))) continue;
        upward.push(`${file} -> ${dep}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('have no circle of imports (type-only imports aside)', () => {
    // Tarjan's strongly connected components over the file graph.
    let index = 0;
    const indexes = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const circles: string[][] = [];
    const visit = (v: string): void => {
      indexes.set(v, index);
      low.set(v, index++);
      stack.push(v);
      onStack.add(v);
      for (const { path: w, typeOnly } of graph.get(v) ?? []) {
        if (typeOnly || !graph.has(w)) continue;
        if (!indexes.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexes.get(w)!));
      }
      if (low.get(v) === indexes.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1) circles.push(component.sort());
      }
    };
    for (const v of graph.keys()) if (!indexes.has(v)) visit(v);
    expect(circles).toEqual([]);
  });
});
