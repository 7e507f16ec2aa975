import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProperties } from './broker-config.js';

/** Kafka's per-log-dir identity file. */
export const META_PROPERTIES = 'meta.properties';

/** A log dir's meta.properties names another broker (Kafka's InconsistentBrokerIdException). */
export class InconsistentBrokerIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InconsistentBrokerIdError';
  }
}

/** Log dirs, or the configured cluster.id, name different clusters (Kafka's InconsistentClusterIdException). */
export class InconsistentClusterIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InconsistentClusterIdError';
  }
}

/** Ids generated for broker.id=-1 start above reserved.broker.max.id, as Kafka's do. */
export interface BrokerIdentity {
  brokerId: number;
  clusterId: string;
}

/** What meta.properties in the log dirs hold, if anything (the first that says). */
export function readMetaProperties(logDirs: readonly string[]): { brokerId?: number; clusterId?: string } {
  const found: { brokerId?: number; clusterId?: string } = {};
  for (const dir of logDirs) {
    const path = join(dir, META_PROPERTIES);
    if (!existsSync(path)) continue;
    const props = parseProperties(readFileSync(path, 'utf8'));
    if (found.brokerId === undefined && props['broker.id'] !== undefined) found.brokerId = Number(props['broker.id']);
    if (found.clusterId === undefined && props['cluster.id']) found.clusterId = props['cluster.id'];
  }
  return found;
}

/**
 * Reads meta.properties in every log dir, checks they all belong to one
 * broker and one cluster, and writes it where missing. broker.id -1 takes the
 * stored id, or generates one above reserved.broker.max.id. The cluster id is
 * the stored one, else `preferred`, else a new random one.
 */
export function ensureMetaProperties(logDirs: readonly string[], configuredId: number, preferred: string, reservedMaxId = 1000): BrokerIdentity {
  let clusterId = '';
  let brokerId = configuredId;
  for (const dir of logDirs) {
    const path = join(dir, META_PROPERTIES);
    if (!existsSync(path)) continue;
    const props = parseProperties(readFileSync(path, 'utf8'));
    if (props['broker.id'] !== undefined) {
      const stored = Number(props['broker.id']);
      if (brokerId < 0) brokerId = stored;
      else if (stored !== brokerId)
        throw new InconsistentBrokerIdError(
          `${path}: configured broker.id ${brokerId} doesn't match stored broker.id ${stored}; this log dir belongs to another broker`,
        );
    }
    const stored = props['cluster.id'] ?? '';
    if (clusterId && stored && stored !== clusterId)
      throw new InconsistentClusterIdError(`${path}: cluster.id ${stored} differs from ${clusterId} in another log dir`);
    clusterId = clusterId || stored;
  }
  if (preferred && clusterId && preferred !== clusterId)
    throw new InconsistentClusterIdError(`cluster.id ${preferred} differs from the stored cluster.id ${clusterId}`);
  clusterId = clusterId || preferred || randomBytes(16).toString('base64url');
  if (brokerId < 0) brokerId = reservedMaxId + 1;
  for (const dir of logDirs) {
    const path = join(dir, META_PROPERTIES);
    if (!existsSync(path)) writeFileSync(path, `#\n#${new Date().toUTCString()}\nversion=0\nbroker.id=${brokerId}\ncluster.id=${clusterId}\n`);
  }
  return { brokerId, clusterId };
}
