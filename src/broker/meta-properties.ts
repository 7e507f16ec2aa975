import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProperties } from './broker-config.js';

/** Kafka's per-log-dir identity file. */
export const META_PROPERTIES = 'meta.properties';

/**
 * Reads meta.properties in every log dir, checks they all belong to this
 * broker and one cluster, and writes it where missing. Returns the cluster id
 * (the one found, else `preferred`, else a new random one).
 */
export function ensureMetaProperties(logDirs: readonly string[], brokerId: number, preferred: string): string {
  let clusterId = '';
  for (const dir of logDirs) {
    const path = join(dir, META_PROPERTIES);
    if (!existsSync(path)) continue;
    const props = parseProperties(readFileSync(path, 'utf8'));
    if (props['broker.id'] !== undefined && Number(props['broker.id']) !== brokerId) {
      throw new Error(`${path}: configured broker.id ${brokerId} doesn't match stored broker.id ${props['broker.id']}; this log dir belongs to another broker`);
    }
    const stored = props['cluster.id'] ?? '';
    if (clusterId && stored && stored !== clusterId) throw new Error(`${path}: cluster.id ${stored} differs from ${clusterId} in another log dir`);
    clusterId = clusterId || stored;
  }
  if (preferred && clusterId && preferred !== clusterId) throw new Error(`cluster.id ${preferred} differs from the stored cluster.id ${clusterId}`);
  clusterId = clusterId || preferred || randomBytes(16).toString('base64url');
  for (const dir of logDirs) {
    const path = join(dir, META_PROPERTIES);
    if (!existsSync(path)) writeFileSync(path, `#\n#${new Date().toUTCString()}\nversion=0\nbroker.id=${brokerId}\ncluster.id=${clusterId}\n`);
  }
  return clusterId;
}
