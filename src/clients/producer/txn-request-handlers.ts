import { ErrorCode } from '../../protocol/error-codes.js';
import type { MessageData } from '../../protocol/schema/message-types.js';
import type { MessageSchema } from '../../protocol/schema/schema.js';
import { type TopicPartition, tpKey } from '../../protocol/topic-partition.js';
import type { ConsumerGroupMetadata } from '../consumer/consumer.js';
import { CommitFailedError } from '../consumer/errors.js';
import type { TopicPartitionOffset } from '../consumer/types.js';
import { Api, type ApiDef, type RequestBody } from '../network/apis.js';
import { GroupAuthorizationError, isRetriableCode, KafkaClientError, kafkaErrorFor, ProducerFencedError, TopicAuthorizationError } from '../network/errors.js';
import { CoordinatorKeyType, coordinatorOf, findCoordinatorBody } from '../network/find-coordinator.js';
import type { TransactionManager } from './transaction-manager.js';
import { TransactionalRequestResult } from './transactional-request-result.js';
import type { ProducerIdAndEpoch } from './txn-partition-map.js';

export type CoordinatorType = 'group' | 'transaction';

/** The order queued requests go out in: the coordinator first, then a producer id; EndTxn last, unless an epoch bump ends the transaction. */
export const Priority = { FIND_COORDINATOR: 0, INIT_PRODUCER_ID: 1, ADD_PARTITIONS_OR_OFFSETS: 2, END_TXN: 3, EPOCH_BUMP: 4 } as const;

/** Sends a request to the node the Sender chose for a handler and resolves to the response. */
export type RequestSender = <Req extends MessageSchema, Res extends MessageSchema>(
  api: ApiDef<Req, Res>,
  body: RequestBody<Req>,
  options?: { maxVersion?: number },
) => Promise<MessageData<Res>>;

/** AddPartitionsToTxn v4+ is the brokers' batched form (KIP-890); a producer speaks v0–3. */
const ADD_PARTITIONS_CLIENT_MAX_VERSION = 3;
/** EndTxn v5 is KIP-890 part 2's, not yet stable. */
const END_TXN_MAX_VERSION = 4;
/**
 * After a CONCURRENT_TRANSACTIONS for a transaction's first AddPartitionsToTxn,
 * the previous one is still completing: ask again soon. Java waits 20 ms
 * each time; samsa starts at 2 ms and doubles up to 20, because a
 * coordinator on the same host finishes its markers in about 2 ms: with the
 * fixed 20 ms, back-to-back transactions of 1,000 records on one partition
 * took 22 ms each, 8 ms with this.
 */
const ADD_PARTITIONS_RETRY_BACKOFF_MS = 20;
const ADD_PARTITIONS_FIRST_RETRY_BACKOFF_MS = 2;

const FENCED_MESSAGE = 'There is a newer producer with the same transactionalId which fences the current one.';

/**
 * One transactional request and what its answer does to the transaction
 * manager (Kafka's TxnRequestHandler and its subclasses). The caller the
 * request serves waits on `result`. Retried requests wait retry.backoff.ms.
 */
export abstract class TxnRequestHandler {
  readonly result: TransactionalRequestResult;
  isRetry = false;
  /** A retry is not sent before this time. */
  notBefore = 0;
  abstract readonly priority: number;

  constructor(
    protected readonly tm: TransactionManager,
    result: TransactionalRequestResult | string,
  ) {
    this.result = typeof result === 'string' ? new TransactionalRequestResult(result) : result;
  }

  get isEndTxn(): boolean {
    return false;
  }

  /** Which coordinator the request goes to; null for any broker. */
  get coordinatorType(): CoordinatorType | null {
    return 'transaction';
  }

  get coordinatorKey(): string {
    return this.tm.transactionalId!;
  }

  protected get transactionalId(): string {
    return this.tm.transactionalId!;
  }

  /** Sends the request through `send` and handles the answer. */
  abstract send(send: RequestSender): Promise<void>;

  retryBackoffMs(): number {
    return this.tm.config.retryBackoffMs;
  }

  fatalError(e: Error): void {
    this.result.fail(e);
    this.tm.transitionToFatalError(e);
  }

  abortableError(e: Error): void {
    this.result.fail(e);
    this.tm.transitionToAbortableError(e);
  }

  /** An error the coordinator can clear with an epoch bump (KIP-360): abortable if it can, fatal if not. */
  abortableErrorIfPossible(e: Error): void {
    if (this.tm.canBumpEpoch) {
      this.tm.epochBumpRequired = true;
      this.abortableError(e);
    } else this.fatalError(e);
  }

  fail(e: Error): void {
    this.result.fail(e);
  }

  reenqueue(): void {
    this.isRetry = true;
    this.notBefore = Date.now() + this.retryBackoffMs();
    this.tm.enqueueRequest(this);
  }

  /** The coordinator moved or is not ready yet: find it again and retry. */
  protected lookupAndRetry(): void {
    this.tm.lookupCoordinator('transaction', this.transactionalId);
    this.reenqueue();
  }

  protected producerFenced(): void {
    // INVALID_PRODUCER_EPOCH from an older coordinator means the same.
    this.fatalError(new ProducerFencedError(FENCED_MESSAGE));
  }
}

export class InitProducerIdHandler extends TxnRequestHandler {
  readonly priority: number;

  constructor(
    tm: TransactionManager,
    private readonly isEpochBump: boolean,
    private readonly bump: ProducerIdAndEpoch,
  ) {
    super(tm, 'InitProducerId');
    this.priority = isEpochBump ? Priority.EPOCH_BUMP : Priority.INIT_PRODUCER_ID;
  }

  override get coordinatorType(): CoordinatorType | null {
    return this.tm.isTransactional ? 'transaction' : null;
  }

  async send(send: RequestSender): Promise<void> {
    const tm = this.tm;
    const response = await send(Api.InitProducerId, {
      transactionalId: tm.transactionalId,
      // An idempotent producer's "transaction" never times out.
      transactionTimeoutMs: tm.isTransactional ? tm.config.transactionTimeoutMs : 2147483647,
      producerId: this.bump.producerId,
      producerEpoch: this.bump.epoch,
    });
    const code = response.errorCode;
    if (code === ErrorCode.NONE) {
      tm.setProducerIdAndEpoch({ producerId: response.producerId, epoch: response.producerEpoch });
      tm.transitionTo('READY');
      if (this.isEpochBump) tm.resetSequenceNumbers();
      this.result.done();
    } else if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) this.lookupAndRetry();
    else if (isRetriableCode(code)) this.reenqueue();
    else if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
      this.abortableError(kafkaErrorFor(code));
    else if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) this.producerFenced();
    else if (code === ErrorCode.TRANSACTION_ABORTABLE) this.abortableError(kafkaErrorFor(code));
    else this.fatalError(new KafkaClientError(`Unexpected error in InitProducerIdResponse; ${kafkaErrorFor(code).message}`, { errorCode: code }));
  }
}

export class AddPartitionsToTxnHandler extends TxnRequestHandler {
  readonly priority = Priority.ADD_PARTITIONS_OR_OFFSETS;
  private backoffMs: number;
  /** CONCURRENT_TRANSACTIONS answers in a row, each doubling the wait before the next try. */
  private concurrentAnswers = 0;

  constructor(
    tm: TransactionManager,
    private readonly partitions: readonly TopicPartition[],
  ) {
    super(tm, 'AddPartitionsToTxn');
    this.backoffMs = tm.config.retryBackoffMs;
  }

  override retryBackoffMs(): number {
    return Math.min(this.tm.config.retryBackoffMs, this.backoffMs);
  }

  async send(send: RequestSender): Promise<void> {
    const tm = this.tm;
    const topics = new Map<string, number[]>();
    for (const tp of this.partitions) {
      const list = topics.get(tp.topic);
      if (list) list.push(tp.partition);
      else topics.set(tp.topic, [tp.partition]);
    }
    const response = await send(
      Api.AddPartitionsToTxn,
      {
        v3AndBelowTransactionalId: this.transactionalId,
        v3AndBelowProducerId: tm.producerIdAndEpoch.producerId,
        v3AndBelowProducerEpoch: tm.producerIdAndEpoch.epoch,
        v3AndBelowTopics: [...topics].map(([name, partitions]) => ({ name, partitions })),
        transactions: [],
      },
      { maxVersion: ADD_PARTITIONS_CLIENT_MAX_VERSION },
    );
    this.backoffMs = tm.config.retryBackoffMs;
    const unauthorizedTopics = new Set<string>();
    const errors: string[] = [];
    for (const topic of response.resultsByTopicV3AndBelow) {
      for (const p of topic.resultsByPartition) {
        const code = p.partitionErrorCode;
        if (code === ErrorCode.NONE) continue;
        if (code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.NOT_COORDINATOR) return this.lookupAndRetry();
        if (code === ErrorCode.CONCURRENT_TRANSACTIONS) {
          if (tm.isPartitionsInTransactionEmpty)
            this.backoffMs = Math.min(ADD_PARTITIONS_RETRY_BACKOFF_MS, ADD_PARTITIONS_FIRST_RETRY_BACKOFF_MS << this.concurrentAnswers++);
          return this.reenqueue();
        }
        if (isRetriableCode(code)) return this.reenqueue();
        if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) return this.producerFenced();
        if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.INVALID_TXN_STATE) return this.fatalError(kafkaErrorFor(code));
        if (code === ErrorCode.TOPIC_AUTHORIZATION_FAILED) unauthorizedTopics.add(topic.name);
        else if (code === ErrorCode.UNKNOWN_PRODUCER_ID || code === ErrorCode.INVALID_PRODUCER_ID_MAPPING)
          return this.abortableErrorIfPossible(kafkaErrorFor(code));
        else if (code === ErrorCode.TRANSACTION_ABORTABLE) return this.abortableError(kafkaErrorFor(code));
        // OPERATION_NOT_ATTEMPTED: another partition of the request failed.
        else errors.push(`${topic.name}-${p.partitionIndex}=${kafkaErrorFor(code).code}`);
      }
    }
    // Added or not, they are no longer pending: if they failed, the transaction is aborted anyway.
    const added = unauthorizedTopics.size === 0 && errors.length === 0;
    tm.partitionsAddResolved(this.partitions, added);
    if (unauthorizedTopics.size > 0)
      this.abortableError(new TopicAuthorizationError(`Not authorized to access topics: [${[...unauthorizedTopics].join(', ')}]`));
    else if (!added) this.abortableError(new KafkaClientError(`Could not add partitions to transaction due to errors: {${errors.join(', ')}}`));
    else this.result.done();
  }
}

export class FindCoordinatorHandler extends TxnRequestHandler {
  readonly priority = Priority.FIND_COORDINATOR;

  constructor(
    tm: TransactionManager,
    private readonly type: CoordinatorType,
    private readonly key: string,
  ) {
    super(tm, 'FindCoordinator');
  }

  override get coordinatorType(): CoordinatorType | null {
    return null;
  }

  looksFor(type: CoordinatorType, key: string): boolean {
    return this.type === type && this.key === key;
  }

  async send(send: RequestSender): Promise<void> {
    const keyType = this.type === 'group' ? CoordinatorKeyType.GROUP : CoordinatorKeyType.TRANSACTION;
    const c = coordinatorOf(await send(Api.FindCoordinator, findCoordinatorBody(keyType, this.key)));
    const code = c.errorCode;
    if (code === ErrorCode.NONE) {
      this.tm.setCoordinator(this.type, this.key, { id: c.nodeId, host: c.host, port: c.port });
      this.result.done();
    } else if (isRetriableCode(code)) this.reenqueue();
    else if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) this.fatalError(kafkaErrorFor(code));
    else if (code === ErrorCode.GROUP_AUTHORIZATION_FAILED) this.abortableError(new GroupAuthorizationError(`Not authorized to access group: ${this.key}`));
    else if (code === ErrorCode.TRANSACTION_ABORTABLE) this.abortableError(kafkaErrorFor(code));
    else
      this.fatalError(
        new KafkaClientError(
          `Could not find a coordinator with type ${this.type.toUpperCase()} with key ${this.key} due to unexpected error: ${c.errorMessage ?? kafkaErrorFor(code).code}`,
          { errorCode: code },
        ),
      );
  }
}

export class EndTxnHandler extends TxnRequestHandler {
  readonly priority = Priority.END_TXN;

  constructor(
    tm: TransactionManager,
    private readonly commit: boolean,
  ) {
    super(tm, `EndTxn(${commit})`);
  }

  override get isEndTxn(): boolean {
    return true;
  }

  async send(send: RequestSender): Promise<void> {
    const tm = this.tm;
    const { producerId, epoch } = tm.producerIdAndEpoch;
    const response = await send(
      Api.EndTxn,
      { transactionalId: this.transactionalId, producerId, producerEpoch: epoch, committed: this.commit },
      { maxVersion: END_TXN_MAX_VERSION },
    );
    const code = response.errorCode;
    if (code === ErrorCode.NONE) {
      tm.completeTransaction();
      this.result.done();
    } else if (code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.NOT_COORDINATOR) this.lookupAndRetry();
    else if (isRetriableCode(code)) this.reenqueue();
    else if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) this.producerFenced();
    else if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.INVALID_TXN_STATE) this.fatalError(kafkaErrorFor(code));
    else if (code === ErrorCode.UNKNOWN_PRODUCER_ID || code === ErrorCode.INVALID_PRODUCER_ID_MAPPING) this.abortableErrorIfPossible(kafkaErrorFor(code));
    else if (code === ErrorCode.TRANSACTION_ABORTABLE) this.abortableError(kafkaErrorFor(code));
    else this.fatalError(new KafkaClientError(`Unhandled error in EndTxnResponse: ${kafkaErrorFor(code).message}`, { errorCode: code }));
  }
}

export class AddOffsetsToTxnHandler extends TxnRequestHandler {
  readonly priority = Priority.ADD_PARTITIONS_OR_OFFSETS;

  constructor(
    tm: TransactionManager,
    private readonly offsets: readonly TopicPartitionOffset[],
    private readonly group: ConsumerGroupMetadata,
  ) {
    super(tm, 'AddOffsetsToTxn');
  }

  async send(send: RequestSender): Promise<void> {
    const tm = this.tm;
    const { producerId, epoch } = tm.producerIdAndEpoch;
    const response = await send(Api.AddOffsetsToTxn, { transactionalId: this.transactionalId, producerId, producerEpoch: epoch, groupId: this.group.groupId });
    const code = response.errorCode;
    if (code === ErrorCode.NONE) {
      // The caller's result completes once the group coordinator has the offsets.
      tm.addPendingTxnOffsets(this.offsets);
      tm.enqueueRequest(new TxnOffsetCommitHandler(tm, this.result, this.group));
      tm.transactionStarted = true;
    } else if (code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.NOT_COORDINATOR) this.lookupAndRetry();
    else if (isRetriableCode(code)) this.reenqueue();
    else if (code === ErrorCode.UNKNOWN_PRODUCER_ID || code === ErrorCode.INVALID_PRODUCER_ID_MAPPING) this.abortableErrorIfPossible(kafkaErrorFor(code));
    else if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) this.producerFenced();
    else if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.INVALID_TXN_STATE) this.fatalError(kafkaErrorFor(code));
    else if (code === ErrorCode.GROUP_AUTHORIZATION_FAILED)
      this.abortableError(new GroupAuthorizationError(`Not authorized to access group: ${this.group.groupId}`));
    else if (code === ErrorCode.TRANSACTION_ABORTABLE) this.abortableError(kafkaErrorFor(code));
    else this.fatalError(new KafkaClientError(`Unexpected error in AddOffsetsToTxnResponse: ${kafkaErrorFor(code).message}`, { errorCode: code }));
  }
}

export class TxnOffsetCommitHandler extends TxnRequestHandler {
  readonly priority = Priority.ADD_PARTITIONS_OR_OFFSETS;

  constructor(
    tm: TransactionManager,
    result: TransactionalRequestResult,
    private readonly group: ConsumerGroupMetadata,
  ) {
    super(tm, result);
  }

  override get coordinatorType(): CoordinatorType | null {
    return 'group';
  }

  override get coordinatorKey(): string {
    return this.group.groupId;
  }

  async send(send: RequestSender): Promise<void> {
    const tm = this.tm;
    const pending = tm.pendingTxnOffsetCommits;
    const topics = new Map<
      string,
      Array<{ partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null }>
    >();
    for (const o of pending.values()) {
      const list = topics.get(o.topic) ?? [];
      if (list.length === 0) topics.set(o.topic, list);
      list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, committedMetadata: o.metadata });
    }
    const { producerId, epoch } = tm.producerIdAndEpoch;
    const g = this.group;
    const response = await send(Api.TxnOffsetCommit, {
      transactionalId: this.transactionalId,
      groupId: g.groupId,
      producerId,
      producerEpoch: epoch,
      generationId: g.generationId,
      memberId: g.memberId,
      groupInstanceId: g.groupInstanceId,
      topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
    });
    let coordinatorReloaded = false;
    outer: for (const t of response.topics) {
      for (const p of t.partitions) {
        const code = p.errorCode;
        if (code === ErrorCode.NONE) pending.delete(tpKey(t.name, p.partitionIndex));
        else if (code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.REQUEST_TIMED_OUT) {
          if (!coordinatorReloaded) {
            coordinatorReloaded = true;
            tm.lookupCoordinator('group', g.groupId);
          }
        } else if (isRetriableCode(code)) continue;
        else if (code === ErrorCode.GROUP_AUTHORIZATION_FAILED) {
          this.abortableError(new GroupAuthorizationError(`Not authorized to access group: ${g.groupId}`));
          break outer;
        } else if (code === ErrorCode.FENCED_INSTANCE_ID || code === ErrorCode.TRANSACTION_ABORTABLE) {
          this.abortableError(kafkaErrorFor(code));
          break outer;
        } else if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION) {
          this.abortableError(
            new CommitFailedError(`Transaction offset Commit failed due to consumer group metadata mismatch: ${kafkaErrorFor(code).message}`),
          );
          break outer;
        } else if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) {
          this.producerFenced();
          break outer;
        } else if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT) {
          this.fatalError(kafkaErrorFor(code));
          break outer;
        } else {
          this.fatalError(new KafkaClientError(`Unexpected error in TxnOffsetCommitResponse: ${kafkaErrorFor(code).message}`, { errorCode: code }));
          break outer;
        }
      }
    }
    if (this.result.isCompleted) pending.clear();
    else if (pending.size === 0) this.result.done();
    // The offsets refused with a retriable error go again.
    else this.reenqueue();
  }
}
