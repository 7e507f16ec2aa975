import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AclBinding, AclOperation, AclPermissionType, aclCode, aclName, PatternType, ResourceType } from '../../protocol/acl.js';
import { writeFileDurably } from '../metadata/durable-write.js';

/** Where the authorizer keeps its bindings: a file on a single broker, ZooKeeper in a cluster. */
export interface AclStore {
  /** Every binding stored, read when the broker starts. */
  load(): Promise<AclBinding[]>;
  /** Stores `next` in place of `previous`; resolves once it is durable. */
  save(next: readonly AclBinding[], previous: readonly AclBinding[]): Promise<void>;
  /** Tells the authorizer when others (other brokers) changed the bindings. */
  watch?(onChange: (all: AclBinding[]) => void): void;
}

/** The file that holds a single broker's ACLs, beside samsa-topics.json. */
export const ACLS_FILE = 'samsa-acls.json';

interface StoredAcl {
  resourceType: string;
  name: string;
  patternType: string;
  principal: string;
  host: string;
  operation: string;
  permissionType: string;
}

/** A single broker's ACLs in one JSON file, replaced whole on each change as the topic store is (temp file, fsync, rename). */
export class FileAclStore implements AclStore {
  private readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, ACLS_FILE);
  }

  async load(): Promise<AclBinding[]> {
    if (!existsSync(this.path)) return [];
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as { acls: StoredAcl[] };
      if (!Array.isArray(parsed.acls)) throw new Error('no acls array');
      return parsed.acls.map(fromStored);
    } catch (e) {
      throw new Error(`${this.path}: corrupt ACLs (${(e as Error).message}); refusing to start rather than lose them`);
    }
  }

  async save(next: readonly AclBinding[]): Promise<void> {
    writeFileDurably(this.path, JSON.stringify({ version: 1, acls: next.map(toStored) }, null, 1));
  }
}

function toStored(b: AclBinding): StoredAcl {
  return {
    resourceType: aclName(ResourceType, b.pattern.resourceType),
    name: b.pattern.name,
    patternType: aclName(PatternType, b.pattern.patternType),
    principal: b.entry.principal,
    host: b.entry.host,
    operation: aclName(AclOperation, b.entry.operation),
    permissionType: aclName(AclPermissionType, b.entry.permissionType),
  };
}

function fromStored(s: StoredAcl): AclBinding {
  const codes = {
    resourceType: aclCode(ResourceType, s.resourceType),
    patternType: aclCode(PatternType, s.patternType),
    operation: aclCode(AclOperation, s.operation),
    permissionType: aclCode(AclPermissionType, s.permissionType),
  };
  for (const [field, code] of Object.entries(codes)) if (code === 0) throw new Error(`unknown ${field} in ${JSON.stringify(s)}`);
  if (typeof s.name !== 'string' || typeof s.principal !== 'string' || typeof s.host !== 'string') throw new Error(`incomplete ACL ${JSON.stringify(s)}`);
  return {
    pattern: { resourceType: codes.resourceType, name: s.name, patternType: codes.patternType },
    entry: { principal: s.principal, host: s.host, operation: codes.operation, permissionType: codes.permissionType },
  };
}
