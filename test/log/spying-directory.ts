import type { LogDirectory, OpenOptions, StorageObject } from '../../storage/backend/index.js';

/** A member of `target` as it is, its methods bound to it. */
function bound(target: object, key: string | symbol): unknown {
  const value: unknown = Reflect.get(target, key);
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}

/**
 * `dir`, with every object it opens seen through `spy`: what `spy` returns
 * for a member replaces it, undefined leaves the object's own (for tests
 * that count or record what the log engine does to its objects).
 */
export function spyingDirectory(dir: LogDirectory, spy: (name: string, object: StorageObject, key: string | symbol) => unknown): LogDirectory {
  return new Proxy(dir, {
    get: (target, key) => {
      if (key !== 'open') return bound(target, key);
      return async (name: string, options?: OpenOptions): Promise<StorageObject> => {
        const object = await target.open(name, options);
        return new Proxy(object, { get: (o, k) => spy(name, o, k) ?? bound(o, k) });
      };
    },
  });
}
