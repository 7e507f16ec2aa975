import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCRAM_MECHANISMS, type ScramCredential, type ScramMechanism } from '../../protocol/sasl/scram.js';
import { writeFileDurably } from '../metadata/durable-write.js';

/** The file that holds a single broker's SCRAM credentials, beside samsa-topics.json (a cluster will keep them in ZooKeeper's /config/users). */
export const SCRAM_CREDENTIALS_FILE = 'samsa-scram-credentials.json';

interface StoredCredential {
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}

type StoredUsers = Record<string, Record<string, StoredCredential>>;

/**
 * SCRAM credentials by user and mechanism: salt, stored key, server key and
 * iterations only, as Kafka keeps them; never a password or salted password.
 * Persisted as the topic store is (temp file, fsync, rename).
 */
export class ScramCredentialStore {
  private readonly users = new Map<string, Map<string, ScramCredential>>();

  private constructor(private readonly path: string) {}

  static open(dir: string): ScramCredentialStore {
    const store = new ScramCredentialStore(join(dir, SCRAM_CREDENTIALS_FILE));
    if (!existsSync(store.path)) return store;
    let parsed: { users: StoredUsers };
    try {
      parsed = JSON.parse(readFileSync(store.path, 'utf8')) as { users: StoredUsers };
      if (typeof parsed.users !== 'object' || parsed.users === null) throw new Error('no users object');
    } catch (e) {
      throw new Error(`${store.path}: corrupt SCRAM credentials (${(e as Error).message}); refusing to start rather than lose users`);
    }
    for (const [user, byMechanism] of Object.entries(parsed.users)) {
      const credentials = new Map<string, ScramCredential>();
      for (const [mechanism, c] of Object.entries(byMechanism)) {
        credentials.set(mechanism, {
          salt: Buffer.from(c.salt, 'base64'),
          storedKey: Buffer.from(c.storedKey, 'base64'),
          serverKey: Buffer.from(c.serverKey, 'base64'),
          iterations: c.iterations,
        });
      }
      store.users.set(user, credentials);
    }
    return store;
  }

  get(user: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.users.get(user)?.get(mechanism.name);
  }

  /** The mechanisms and iterations of each user's credentials (what DescribeUserScramCredentials shows). */
  describe(user: string): Array<{ mechanism: ScramMechanism; iterations: number }> {
    const credentials = this.users.get(user);
    if (!credentials) return [];
    return SCRAM_MECHANISMS.filter((m) => credentials.has(m.name)).map((m) => ({ mechanism: m, iterations: credentials.get(m.name)!.iterations }));
  }

  userNames(): string[] {
    return [...this.users.keys()].sort();
  }

  /** Applies one request's deletions and upsertions together, then persists once. */
  apply(
    deletions: ReadonlyArray<{ user: string; mechanism: ScramMechanism }>,
    upsertions: ReadonlyArray<{ user: string; mechanism: ScramMechanism; credential: ScramCredential }>,
  ): void {
    if (deletions.length === 0 && upsertions.length === 0) return;
    for (const d of deletions) {
      const credentials = this.users.get(d.user);
      credentials?.delete(d.mechanism.name);
      if (credentials?.size === 0) this.users.delete(d.user);
    }
    for (const u of upsertions) {
      let credentials = this.users.get(u.user);
      if (!credentials) this.users.set(u.user, (credentials = new Map()));
      credentials.set(u.mechanism.name, u.credential);
    }
    this.save();
  }

  private save(): void {
    const users: StoredUsers = {};
    for (const [user, credentials] of this.users) {
      users[user] = {};
      for (const [mechanism, c] of credentials) {
        users[user][mechanism] = {
          salt: c.salt.toString('base64'),
          storedKey: c.storedKey.toString('base64'),
          serverKey: c.serverKey.toString('base64'),
          iterations: c.iterations,
        };
      }
    }
    writeFileDurably(this.path, JSON.stringify({ version: 1, users }, null, 1));
  }
}
