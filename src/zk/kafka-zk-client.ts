import type { ZooKeeperClientConfig } from './zk-config.js';
import {
  BROKER_IDS_PATH,
  BROKER_SEQUENCE_ID_PATH,
  type BrokerInfo,
  type BrokerRegistration,
  brokerIdPath,
  CLUSTER_ID_PATH,
  CONFIG_CHANGE_PREFIX,
  CONFIG_CHANGES_PATH,
  CONTROLLER_EPOCH_PATH,
  CONTROLLER_PATH,
  type ConfigType,
  configEntityPath,
  configEntityTypePath,
  DELETE_TOPICS_PATH,
  decodeBroker,
  decodeClusterId,
  decodeConfigChange,
  decodeControllerEpoch,
  decodeControllerId,
  decodeEntityConfig,
  decodeIsrChange,
  decodePartitionState,
  decodeReassignment,
  decodeTopicAssignment,
  deleteTopicPath,
  encodeBroker,
  encodeClusterId,
  encodeConfigChange,
  encodeController,
  encodeControllerEpoch,
  encodeEntityConfig,
  encodeIsrChange,
  encodePartitionState,
  encodeReassignment,
  encodeTopicAssignment,
  INITIAL_CONTROLLER_EPOCH,
  ISR_CHANGE_NOTIFICATION_PATH,
  ISR_CHANGE_PREFIX,
  type LeaderAndIsr,
  type LeaderIsrAndControllerEpoch,
  PERSISTENT_ZK_PATHS,
  REASSIGN_PARTITIONS_PATH,
  type ReplicaAssignment,
  sequenceNumber,
  TOPICS_PATH,
  type TopicAssignment,
  type TopicPartition,
  topicPartitionPath,
  topicPartitionStatePath,
  topicPartitionsPath,
  topicPath,
} from './zk-data.js';
import { ZkError, ZkMultiError } from './zk-error.js';
import { isCode, MATCH_ANY_VERSION, type ZkOp, type ZkOpResult, ZooKeeperClient, type ZooKeeperClientOptions } from './zookeeper-client.js';

/**
 * Another broker is the controller, or the controller epoch moved on (Kafka's
 * ControllerMovedException): a controller that gets this must resign.
 */
export class ControllerMovedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControllerMovedError';
  }
}

/** The controller epoch and the version of its znode, which fenced controller writes check. */
export interface ControllerEpoch {
  epoch: number;
  zkVersion: number;
}

/** One partition's outcome in a batch of state writes: the new state with its znode version, or why it failed. */
export type PartitionResult<T> = { tp: TopicPartition; ok: true; value: T } | { tp: TopicPartition; ok: false; error: Error };

/** The generated broker ids start above this (Kafka's reserved.broker.max.id default). */
export const DEFAULT_RESERVED_BROKER_MAX_ID = 1000;

/**
 * Kafka's ZooKeeper layout, typed (Kafka's KafkaZkClient): brokers, topics, partition states,
 * the controller and its epoch, configs and their change notifications, topic deletion,
 * reassignment and ISR change notifications, in the paths and JSON of zk-data.ts. Every
 * request is retried after a connection loss within its session (never in the next one).
 * Controller writes take the controller epoch's znode version and run in a multi with a check
 * of it, so a controller that has been replaced cannot write (ControllerMovedError).
 */
export class KafkaZkClient {
  constructor(readonly zk: ZooKeeperClient) {}

  /** Connects (creating a missing chroot) with zookeeper.* settings. */
  static async connect(settings: ZooKeeperClientConfig | Readonly<Record<string, unknown>>, options: ZooKeeperClientOptions = {}): Promise<KafkaZkClient> {
    return new KafkaZkClient(await ZooKeeperClient.connect(settings, options));
  }

  close(): Promise<void> {
    return this.zk.close();
  }

  // ---- paths and cluster id

  /** Creates Kafka's persistent top-level paths where missing (Kafka's createTopLevelPaths). */
  async createTopLevelPaths(): Promise<void> {
    for (const path of PERSISTENT_ZK_PATHS) await this.makeSurePersistentPathExists(path);
  }

  makeSurePersistentPathExists(path: string): Promise<void> {
    return this.retry(() => this.zk.createRecursive(path, undefined, false));
  }

  /** Writes /cluster/id with `proposed` if there is none; returns the cluster's id either way. */
  async createOrGetClusterId(proposed: string): Promise<string> {
    try {
      await this.retry(() => this.zk.createRecursive(CLUSTER_ID_PATH, encodeClusterId(proposed)));
      return proposed;
    } catch (error) {
      if (!isCode(error, 'NODEEXISTS')) throw error;
      const existing = await this.getClusterId();
      if (existing === undefined) throw new ZkError('NONODE', CLUSTER_ID_PATH, 'deleted while being read');
      return existing;
    }
  }

  async getClusterId(): Promise<string | undefined> {
    const data = await this.getDataOrUndefined(CLUSTER_ID_PATH);
    return data === undefined ? undefined : decodeClusterId(data.data);
  }

  // ---- brokers

  /**
   * A new broker id for broker.id=-1 (Kafka's generateBrokerId): each write to /brokers/seqid
   * gives it a new znode version, and the id is that version plus reserved.broker.max.id.
   */
  async generateBrokerId(reservedBrokerMaxId = DEFAULT_RESERVED_BROKER_MAX_ID): Promise<number> {
    return (await this.generateBrokerSequenceId()) + reservedBrokerMaxId;
  }

  async generateBrokerSequenceId(): Promise<number> {
    try {
      return (await this.retry(() => this.zk.setData(BROKER_SEQUENCE_ID_PATH, Buffer.alloc(0)))).version;
    } catch (error) {
      if (!isCode(error, 'NONODE')) throw error;
      await this.retry(() => this.zk.createRecursive(BROKER_SEQUENCE_ID_PATH, Buffer.alloc(0), false));
      return this.generateBrokerSequenceId();
    }
  }

  /**
   * Registers the broker: its ephemeral /brokers/ids/<id>, created with its data in one multi.
   * Returns the broker epoch (the znode's czxid). NODEEXISTS when another session holds the id;
   * a node this session already made (a retry after a connection loss) counts as registered.
   */
  async registerBroker(info: BrokerInfo, timestampMs = Date.now()): Promise<bigint> {
    return (await this.checkedEphemeralCreate(brokerIdPath(info.id), encodeBroker(info, timestampMs))).czxid;
  }

  /** Rewrites this broker's registration (new endpoints or features). */
  async updateBrokerInfo(info: BrokerInfo, timestampMs = Date.now()): Promise<void> {
    await this.retry(() => this.zk.setData(brokerIdPath(info.id), encodeBroker(info, timestampMs)));
  }

  async getBroker(id: number): Promise<BrokerRegistration | undefined> {
    const data = await this.getDataOrUndefined(brokerIdPath(id));
    return data === undefined ? undefined : decodeBroker(id, data.data);
  }

  /** A registered broker with its broker epoch (czxid); undefined when it is not registered. */
  async getBrokerAndEpoch(id: number): Promise<(BrokerRegistration & { epoch: bigint }) | undefined> {
    const data = await this.getDataOrUndefined(brokerIdPath(id));
    return data === undefined ? undefined : { ...decodeBroker(id, data.data), epoch: data.stat.czxid };
  }

  /** The registered brokers by id, each with its broker epoch (czxid). */
  async getAllBrokersInCluster(): Promise<Array<BrokerRegistration & { epoch: bigint }>> {
    const brokers: Array<BrokerRegistration & { epoch: bigint }> = [];
    for (const id of await this.getSortedBrokerList()) {
      const broker = await this.getBrokerAndEpoch(id);
      if (broker !== undefined) brokers.push(broker);
    }
    return brokers;
  }

  async getSortedBrokerList(): Promise<number[]> {
    return (await this.getChildrenOrEmpty(BROKER_IDS_PATH)).map(Number).sort((a, b) => a - b);
  }

  // ---- controller

  /**
   * Tries to become the controller: creates the ephemeral /controller and increments
   * /controller_epoch in one multi, conditional on the epoch's znode version (creating the
   * epoch at 0 first if missing), as Kafka's registerControllerAndIncrementControllerEpoch.
   * Returns the new epoch and its znode version; ControllerMovedError when another broker won.
   */
  async registerController(brokerId: number, timestampMs = Date.now()): Promise<ControllerEpoch> {
    const current = (await this.readControllerEpoch()) ?? (await this.createControllerEpoch());
    const epoch = current.epoch + 1;
    try {
      const results = await this.retry(() =>
        this.zk.multi([
          { op: 'create', path: CONTROLLER_PATH, data: encodeController(brokerId, timestampMs), mode: 'EPHEMERAL' },
          { op: 'setData', path: CONTROLLER_EPOCH_PATH, data: encodeControllerEpoch(epoch), version: current.zkVersion },
        ]),
      );
      return { epoch, zkVersion: setDataVersion(results[1]) };
    } catch (error) {
      if (!isCode(error, 'NODEEXISTS') && !isCode(error, 'BADVERSION')) throw error;
      // a retried multi that had gone through the first time also lands here: check who won
      const controller = await this.getControllerId();
      const now = await this.readControllerEpoch();
      if (controller === brokerId && now?.epoch === epoch) return now;
      throw new ControllerMovedError(
        controller === undefined
          ? `the controller changed while broker ${brokerId} tried to become it`
          : `broker ${controller} is the controller (epoch ${now?.epoch})`,
      );
    }
  }

  async getControllerId(): Promise<number | undefined> {
    const data = await this.getDataOrUndefined(CONTROLLER_PATH);
    return data === undefined ? undefined : decodeControllerId(data.data);
  }

  /** The controller epoch and its znode version; undefined before the first controller. */
  async readControllerEpoch(): Promise<ControllerEpoch | undefined> {
    const data = await this.getDataOrUndefined(CONTROLLER_EPOCH_PATH);
    return data === undefined ? undefined : { epoch: decodeControllerEpoch(data.data), zkVersion: data.stat.version };
  }

  /**
   * Writes epoch + 1 if /controller_epoch is still at `current.zkVersion`; the new epoch and
   * version. ControllerMovedError when another controller has written it since.
   */
  async incrementControllerEpoch(current: ControllerEpoch): Promise<ControllerEpoch> {
    try {
      const stat = await this.zk.setData(CONTROLLER_EPOCH_PATH, encodeControllerEpoch(current.epoch + 1), current.zkVersion);
      return { epoch: current.epoch + 1, zkVersion: stat.version };
    } catch (error) {
      if (isCode(error, 'BADVERSION')) throw new ControllerMovedError(`controller epoch ${current.epoch} (znode version ${current.zkVersion}) is stale`);
      throw error;
    }
  }

  /** Deletes /controller (a resigning controller), fenced by its epoch's znode version. */
  async deleteController(expectedControllerEpochZkVersion: number): Promise<void> {
    try {
      await this.fenced({ op: 'delete', path: CONTROLLER_PATH }, expectedControllerEpochZkVersion);
    } catch (error) {
      if (!isCode(error, 'NONODE')) throw error;
    }
  }

  private async createControllerEpoch(): Promise<ControllerEpoch> {
    try {
      await this.retry(() => this.zk.create(CONTROLLER_EPOCH_PATH, encodeControllerEpoch(INITIAL_CONTROLLER_EPOCH)));
      return { epoch: INITIAL_CONTROLLER_EPOCH, zkVersion: 0 };
    } catch (error) {
      if (!isCode(error, 'NODEEXISTS')) throw error;
      const epoch = await this.readControllerEpoch();
      if (!epoch) throw new ZkError('NONODE', CONTROLLER_EPOCH_PATH, 'deleted while being read');
      return epoch;
    }
  }

  // ---- topics and partitions

  /** Creates /brokers/topics/<topic> (NODEEXISTS when the topic exists). */
  async createTopicAssignment(topic: string, topicId: Buffer | null, assignment: ReadonlyMap<number, number[]>): Promise<void> {
    const partitions = new Map([...assignment].map(([p, replicas]) => [p, { replicas, addingReplicas: [], removingReplicas: [] }]));
    await this.retry(() => this.zk.createRecursive(topicPath(topic), encodeTopicAssignment(topicId, partitions)));
  }

  /** Rewrites a topic's assignment (new partitions, a reassignment), fenced when a controller epoch version is given. */
  async setTopicAssignment(
    topic: string,
    topicId: Buffer | null,
    partitions: ReadonlyMap<number, ReplicaAssignment>,
    expectedControllerEpochZkVersion = MATCH_ANY_VERSION,
  ): Promise<void> {
    await this.fenced({ op: 'setData', path: topicPath(topic), data: encodeTopicAssignment(topicId, partitions) }, expectedControllerEpochZkVersion);
  }

  async getTopicAssignment(topic: string): Promise<TopicAssignment | undefined> {
    const data = await this.getDataOrUndefined(topicPath(topic));
    return data === undefined ? undefined : decodeTopicAssignment(topic, data.data);
  }

  async getAllTopicsInCluster(): Promise<string[]> {
    return this.getChildrenOrEmpty(TOPICS_PATH);
  }

  async topicExists(topic: string): Promise<boolean> {
    return (await this.retry(() => this.zk.exists(topicPath(topic)))) !== null;
  }

  /** The partitions' states (with their znode versions); partitions without one are left out. */
  async getTopicPartitionStates(partitions: readonly TopicPartition[]): Promise<Array<{ tp: TopicPartition; state: LeaderIsrAndControllerEpoch }>> {
    const states = await Promise.all(
      partitions.map(async (tp) => {
        const data = await this.getDataOrUndefined(topicPartitionStatePath(tp));
        return data === undefined ? undefined : { tp, state: decodePartitionState(tp, data.data, data.stat.version) };
      }),
    );
    return states.filter((s) => s !== undefined);
  }

  async getTopicPartitionState(tp: TopicPartition): Promise<LeaderIsrAndControllerEpoch | undefined> {
    return (await this.getTopicPartitionStates([tp]))[0]?.state;
  }

  /**
   * Creates the state znodes of new partitions (and their parents), fenced by the controller
   * epoch's znode version. Each created state has znode version 0 (its partitionEpoch); a
   * partition whose state exists fails with NODEEXISTS.
   */
  async createTopicPartitionStates(
    states: ReadonlyArray<{ tp: TopicPartition; state: LeaderIsrAndControllerEpoch }>,
    expectedControllerEpochZkVersion: number,
  ): Promise<Array<PartitionResult<LeaderAndIsr>>> {
    for (const topic of new Set(states.map((s) => s.tp.topic))) await this.createIfMissing(topicPartitionsPath(topic), expectedControllerEpochZkVersion);
    for (const { tp } of states) await this.createIfMissing(topicPartitionPath(tp), expectedControllerEpochZkVersion);
    return Promise.all(
      states.map(async ({ tp, state }): Promise<PartitionResult<LeaderAndIsr>> => {
        try {
          await this.fenced({ op: 'create', path: topicPartitionStatePath(tp), data: encodePartitionState(state) }, expectedControllerEpochZkVersion);
          return { tp, ok: true, value: { ...state.leaderAndIsr, partitionEpoch: 0 } };
        } catch (error) {
          if (error instanceof ControllerMovedError) throw error;
          return { tp, ok: false, error: error as Error };
        }
      }),
    );
  }

  /**
   * A partition leader's ISR change: the state written conditional on the znode version the
   * leader knows, without the controller's fencing (Kafka's conditionalUpdatePath, used by
   * leaders before AlterPartition existed). Returns the new version, or null when the state
   * moved on (BADVERSION) or is gone (NONODE). A write retried after a connection loss may
   * meet its own first attempt, applied although its reply was lost: a znode one version on
   * holding exactly this state is that write (Kafka's checkLeaderAndIsrZkData), not a refusal
   * (which would leave the leader holding an ISR ZooKeeper no longer has).
   */
  async conditionalUpdatePartitionState(tp: TopicPartition, state: LeaderIsrAndControllerEpoch, expectedVersion: number): Promise<number | null> {
    const data = encodePartitionState(state);
    try {
      return (await this.retry(() => this.zk.setData(topicPartitionStatePath(tp), data, expectedVersion))).version;
    } catch (error) {
      if (isCode(error, 'NONODE')) return null;
      if (!isCode(error, 'BADVERSION')) throw error;
    }
    const current = await this.getDataOrUndefined(topicPartitionStatePath(tp));
    return current?.stat.version === expectedVersion + 1 && current.data?.equals(data) ? current.stat.version : null;
  }

  /**
   * Writes new leaders and ISRs, each conditional on the state znode's version it was read at
   * (its partitionEpoch), fenced by the controller epoch's znode version (Kafka's
   * updateLeaderAndIsr). `finished` has the written states with their new versions, or errors;
   * `retry` the partitions whose state changed meanwhile (BADVERSION), to read and try again.
   */
  async updateLeaderAndIsr(
    updates: ReadonlyArray<{ tp: TopicPartition; leaderAndIsr: LeaderAndIsr }>,
    controllerEpoch: number,
    expectedControllerEpochZkVersion: number,
  ): Promise<{ finished: Array<PartitionResult<LeaderAndIsr>>; retry: TopicPartition[] }> {
    const finished: Array<PartitionResult<LeaderAndIsr>> = [];
    const retry: TopicPartition[] = [];
    await Promise.all(
      updates.map(async ({ tp, leaderAndIsr }) => {
        try {
          const result = await this.fenced(
            {
              op: 'setData',
              path: topicPartitionStatePath(tp),
              data: encodePartitionState({ leaderAndIsr, controllerEpoch }),
              version: leaderAndIsr.partitionEpoch,
            },
            expectedControllerEpochZkVersion,
          );
          finished.push({ tp, ok: true, value: { ...leaderAndIsr, partitionEpoch: setDataVersion(result) } });
        } catch (error) {
          if (error instanceof ControllerMovedError) throw error;
          if (isCode(error, 'BADVERSION')) retry.push(tp);
          else finished.push({ tp, ok: false, error: error as Error });
        }
      }),
    );
    return { finished, retry };
  }

  /** Deletes a topic's znode and everything under it, fenced. */
  async deleteTopicZNode(topic: string, expectedControllerEpochZkVersion: number): Promise<void> {
    await this.deleteRecursiveFenced(topicPath(topic), expectedControllerEpochZkVersion);
  }

  // ---- configs

  /** The configs of an entity (a topic, a broker…); empty when it has none. */
  async getEntityConfigs(type: ConfigType, name: string): Promise<Record<string, string>> {
    const path = configEntityPath(type, name);
    const data = await this.getDataOrUndefined(path);
    return data === undefined ? {} : decodeEntityConfig(path, data.data);
  }

  /** Writes an entity's configs, creating the znode if needed (Kafka's setOrCreateEntityConfigs). */
  async setOrCreateEntityConfigs(type: ConfigType, name: string, config: Readonly<Record<string, string>>): Promise<void> {
    const path = configEntityPath(type, name);
    const data = encodeEntityConfig(config);
    try {
      await this.retry(() => this.zk.setData(path, data));
    } catch (error) {
      if (!isCode(error, 'NONODE')) throw error;
      try {
        await this.retry(() => this.zk.createRecursive(path, data));
      } catch (again) {
        if (!isCode(again, 'NODEEXISTS')) throw again;
        await this.retry(() => this.zk.setData(path, data));
      }
    }
  }

  async getAllEntitiesWithConfig(type: ConfigType): Promise<string[]> {
    return this.getChildrenOrEmpty(configEntityTypePath(type));
  }

  /** The client ids with configs under a user (/config/users/<user>/clients/<client-id>, Kafka's user and client-id quotas). */
  async getUserClientIdsWithConfig(user: string): Promise<string[]> {
    return this.getChildrenOrEmpty(`${configEntityPath('users', user)}/clients`);
  }

  /** Announces a config change to every broker: /config/changes/config_change_<seq> naming `entityPath` (topics/<topic>). */
  async createConfigChangeNotification(entityPath: string): Promise<string> {
    await this.makeSurePersistentPathExists(CONFIG_CHANGES_PATH);
    return this.retry(() => this.zk.create(`${CONFIG_CHANGES_PATH}/${CONFIG_CHANGE_PREFIX}`, encodeConfigChange(entityPath), 'PERSISTENT_SEQUENTIAL'));
  }

  /** The config change notifications' znode names, in order (their sequence numbers sort as text). */
  async getConfigChangeNotificationNames(): Promise<string[]> {
    return (await this.getChildrenOrEmpty(CONFIG_CHANGES_PATH)).filter((n) => n.startsWith(CONFIG_CHANGE_PREFIX)).sort();
  }

  /** The config change notifications after `after`, in order: each znode name and the entity path it names (one purged meanwhile is skipped). */
  async getConfigChangeNotifications(after = ''): Promise<Array<{ name: string; entityPath: string }>> {
    const names = (await this.getConfigChangeNotificationNames()).filter((n) => n > after);
    const changes: Array<{ name: string; entityPath: string }> = [];
    for (const name of names) {
      const path = `${CONFIG_CHANGES_PATH}/${name}`;
      const data = await this.getDataOrUndefined(path);
      if (data !== undefined) changes.push({ name, entityPath: decodeConfigChange(path, data.data) });
    }
    return changes;
  }

  /** A topic's configs (the overrides of the broker's defaults). */
  getTopicConfig(topic: string): Promise<Record<string, string>> {
    return this.getEntityConfigs('topics', topic);
  }

  /** Writes a topic's configs and notifies the brokers (Kafka's AdminZkClient.changeTopicConfig). */
  async setTopicConfig(topic: string, config: Readonly<Record<string, string>>): Promise<void> {
    await this.setOrCreateEntityConfigs('topics', topic, config);
    await this.createConfigChangeNotification(`topics/${topic}`);
  }

  /** Deletes the topics' config znodes, fenced. */
  async deleteTopicConfigs(topics: readonly string[], expectedControllerEpochZkVersion: number): Promise<void> {
    for (const topic of topics) await this.deleteIfPresent(configEntityPath('topics', topic), expectedControllerEpochZkVersion);
  }

  // ---- topic deletion, reassignment, ISR change notifications

  /** Asks the controller to delete the topic: /admin/delete_topics/<topic> (NODEEXISTS when already asked). */
  async markTopicForDeletion(topic: string): Promise<void> {
    await this.retry(() => this.zk.createRecursive(deleteTopicPath(topic)));
  }

  async isTopicMarkedForDeletion(topic: string): Promise<boolean> {
    return (await this.retry(() => this.zk.exists(deleteTopicPath(topic)))) !== null;
  }

  async getTopicDeletions(): Promise<string[]> {
    return this.getChildrenOrEmpty(DELETE_TOPICS_PATH);
  }

  async deleteTopicDeletions(topics: readonly string[], expectedControllerEpochZkVersion: number): Promise<void> {
    for (const topic of topics) await this.deleteIfPresent(deleteTopicPath(topic), expectedControllerEpochZkVersion);
  }

  /** The reassignment asked for in /admin/reassign_partitions (none when absent). */
  async getPartitionReassignment(): Promise<Array<{ tp: TopicPartition; replicas: number[] }>> {
    const data = await this.getDataOrUndefined(REASSIGN_PARTITIONS_PATH);
    return data === undefined ? [] : decodeReassignment(data.data);
  }

  async createPartitionReassignment(reassignment: ReadonlyArray<{ tp: TopicPartition; replicas: number[] }>): Promise<void> {
    await this.retry(() => this.zk.createRecursive(REASSIGN_PARTITIONS_PATH, encodeReassignment(reassignment)));
  }

  /** Rewrites the reassignments still asked for (the controller removing finished ones), fenced; NONODE when there is none. */
  async setPartitionReassignment(
    reassignment: ReadonlyArray<{ tp: TopicPartition; replicas: number[] }>,
    expectedControllerEpochZkVersion: number,
  ): Promise<void> {
    await this.fenced({ op: 'setData', path: REASSIGN_PARTITIONS_PATH, data: encodeReassignment(reassignment) }, expectedControllerEpochZkVersion);
  }

  async reassignPartitionsInProgress(): Promise<boolean> {
    return (await this.retry(() => this.zk.exists(REASSIGN_PARTITIONS_PATH))) !== null;
  }

  async deletePartitionReassignment(expectedControllerEpochZkVersion: number): Promise<void> {
    await this.deleteIfPresent(REASSIGN_PARTITIONS_PATH, expectedControllerEpochZkVersion);
  }

  /** Tells the controller that these partitions' ISRs changed: /isr_change_notification/isr_change_<seq>. */
  async propagateIsrChanges(partitions: readonly TopicPartition[]): Promise<string> {
    return this.retry(() => this.zk.create(`${ISR_CHANGE_NOTIFICATION_PATH}/${ISR_CHANGE_PREFIX}`, encodeIsrChange(partitions), 'PERSISTENT_SEQUENTIAL'));
  }

  /** The sequence numbers of the pending ISR change notifications, in order. */
  async getAllIsrChangeNotifications(): Promise<string[]> {
    return (await this.getChildrenOrEmpty(ISR_CHANGE_NOTIFICATION_PATH)).map((name) => sequenceNumber(name, ISR_CHANGE_PREFIX)).sort();
  }

  async getPartitionsFromIsrChangeNotifications(sequenceNumbers: readonly string[]): Promise<TopicPartition[]> {
    const partitions: TopicPartition[] = [];
    for (const seq of sequenceNumbers) {
      const path = `${ISR_CHANGE_NOTIFICATION_PATH}/${ISR_CHANGE_PREFIX}${seq}`;
      const data = await this.getDataOrUndefined(path);
      if (data !== undefined) partitions.push(...decodeIsrChange(path, data.data));
    }
    return partitions;
  }

  async deleteIsrChangeNotifications(sequenceNumbers: readonly string[], expectedControllerEpochZkVersion: number): Promise<void> {
    for (const seq of sequenceNumbers)
      await this.deleteIfPresent(`${ISR_CHANGE_NOTIFICATION_PATH}/${ISR_CHANGE_PREFIX}${seq}`, expectedControllerEpochZkVersion);
  }

  // ---- helpers

  private retry<T>(operation: () => Promise<T>): Promise<T> {
    return this.zk.retryUntilConnected(operation);
  }

  /**
   * Runs `op`, in a multi behind a check of /controller_epoch's znode version unless that is
   * MATCH_ANY_VERSION (Kafka's wrapRequestWithControllerEpochCheck). A failed check is
   * ControllerMovedError; a failed op is its own ZkError.
   */
  private async fenced(op: ZkOp, expectedControllerEpochZkVersion: number): Promise<ZkOpResult> {
    if (expectedControllerEpochZkVersion === MATCH_ANY_VERSION) return (await this.retry(() => this.zk.multi([op])))[0];
    try {
      const results = await this.retry(() => this.zk.multi([{ op: 'check', path: CONTROLLER_EPOCH_PATH, version: expectedControllerEpochZkVersion }, op]));
      return results[1];
    } catch (error) {
      if (!(error instanceof ZkMultiError)) throw error;
      if (error.failedOp === 0 && error.code === 'BADVERSION') {
        throw new ControllerMovedError(`controller epoch znode version ${expectedControllerEpochZkVersion} is stale`);
      }
      throw new ZkError(error.code, error.path);
    }
  }

  private async checkedEphemeralCreate(path: string, data: Buffer): Promise<{ czxid: bigint; version: number }> {
    try {
      // created empty, then written at version 0: a node found with a later version was not made here
      const results = await this.retry(() =>
        this.zk.multi([
          { op: 'create', path, mode: 'EPHEMERAL' },
          { op: 'setData', path, data, version: 0 },
        ]),
      );
      const stat = results[1].op === 'setData' ? results[1].stat : undefined;
      return { czxid: stat!.czxid, version: stat!.version };
    } catch (error) {
      if (!isCode(error, 'NODEEXISTS')) throw error;
      const existing = await this.getDataOrUndefined(path);
      if (existing === undefined) return this.checkedEphemeralCreate(path, data); // gone meanwhile: try again
      if (existing.stat.ephemeralOwner !== this.zk.sessionId) {
        throw new ZkError('NODEEXISTS', path, `held by session 0x${BigInt.asUintN(64, existing.stat.ephemeralOwner).toString(16)}`);
      }
      return { czxid: existing.stat.czxid, version: existing.stat.version };
    }
  }

  private async createIfMissing(path: string, expectedControllerEpochZkVersion: number): Promise<void> {
    try {
      await this.fenced({ op: 'create', path }, expectedControllerEpochZkVersion);
    } catch (error) {
      if (!isCode(error, 'NODEEXISTS')) throw error;
    }
  }

  private async deleteIfPresent(path: string, expectedControllerEpochZkVersion: number): Promise<void> {
    try {
      await this.fenced({ op: 'delete', path }, expectedControllerEpochZkVersion);
    } catch (error) {
      if (!isCode(error, 'NONODE')) throw error;
    }
  }

  private async deleteRecursiveFenced(path: string, expectedControllerEpochZkVersion: number): Promise<void> {
    for (const child of await this.getChildrenOrEmpty(path)) await this.deleteRecursiveFenced(`${path}/${child}`, expectedControllerEpochZkVersion);
    await this.deleteIfPresent(path, expectedControllerEpochZkVersion);
  }

  private async getDataOrUndefined(
    path: string,
  ): Promise<{ data: Buffer | null; stat: { version: number; czxid: bigint; ephemeralOwner: bigint } } | undefined> {
    try {
      return await this.retry(() => this.zk.getData(path));
    } catch (error) {
      if (isCode(error, 'NONODE')) return undefined;
      throw error;
    }
  }

  private async getChildrenOrEmpty(path: string): Promise<string[]> {
    try {
      return (await this.retry(() => this.zk.getChildren(path))).children;
    } catch (error) {
      if (isCode(error, 'NONODE')) return [];
      throw error;
    }
  }
}

function setDataVersion(result: ZkOpResult): number {
  if (result.op !== 'setData') throw new Error(`expected a setData result, got ${result.op}`);
  return result.stat.version;
}
