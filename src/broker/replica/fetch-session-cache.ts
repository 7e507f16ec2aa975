import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';

/** What a session remembers of one partition: what the client asked, and what it was last told. */
export interface SessionPartition {
  topic: string;
  topicId: Buffer;
  partition: number;
  fetchOffset: number;
  maxBytes: number;
  currentLeaderEpoch: number;
  /** Last values sent, so an incremental response can leave the partition out when nothing changed. */
  lastHighWatermark: number;
  lastLogStartOffset: number;
}

export class FetchSession {
  /** The epoch the next request must carry. */
  epoch = 1;
  lastUsedMs: number;

  constructor(
    readonly id: number,
    /** Insertion-ordered: responses list partitions in the order the session first saw them. */
    readonly partitions: Map<string, SessionPartition>,
    now: number,
  ) {
    this.lastUsedMs = now;
  }
}

export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;

/**
 * Incremental fetch sessions (KIP-227): a client that fetches many partitions
 * sends only what changed, and hears only about partitions with news.
 * Sessions are evicted least-recently-used when the cache is full.
 */
export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private nextId = 1;

  constructor(
    private readonly maxSlots: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /** A new session for a full fetch with epoch 0, or undefined when sessions are disabled (0 slots). */
  create(partitions: Map<string, SessionPartition>): FetchSession | undefined {
    if (this.maxSlots <= 0) return undefined;
    if (this.sessions.size >= this.maxSlots) {
      const oldest = [...this.sessions.values()].reduce((a, b) => (b.lastUsedMs < a.lastUsedMs ? b : a));
      this.sessions.delete(oldest.id);
    }
    let id = this.nextId;
    while (id === 0 || this.sessions.has(id)) id = (id + 1) & 0x7fffffff;
    this.nextId = (id + 1) & 0x7fffffff;
    const session = new FetchSession(id, partitions, this.now());
    this.sessions.set(id, session);
    return session;
  }

  /** The session an incremental fetch names, checked against the epoch it carries. */
  get(id: number, epoch: number): FetchSession {
    const session = this.sessions.get(id);
    if (!session) throw new KafkaError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND, `fetch session ${id} not found`);
    if (session.epoch !== epoch)
      throw new KafkaError(ErrorCode.INVALID_FETCH_SESSION_EPOCH, `fetch session ${id} expected epoch ${session.epoch}, got ${epoch}`);
    session.lastUsedMs = this.now();
    return session;
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }
}
