import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from './durable-write.js';

/** What the broker knows of one topic: its id, its partitions' replicas, its config overrides. */
export interface TopicInfo {
  name: string;
  /** 16 bytes, never all zero (Kafka's Uuid.ZERO_UUID means "no id"). */
  id: Buffer;
  /** Replica broker ids per partition; the first is the preferred leader. */
  replicas: number[][];
  /** Topic-level config overrides as given (strings, Kafka's names). */
  configs: Record<string, string>;
  internal: boolean;
}

interface StoredTopic {
  name: string;
  id: string;
  replicas: number[][];
  configs: Record<string, string>;
  internal?: boolean;
}

/** The file that holds the topics of a single broker (a cluster keeps them in ZooKeeper instead). */
export const TOPICS_FILE = 'samsa-topics.json';

/**
 * The broker's topic metadata: names, ids, partition assignments and config
 * overrides, kept in memory and persisted (write to a temp file, fsync, rename)
 * so topics and their configs survive restarts. Without ZooKeeper this is the
 * single source of truth; a cluster swaps the persistence for ZooKeeper znodes.
 */
export class TopicStore {
  private readonly byName = new Map<string, TopicInfo>();
  private readonly byId = new Map<string, TopicInfo>();

  private constructor(private readonly path: string) {}

  static open(dir: string): TopicStore {
    const store = new TopicStore(join(dir, TOPICS_FILE));
    if (existsSync(store.path)) {
      let parsed: { topics: StoredTopic[] };
      try {
        parsed = JSON.parse(readFileSync(store.path, 'utf8')) as { topics: StoredTopic[] };
        if (!Array.isArray(parsed.topics)) throw new Error('no topics array');
      } catch (e) {
        throw new Error(`${store.path}: corrupt topic metadata (${(e as Error).message}); refusing to start rather than forget topics`);
      }
      for (const t of parsed.topics) {
        store.index({ name: t.name, id: Buffer.from(t.id, 'base64url'), replicas: t.replicas, configs: t.configs, internal: t.internal ?? false });
      }
    }
    return store;
  }

  private index(topic: TopicInfo): void {
    this.byName.set(topic.name, topic);
    this.byId.set(topic.id.toString('hex'), topic);
  }

  get(name: string): TopicInfo | undefined {
    return this.byName.get(name);
  }

  getById(id: Buffer): TopicInfo | undefined {
    return this.byId.get(id.toString('hex'));
  }

  all(): TopicInfo[] {
    return [...this.byName.values()];
  }

  add(name: string, replicas: number[][], configs: Record<string, string>, internal = false): TopicInfo {
    const topic: TopicInfo = { name, id: newTopicId(), replicas, configs, internal };
    this.index(topic);
    this.save();
    return topic;
  }

  remove(name: string): void {
    const topic = this.byName.get(name);
    if (!topic) return;
    this.byName.delete(name);
    this.byId.delete(topic.id.toString('hex'));
    this.save();
  }

  update(topic: TopicInfo): void {
    this.index(topic);
    this.save();
  }

  private save(): void {
    const topics: StoredTopic[] = this.all().map((t) => ({
      name: t.name,
      id: t.id.toString('base64url'),
      replicas: t.replicas,
      configs: t.configs,
      internal: t.internal,
    }));
    writeFileDurably(this.path, JSON.stringify({ version: 1, topics }, null, 1));
  }
}

/** A random topic id, as Kafka's Uuid.randomUuid (never zero, never the reserved "metadata topic" id 1). */
export function newTopicId(): Buffer {
  for (;;) {
    const id = randomBytes(16);
    if (!id.equals(Buffer.alloc(16)) && !(id.readBigUInt64BE(0) === 0n && id.readBigUInt64BE(8) === 1n)) return id;
  }
}
