import { ErrorCode } from '../../protocol/error-codes.js';
import type { MessageData } from '../../protocol/schema/message-types.js';
import { tpKey } from '../../protocol/topic-partition.js';
import { Api } from '../network/apis.js';
import { isRetriableCode, kafkaErrorFor, UnsupportedVersionError } from '../network/errors.js';
import { type DivergentOffset, LogTruncationError } from './errors.js';
import type { FetcherContext } from './fetcher.js';
import type { PartitionState } from './subscription-state.js';

/** OffsetForLeaderEpoch v3 is the first a consumer may send (it names the replica: -1), as Java requires. */
const MIN_VERSION = 3;

interface Check {
  readonly state: PartitionState;
  /** The state's seek epoch when the check was sent: a seek since makes the answer stale. */
  readonly seekEpoch: number;
  readonly position: number;
  readonly positionEpoch: number;
  readonly currentLeaderEpoch: number;
}

/**
 * KIP-320 for the consumer (Java's validatePositionsAsync with
 * OffsetsForLeaderEpochUtils): positions that came with a leader epoch are
 * checked against the partition's leader before fetching on — after the
 * leader changed, or when the position came from a commit or a reset. The
 * leader says where the position's epoch ends in its log; ending below the
 * position means the log was truncated under it (an unclean election), and
 * the consumer resumes at the first offset known to diverge (with
 * auto.offset.reset) or poll() throws a LogTruncationError (none).
 */
export class PositionValidator {
  private readonly inFlight = new Set<PartitionState>();
  /** When a position may be checked again, for the seek it was found under (a later seek starts afresh). */
  private readonly retryAt = new WeakMap<PartitionState, { atMs: number; seekEpoch: number }>();
  private pendingError: LogTruncationError | Error | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: FetcherContext) {}

  /** Throws what a validation found (a truncation with no reset policy), once. */
  throwIfFailed(): void {
    const e = this.pendingError;
    this.pendingError = null;
    if (e) throw e;
  }

  /**
   * Notes each assigned partition's leader epoch from the metadata (a newer one puts the
   * position up for validation) and sends OffsetForLeaderEpoch, one request per leader, for
   * the positions waiting to be validated.
   */
  validatePositionsIfNeeded(now = Date.now()): void {
    const { client, subscriptions } = this.ctx;
    const cluster = client.metadata.cluster;
    const byNode = new Map<number, Check[]>();
    for (const state of subscriptions.partitions) {
      const known = cluster.topic(state.topic)?.partitions[state.partition];
      const leader = cluster.leaderFor(state.topic, state.partition);
      if (known && leader >= 0 && known.leaderEpoch >= 0) state.leaderEpochSeen(known.leaderEpoch);
      if (!state.awaitingValidation || this.inFlight.has(state)) continue;
      if (leader < 0 || state.currentLeaderEpoch === undefined) {
        client.metadata.add(state.topic);
        client.metadata.requestUpdate();
        continue;
      }
      const retry = this.retryAt.get(state);
      if (retry && retry.seekEpoch === state.epoch && retry.atMs > now) continue;
      let list = byNode.get(leader);
      if (!list) byNode.set(leader, (list = []));
      list.push({
        state,
        seekEpoch: state.epoch,
        position: state.position!,
        positionEpoch: state.positionEpoch!,
        currentLeaderEpoch: state.currentLeaderEpoch,
      });
    }
    if (byNode.size > 0 || client.metadata.updateRequested) client.metadata.maybeUpdate();
    for (const [node, checks] of byNode) this.send(node, checks);
  }

  private send(node: number, checks: Check[]): void {
    const { client } = this.ctx;
    for (const c of checks) this.inFlight.add(c.state);
    const byTopic = new Map<string, Check[]>();
    for (const c of checks) {
      let list = byTopic.get(c.state.topic);
      if (!list) byTopic.set(c.state.topic, (list = []));
      list.push(c);
    }
    const body = {
      replicaId: -1,
      topics: [...byTopic].map(([topic, list]) => ({
        topic,
        partitions: list.map((c) => ({ partition: c.state.partition, currentLeaderEpoch: c.currentLeaderEpoch, leaderEpoch: c.positionEpoch })),
      })),
    };
    client
      .send(node, Api.OffsetForLeaderEpoch, body, { minVersion: MIN_VERSION })
      .then(
        (response) => this.onResponse(checks, response),
        (error: Error) => {
          if (error instanceof UnsupportedVersionError) {
            // A broker too old to validate for consumers: fetch on without validating, as Java does.
            for (const c of checks) if (this.stillWanted(c)) c.state.awaitingValidation = false;
            return;
          }
          this.ctx.log('debug', `OffsetForLeaderEpoch to node ${node} failed: ${error.message}`);
          client.metadata.requestUpdate();
          this.retryLater(checks.map((c) => c.state));
        },
      )
      .finally(() => {
        for (const c of checks) this.inFlight.delete(c.state);
        this.ctx.wake();
      });
  }

  private stillWanted(c: Check): boolean {
    const state = this.ctx.subscriptions.state(c.state);
    return state === c.state && state.awaitingValidation && state.epoch === c.seekEpoch;
  }

  private onResponse(checks: Check[], response: MessageData<typeof Api.OffsetForLeaderEpoch.response>): void {
    const answers = new Map<string, Item>();
    for (const t of response.topics) for (const p of t.partitions) answers.set(tpKey(t.topic, p.partition), p);
    const retry: PartitionState[] = [];
    const truncated: Array<{ check: Check; divergent: DivergentOffset }> = [];
    for (const c of checks) {
      if (!this.stillWanted(c)) continue;
      const state = c.state;
      const answer = answers.get(tpKey(state.topic, state.partition));
      if (!answer) {
        retry.push(state);
        continue;
      }
      if (answer.errorCode !== ErrorCode.NONE) {
        if (isRetriableCode(answer.errorCode)) {
          // The leader moved again, or does not know the epoch yet: new metadata, then another try.
          this.ctx.log('debug', `validating ${state.topic}-${state.partition}: ${kafkaErrorFor(answer.errorCode).code}`);
          this.ctx.client.metadata.requestUpdate();
          retry.push(state);
        } else {
          this.pendingError ??= kafkaErrorFor(answer.errorCode, `OffsetForLeaderEpoch of ${state.topic}-${state.partition}`);
        }
        continue;
      }
      const undefinedEpoch = answer.endOffset < 0 || answer.leaderEpoch < 0;
      if (!undefinedEpoch && answer.endOffset >= c.position) {
        state.awaitingValidation = false;
        continue;
      }
      const divergent: DivergentOffset = {
        topic: state.topic,
        partition: state.partition,
        offset: undefinedEpoch ? undefined : answer.endOffset,
        leaderEpoch: undefinedEpoch ? undefined : answer.leaderEpoch,
      };
      const strategy = this.ctx.subscriptions.defaultResetStrategy;
      if (strategy === 'none') {
        truncated.push({ check: c, divergent });
        continue;
      }
      if (divergent.offset === undefined) {
        this.ctx.log('info', `Truncation detected for partition ${state.topic}-${state.partition} at offset ${c.position}, resetting offset`);
        state.requestReset(strategy);
      } else {
        this.ctx.log(
          'info',
          `Truncation detected for partition ${state.topic}-${state.partition} at offset ${c.position}, resetting offset to the first offset known to diverge ${divergent.offset} (leader epoch ${divergent.leaderEpoch})`,
        );
        state.seek(divergent.offset, divergent.leaderEpoch);
      }
    }
    if (truncated.length > 0) {
      // The positions stay as they are and await validation: the application decides where to go.
      for (const t of truncated) this.retryAt.set(t.check.state, { atMs: Infinity, seekEpoch: t.check.seekEpoch });
      this.pendingError ??= new LogTruncationError(
        truncated.map((t) => ({ topic: t.check.state.topic, partition: t.check.state.partition, offset: t.check.position })),
        truncated.map((t) => t.divergent),
      );
    }
    if (retry.length > 0) this.retryLater(retry);
  }

  private retryLater(states: PartitionState[]): void {
    const backoff = this.ctx.config['retry.backoff.ms'];
    const at = Date.now() + backoff;
    for (const s of states) this.retryAt.set(s, { atMs: at, seekEpoch: s.epoch });
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ctx.wake();
    }, backoff);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

type Item = MessageData<typeof Api.OffsetForLeaderEpoch.response>['topics'][number]['partitions'][number];
