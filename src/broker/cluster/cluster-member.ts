import { setTimeout as sleep } from 'node:timers/promises';
import { Api } from '../../clients/network/apis.js';
import { BrokerConnection } from '../../clients/network/broker-connection.js';
import type { ClientSecurity } from '../../clients/network/client-security.js';
import { ErrorCode, errorName, KafkaError } from '../../protocol/error-codes.js';
import { KafkaZkClient } from '../../zk/kafka-zk-client.js';
import type { BrokerEndpoint as ZkEndpoint } from '../../zk/zk-data.js';
import type { BrokerConfig } from '../broker-config.js';
import type { BrokerEndpoint } from '../broker-context.js';
import type { BrokerIdentity } from '../meta-properties.js';
import { ClusterTopics } from '../metadata/cluster-topics.js';
import { MetadataCache } from '../metadata/metadata-cache.js';
import { TopicConfigCache } from '../metadata/topic-config-cache.js';
import type { TopicPlanner } from '../metadata/topic-planner.js';
import { BrokerRegistration } from './broker-registration.js';
import type { ClusterContext, ControllerApi } from './cluster-context.js';
import { clusterIdentity } from './cluster-identity.js';
import { ProducerIdManager } from './producer-id-manager.js';
import { ZkIsrWriter } from './zk-isr-writer.js';

/** An advertised listener as the broker registers it. */
export interface AdvertisedEndpoint {
  name: string;
  securityProtocol: string;
  host: string;
  port: number;
}

function zkEndpoint(e: AdvertisedEndpoint): ZkEndpoint {
  return { listenerName: e.name, securityProtocol: e.securityProtocol, host: e.host, port: e.port };
}

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

/** The controller as the broker runs it. */
export interface RunningController extends ControllerApi {
  startup(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * What a broker of a cluster runs besides what a single broker runs: its
 * ZooKeeper session, identity and registration, the metadata the controller
 * pushes, topic configs from ZooKeeper, cluster-wide producer ids, the
 * leaders' ISR writes, the controller it may become, and controlled shutdown.
 */
export class ClusterMember implements ClusterContext {
  readonly metadata = new MetadataCache();
  readonly isrWriter: ZkIsrWriter;
  readonly producerIds: ProducerIdManager;
  private registered: BrokerRegistration | undefined;
  private running: RunningController | undefined;
  private configListener: (topic: string, configs: Readonly<Record<string, string>>) => void = () => {};

  private constructor(
    readonly zk: KafkaZkClient,
    readonly identity: BrokerIdentity,
    readonly topicConfigs: TopicConfigCache,
    private readonly config: BrokerConfig,
    private readonly log: Log,
  ) {
    this.isrWriter = new ZkIsrWriter(zk, log);
    this.producerIds = new ProducerIdManager(zk, identity.brokerId);
  }

  /** Connects to ZooKeeper (zookeeper.connect, with its chroot), settles this broker's identity and reads the topic configs. */
  static async join(config: BrokerConfig, log: Log): Promise<ClusterMember> {
    const connectionTimeout = config.string('zookeeper.connection.timeout.ms');
    const zk = await KafkaZkClient.connect(
      {
        'zookeeper.connect': config.string('zookeeper.connect'),
        'zookeeper.session.timeout.ms': config.int('zookeeper.session.timeout.ms'),
        ...(connectionTimeout ? { 'zookeeper.connection.timeout.ms': connectionTimeout } : {}),
      },
      { log },
    );
    try {
      await zk.createTopLevelPaths();
      const identity = await clusterIdentity(zk, config);
      let member: ClusterMember | undefined;
      const configs = new TopicConfigCache(zk, (topic, c) => member?.configListener(topic, c), log);
      await configs.start();
      member = new ClusterMember(zk, identity, configs, config, log);
      return member;
    } catch (e) {
      await zk.close();
      throw e;
    }
  }

  get registration(): BrokerRegistration {
    if (!this.registered) throw new Error('the broker is not registered yet');
    return this.registered;
  }

  get controller(): ControllerApi {
    // a request that arrives while the broker starts finds no controller here yet
    if (!this.running) throw new KafkaError(ErrorCode.NOT_CONTROLLER, `broker ${this.identity.brokerId} is not the controller (it is starting)`);
    return this.running;
  }

  /** Tells `listener` of every topic config change announced in ZooKeeper. */
  onTopicConfigChange(listener: (topic: string, configs: Readonly<Record<string, string>>) => void): void {
    this.configListener = listener;
  }

  topics(planner: TopicPlanner): ClusterTopics {
    return new ClusterTopics(this.zk, this.metadata, this.topicConfigs, planner, this.config.bool('delete.topic.enable'));
  }

  /** The live brokers as clients should reach them: their endpoint on `listenerName`. */
  liveBrokers(listenerName: string): BrokerEndpoint[] {
    const out: BrokerEndpoint[] = [];
    for (const b of this.metadata.aliveBrokers()) {
      const e = b.endpoints.find((x) => x.listener === listenerName) ?? b.endpoints[0];
      if (e) out.push({ nodeId: b.id, host: e.host, port: e.port, rack: b.rack });
    }
    return out;
  }

  /** Registers /brokers/ids/<id> with the broker's advertised endpoints; returns the broker epoch. */
  async register(endpoints: readonly AdvertisedEndpoint[]): Promise<bigint> {
    const rack = this.config.string('broker.rack') || null;
    this.registered = new BrokerRegistration(
      this.zk,
      { id: this.identity.brokerId, endpoints: endpoints.map(zkEndpoint), rack, jmxPort: -1, features: {} },
      this.config.int('zookeeper.session.timeout.ms'),
      this.log,
    );
    return this.registered.register();
  }

  /** Rewrites the registration with new advertised endpoints (advertised.listeners changed while the broker runs). */
  async updateRegistration(endpoints: readonly AdvertisedEndpoint[]): Promise<void> {
    // Before the first registration there is nothing to rewrite: it registers what is advertised then.
    if (!this.registered) return;
    await this.registered.updateEndpoints(endpoints.map(zkEndpoint));
    this.log('info', `broker ${this.identity.brokerId} registered its new endpoints ${endpoints.map((e) => `${e.name}://${e.host}:${e.port}`).join(',')}`);
  }

  async startController(controller: RunningController): Promise<void> {
    this.running = controller;
    await controller.startup();
  }

  /**
   * Kafka's controlled shutdown: asks the controller to move this broker's
   * leaderships away, until it answers that none is left, at most
   * controlled.shutdown.max.retries + 1 times, controlled.shutdown.retry.backoff.ms
   * apart. Returns whether it succeeded (a broker stops anyway).
   */
  async controlledShutdown(interBrokerListener: string, security: ClientSecurity | undefined): Promise<boolean> {
    const attempts = this.config.int('controlled.shutdown.max.retries') + 1;
    const backoffMs = this.config.int('controlled.shutdown.retry.backoff.ms');
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let connection: BrokerConnection | undefined;
      try {
        const controllerId = await this.zk.getControllerId();
        const broker = controllerId === undefined ? undefined : await this.zk.getBroker(controllerId);
        const endpoint = broker?.endpoints.find((e) => e.listenerName === interBrokerListener) ?? broker?.endpoints[0];
        if (controllerId !== undefined && endpoint) {
          connection = new BrokerConnection(controllerId, endpoint.host ?? '127.0.0.1', endpoint.port, {
            clientId: `broker-${this.identity.brokerId}-controlled-shutdown`,
            requestTimeoutMs: 30_000,
            connectTimeoutMs: 10_000,
            maxInFlight: 1,
            sendBufferBytes: -1,
            receiveBufferBytes: -1,
            security,
          });
          const response = await connection.request(
            Api.ControlledShutdown,
            { brokerId: this.identity.brokerId, brokerEpoch: this.registration.epoch },
            { minVersion: 1 },
          );
          if (response.errorCode === ErrorCode.NONE && response.remainingPartitions.length === 0) {
            this.log('info', `controlled shutdown of broker ${this.identity.brokerId} succeeded`);
            return true;
          }
          this.log(
            'info',
            `controlled shutdown attempt ${attempt}: ${response.errorCode === ErrorCode.NONE ? `${response.remainingPartitions.length} partition(s) still led here` : errorName(response.errorCode)}`,
          );
        } else {
          this.log('info', `controlled shutdown attempt ${attempt}: no controller is known`);
        }
      } catch (e) {
        this.log('warn', `controlled shutdown attempt ${attempt} failed: ${(e as Error).message}`);
      } finally {
        connection?.close();
      }
      if (attempt < attempts) await sleep(backoffMs);
    }
    this.log('warn', `controlled shutdown of broker ${this.identity.brokerId} did not complete; stopping anyway`);
    return false;
  }

  /** Stops the controller and ends the ZooKeeper session (the registration goes with it, which the controller sees as this broker leaving). */
  async leave(): Promise<void> {
    await this.running?.shutdown();
    await this.isrWriter.flush();
    await this.zk.close();
  }
}
