import { ApiDef } from '../../clients/network/apis.js';
import type { BrokerConnection } from '../../clients/network/broker-connection.js';
import type { ClientSecurity } from '../../clients/network/client-security.js';
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../protocol/messages/write-txn-markers.js';
import type { MessageData } from '../../protocol/schema/message-types.js';
import { groupByTopic, type TopicPartition } from '../../protocol/topic-partition.js';
import { interBrokerConnection } from '../inter-broker-connection.js';

export const WriteTxnMarkersApi = new ApiDef('WriteTxnMarkers', WriteTxnMarkersRequest, WriteTxnMarkersResponse);

export type WriteTxnMarkersResult = MessageData<typeof WriteTxnMarkersResponse>;
export type WriteTxnMarkersBody = MessageData<typeof WriteTxnMarkersRequest>;

/** How a channel's WriteTxnMarkers reach their broker: over an inter-broker connection, or in-process to this broker's own partitions. */
export interface MarkerTransport {
  /** The endpoint requests go to; undefined for this broker's own partitions. */
  readonly endpoint: { readonly host: string; readonly port: number } | undefined;
  send(request: WriteTxnMarkersBody): Promise<WriteTxnMarkersResult>;
  close(): void;
}

/** The markers of one transaction to be written to some partitions of one broker (Kafka's TxnIdAndMarkerEntry). */
export interface TxnMarkerEntry {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly committed: boolean;
  readonly coordinatorEpoch: number;
  readonly partitions: readonly TopicPartition[];
}

export interface MarkerChannelOptions {
  /** The client.id of the coordinator's connections. */
  clientId: string;
  /** request.timeout.ms: an unanswered WriteTxnMarkers closes the connection. */
  requestTimeoutMs: number;
  /** The inter-broker listener's TLS and SASL, when it has them. */
  security?: ClientSecurity;
}

/** WriteTxnMarkers to another broker, on a BrokerConnection to its inter-broker endpoint, opened again after a failure. */
export function networkMarkerTransport(
  brokerId: number,
  endpoint: { readonly host: string; readonly port: number },
  options: MarkerChannelOptions,
): MarkerTransport {
  let connection: BrokerConnection | undefined;
  return {
    endpoint,
    async send(request) {
      if (connection === undefined || connection.state === 'closed') {
        connection = interBrokerConnection(brokerId, endpoint, options.clientId, options.requestTimeoutMs, 1, options.security);
      }
      try {
        return await connection.request(WriteTxnMarkersApi, request);
      } catch (error) {
        connection.close();
        connection = undefined;
        throw error;
      }
    },
    close: () => connection?.close(),
  };
}

/** WriteTxnMarkers to this broker's own partitions, answered in-process by the same code that answers the request. */
export function localMarkerTransport(write: (request: WriteTxnMarkersBody) => Promise<WriteTxnMarkersResult>): MarkerTransport {
  return { endpoint: undefined, send: write, close: () => {} };
}

/**
 * The transaction coordinator's line to one broker (Kafka's per-destination
 * queue of TransactionMarkerChannelManager): markers queued for the
 * partitions that broker leads go out together in one WriteTxnMarkers, one
 * request at a time, through its transport: a connection to another
 * broker's inter-broker endpoint, or in-process for this broker's own
 * partitions (so a single broker never connects to itself, whatever its
 * listeners' security). What comes back, or the failure, goes to
 * `onResult`, which decides what to send again.
 */
export class TransactionMarkerChannel {
  private queue: TxnMarkerEntry[] = [];
  private sending = false;
  private stopped = false;

  constructor(
    readonly brokerId: number,
    readonly transport: MarkerTransport,
    private readonly onResult: (entries: readonly TxnMarkerEntry[], result: WriteTxnMarkersResult | Error) => void,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  enqueue(entry: TxnMarkerEntry): void {
    if (this.stopped) return;
    this.queue.push(entry);
    if (!this.sending) void this.sendLoop();
  }

  /** Drops what is queued (a transaction whose coordinator moved), keeping the rest. */
  drop(matches: (entry: TxnMarkerEntry) => boolean): void {
    this.queue = this.queue.filter((e) => !matches(e));
  }

  stop(): void {
    this.stopped = true;
    this.queue = [];
    this.transport.close();
  }

  private async sendLoop(): Promise<void> {
    this.sending = true;
    try {
      while (!this.stopped && this.queue.length > 0) {
        const entries = mergeByTransaction(this.queue);
        this.queue = [];
        let result: WriteTxnMarkersResult | Error;
        try {
          result = await this.transport.send({ markers: entries.map(markerOf) });
        } catch (error) {
          result = error as Error;
        }
        if (this.stopped) return;
        this.onResult(entries, result);
      }
    } finally {
      this.sending = false;
    }
  }
}

/** One entry per transaction: a retry may have queued a transaction's partitions twice. */
function mergeByTransaction(entries: readonly TxnMarkerEntry[]): TxnMarkerEntry[] {
  const merged = new Map<string, TxnMarkerEntry>();
  for (const e of entries) {
    const key = `${e.transactionalId}\u0000${e.coordinatorEpoch}\u0000${e.producerEpoch}`;
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, partitions: [...seen.partitions, ...e.partitions] } : e);
  }
  return [...merged.values()];
}

function markerOf(e: TxnMarkerEntry) {
  return {
    producerId: e.producerId,
    producerEpoch: e.producerEpoch,
    transactionResult: e.committed,
    topics: [...groupByTopic(e.partitions)].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
    coordinatorEpoch: e.coordinatorEpoch,
  };
}
