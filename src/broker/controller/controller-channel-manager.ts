import { ApiDef, type RequestBody } from '../../clients/network/apis.js';
import type { BrokerConnection } from '../../clients/network/broker-connection.js';
import type { ClientSecurity } from '../../clients/network/client-security.js';
import { UnsupportedVersionError } from '../../clients/network/errors.js';
import { LeaderAndIsrRequest, LeaderAndIsrResponse } from '../../protocol/messages/leader-and-isr.js';
import { StopReplicaRequest, StopReplicaResponse } from '../../protocol/messages/stop-replica.js';
import { UpdateMetadataRequest, UpdateMetadataResponse } from '../../protocol/messages/update-metadata.js';
import type { MessageData } from '../../protocol/schema/message-types.js';
import type { MessageSchema } from '../../protocol/schema/schema.js';
import type { BrokerEndpoint } from '../../zk/zk-data.js';
import { interBrokerConnection } from '../inter-broker-connection.js';
import type { LiveBroker } from './controller-context.js';

/** The requests the controller sends to brokers. */
export const ControllerApi = {
  LeaderAndIsr: new ApiDef('LeaderAndIsr', LeaderAndIsrRequest, LeaderAndIsrResponse),
  UpdateMetadata: new ApiDef('UpdateMetadata', UpdateMetadataRequest, UpdateMetadataResponse),
  StopReplica: new ApiDef('StopReplica', StopReplicaRequest, StopReplicaResponse),
} as const;

export type ControllerLog = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface ControllerChannelOptions {
  controllerId: number;
  /** The listener whose endpoint the controller connects to (inter.broker.listener.name; PLAINTEXT by default). */
  interBrokerListenerName: string;
  /** controller.socket.timeout.ms: a request unanswered by then closes the connection, and is sent again. */
  requestTimeoutMs: number;
  /** The pause before reconnecting after a failure (Kafka's controller waits 100 ms). */
  retryBackoffMs: number;
  /** The inter-broker listener's TLS and SASL (plain TCP without). */
  security?: ClientSecurity;
  log: ControllerLog;
}

/** The endpoint of `broker` on the inter-broker listener (a listener on every interface is reached on localhost). */
export function interBrokerEndpoint(broker: { endpoints: readonly BrokerEndpoint[] }, listenerName: string): { host: string; port: number } | undefined {
  const endpoint = broker.endpoints.find((e) => e.listenerName === listenerName);
  return endpoint === undefined ? undefined : { host: endpoint.host ?? 'localhost', port: endpoint.port };
}

interface QueuedRequest {
  api: ApiDef;
  body: RequestBody<MessageSchema>;
  callback?: (response: Record<string, unknown>) => void;
}

/**
 * The controller's line to one broker (Kafka's RequestSendThread): its requests go out one
 * at a time in the order queued, each sent again (on a new connection, after a backoff)
 * until the broker answers it, and dropped only when the broker leaves (or shares no
 * version of its API with the controller).
 */
class BrokerChannel {
  private readonly queue: QueuedRequest[] = [];
  private connection: BrokerConnection | undefined;
  private sending = false;
  private stopped = false;
  private wakeBackoff: (() => void) | undefined;

  constructor(
    readonly broker: LiveBroker,
    private readonly endpoint: { host: string; port: number },
    private readonly options: ControllerChannelOptions,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  enqueue(request: QueuedRequest): void {
    if (this.stopped) return;
    this.queue.push(request);
    if (!this.sending) void this.sendLoop();
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.connection?.close();
    this.wakeBackoff?.();
  }

  private async sendLoop(): Promise<void> {
    this.sending = true;
    try {
      while (!this.stopped && this.queue.length > 0) {
        const request = this.queue[0]!;
        let response: Record<string, unknown>;
        try {
          response = (await this.connected().request(request.api, request.body)) as Record<string, unknown>;
        } catch (error) {
          if (this.stopped) return;
          if (error instanceof UnsupportedVersionError) {
            // no version both sides know: sending it again cannot help
            this.options.log('error', `${request.api.name} to broker ${this.broker.id} dropped: ${error.message}`);
            this.queue.shift();
            continue;
          }
          this.options.log(
            'warn',
            `${request.api.name} to broker ${this.broker.id} (${this.endpoint.host}:${this.endpoint.port}) failed, sending it again: ${(error as Error).message}`,
          );
          this.connection?.close();
          this.connection = undefined;
          await this.backoff();
          continue;
        }
        if (this.stopped) return;
        this.queue.shift();
        try {
          request.callback?.(response);
        } catch (error) {
          this.options.log('error', `handling the ${request.api.name} response of broker ${this.broker.id} failed: ${(error as Error).stack}`);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  private connected(): BrokerConnection {
    if (this.connection === undefined || this.connection.state === 'closed') {
      this.connection = interBrokerConnection(
        this.broker.id,
        this.endpoint,
        `controller-${this.options.controllerId}`,
        this.options.requestTimeoutMs,
        1,
        this.options.security,
      );
    }
    return this.connection;
  }

  private backoff(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.retryBackoffMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeBackoff = done;
    });
  }
}

/**
 * The controller's connections to the live brokers (Kafka's ControllerChannelManager): one
 * BrokerConnection and one queue per broker, to the endpoint of its registration on the
 * inter-broker listener. A broker that leaves (or restarts with a new epoch) takes its
 * queue with it.
 */
export class ControllerChannelManager {
  private readonly channels = new Map<number, BrokerChannel>();
  private closed = false;

  constructor(private readonly options: ControllerChannelOptions) {}

  addBroker(broker: LiveBroker): void {
    if (this.closed) return;
    this.removeBroker(broker.id);
    const endpoint = interBrokerEndpoint(broker, this.options.interBrokerListenerName);
    if (endpoint === undefined) {
      this.options.log('error', `broker ${broker.id} has no endpoint for listener ${this.options.interBrokerListenerName}; it gets no requests`);
      return;
    }
    this.channels.set(broker.id, new BrokerChannel(broker, endpoint, this.options));
  }

  removeBroker(id: number): void {
    this.channels.get(id)?.stop();
    this.channels.delete(id);
  }

  hasBroker(id: number): boolean {
    return this.channels.has(id);
  }

  /** Queues a request to the broker; `callback` gets its response. Nothing is sent to a broker without a channel. */
  send<Req extends MessageSchema, Res extends MessageSchema>(
    brokerId: number,
    api: ApiDef<Req, Res>,
    body: RequestBody<Req>,
    callback?: (response: MessageData<Res>) => void,
  ): void {
    const channel = this.channels.get(brokerId);
    if (channel === undefined) {
      this.options.log('warn', `no channel to broker ${brokerId}; ${api.name} dropped`);
      return;
    }
    channel.enqueue({
      api: api as unknown as ApiDef,
      body: body as RequestBody<MessageSchema>,
      callback: callback as ((response: Record<string, unknown>) => void) | undefined,
    });
  }

  /** Requests queued or in flight per broker. */
  pendingRequests(): Map<number, number> {
    return new Map([...this.channels].map(([id, c]) => [id, c.pending]));
  }

  shutdown(): void {
    this.closed = true;
    for (const channel of this.channels.values()) channel.stop();
    this.channels.clear();
  }
}
