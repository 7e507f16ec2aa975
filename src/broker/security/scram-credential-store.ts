import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCRAM_MECHANISMS, type ScramCredential, type ScramMechanism } from '../../protocol/sasl/scram.js';
import { writeFileDurably } from '../metadata/durable-write.js';

/** The file that holds a single broker's SCRAM credentials, beside samsa-topics.json (a cluster keeps them in ZooKeeper's /config/users). */
export const SCRAM_CREDENTIALS_FILE = 'samsa-scram-credentials.json';

interface StoredCredential {
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}

type StoredUsers = Record<string, Record<string, StoredCredential>>;

/** Where a cluster keeps the configs of users (ZkEntityConfigs): SCRAM credentials under their mechanism's name, beside the user's quotas. */
export interface EntityConfigWriter {
  update(entityPath: string, changes: Readonly<Record<string, string | null>>): Promise<void>;
}

/** Kafka's path of a user's configs (users/<user>, the name URL-encoded as Kafka's Sanitizer does). */
export function userEntityPath(user: string): string {
  return `users/${encodeURIComponent(user)}`;
}

/**
 * SCRAM credentials by user and mechanism: salt, stored key, server key and
 * iterations only, as Kafka keeps them; never a password or salted password.
 * Persisted as the topic store is (temp file, fsync, rename) on a single
 * broker; in a cluster in ZooKeeper, as Kafka keeps them (keepIn), where
 * every broker reads them and follows their changes (load).
 */
export class ScramCredentialStore {
  private readonly users = new Map<string, Map<string, ScramCredential>>();
  private writer: EntityConfigWriter | undefined;

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

  /** From now on the credentials live in ZooKeeper (a cluster): the file's are forgotten, and `load` fills the store. */
  keepIn(writer: EntityConfigWriter): void {
    this.writer = writer;
    this.users.clear();
  }

  /** A user's configs as ZooKeeper holds them (at start, and at each change notification): its SCRAM credentials replace what the store had. */
  load(entityPath: string, config: Readonly<Record<string, string>>): void {
    const m = /^users\/([^/]+)$/.exec(entityPath);
    if (!m) return;
    const user = decodeURIComponent(m[1]!);
    const credentials = new Map<string, ScramCredential>();
    for (const mechanism of SCRAM_MECHANISMS) {
      const text = config[mechanism.name];
      const credential = text === undefined ? undefined : parseCredential(text);
      if (credential) credentials.set(mechanism.name, credential);
    }
    if (credentials.size > 0) this.users.set(user, credentials);
    else this.users.delete(user);
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

  /** Applies one request's deletions and upsertions together, then persists once (in a cluster, each user's znode first). */
  async apply(
    deletions: ReadonlyArray<{ user: string; mechanism: ScramMechanism }>,
    upsertions: ReadonlyArray<{ user: string; mechanism: ScramMechanism; credential: ScramCredential }>,
  ): Promise<void> {
    if (deletions.length === 0 && upsertions.length === 0) return;
    if (this.writer) {
      const byUser = new Map<string, Record<string, string | null>>();
      const changes = (user: string) => byUser.get(user) ?? byUser.set(user, {}).get(user)!;
      for (const d of deletions) changes(d.user)[d.mechanism.name] = null;
      for (const u of upsertions) changes(u.user)[u.mechanism.name] = formatCredential(u.credential);
      for (const [user, change] of byUser) await this.writer.update(userEntityPath(user), change);
    }
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
    if (!this.writer) this.save();
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

/** Kafka's text form of a credential in ZooKeeper (ScramCredentialUtils): salt=…,stored_key=…,server_key=…,iterations=… */
export function formatCredential(c: ScramCredential): string {
  return `salt=${c.salt.toString('base64')},stored_key=${c.storedKey.toString('base64')},server_key=${c.serverKey.toString('base64')},iterations=${c.iterations}`;
}

function parseCredential(text: string): ScramCredential | undefined {
  const fields = new Map(text.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
  const salt = fields.get('salt');
  const storedKey = fields.get('stored_key');
  const serverKey = fields.get('server_key');
  const iterations = Number(fields.get('iterations'));
  if (!salt || !storedKey || !serverKey || !Number.isInteger(iterations)) return undefined;
  return { salt: Buffer.from(salt, 'base64'), storedKey: Buffer.from(storedKey, 'base64'), serverKey: Buffer.from(serverKey, 'base64'), iterations };
}
