/**
 * Kafka's ZooKeeper layout (ZooKeeper mode, Kafka 2.7–3.x): the znode paths and the JSON each
 * holds, written as Kafka writes them (keys in the order Kafka's output shows them), so an
 * operator finds in zkCli what a Kafka cluster would show, and read leniently (older versions).
 */

export interface TopicPartition {
  topic: string;
  partition: number;
}

export const CLUSTER_ID_PATH = '/cluster/id';
export const CONTROLLER_PATH = '/controller';
export const CONTROLLER_EPOCH_PATH = '/controller_epoch';
export const BROKERS_PATH = '/brokers';
export const BROKER_IDS_PATH = '/brokers/ids';
export const BROKER_SEQUENCE_ID_PATH = '/brokers/seqid';
export const TOPICS_PATH = '/brokers/topics';
export const CONFIG_PATH = '/config';
export const CONFIG_CHANGES_PATH = '/config/changes';
export const CONFIG_CHANGE_PREFIX = 'config_change_';
export const ADMIN_PATH = '/admin';
export const DELETE_TOPICS_PATH = '/admin/delete_topics';
export const REASSIGN_PARTITIONS_PATH = '/admin/reassign_partitions';
export const ISR_CHANGE_NOTIFICATION_PATH = '/isr_change_notification';
export const ISR_CHANGE_PREFIX = 'isr_change_';
export const LOG_DIR_EVENT_NOTIFICATION_PATH = '/log_dir_event_notification';
export const PRODUCER_ID_BLOCK_PATH = '/latest_producer_id_block';
/** The pre-0.9 consumers' path, still created by Kafka. */
export const CONSUMERS_PATH = '/consumers';

/** Kafka's config entity types (ConfigType.ALL): each has /config/<type>. */
export const CONFIG_TYPES = ['topics', 'clients', 'users', 'brokers', 'ips'] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];

/** The persistent paths a broker makes sure of at start (Kafka's ZkData.PersistentZkPaths). */
export const PERSISTENT_ZK_PATHS: readonly string[] = [
  CONSUMERS_PATH,
  BROKER_IDS_PATH,
  TOPICS_PATH,
  CONFIG_CHANGES_PATH,
  DELETE_TOPICS_PATH,
  BROKER_SEQUENCE_ID_PATH,
  ISR_CHANGE_NOTIFICATION_PATH,
  PRODUCER_ID_BLOCK_PATH,
  LOG_DIR_EVENT_NOTIFICATION_PATH,
  ...CONFIG_TYPES.map((type) => configEntityTypePath(type)),
];

/** Kafka's KafkaController.InitialControllerEpoch (and its znode version). */
export const INITIAL_CONTROLLER_EPOCH = 0;

export const brokerIdPath = (id: number): string => `${BROKER_IDS_PATH}/${id}`;
export const topicPath = (topic: string): string => `${TOPICS_PATH}/${topic}`;
export const topicPartitionsPath = (topic: string): string => `${topicPath(topic)}/partitions`;
export const topicPartitionPath = (tp: TopicPartition): string => `${topicPartitionsPath(tp.topic)}/${tp.partition}`;
export const topicPartitionStatePath = (tp: TopicPartition): string => `${topicPartitionPath(tp)}/state`;
export function configEntityTypePath(type: ConfigType): string {
  return `${CONFIG_PATH}/${type}`;
}
export const configEntityPath = (type: ConfigType, name: string): string => `${configEntityTypePath(type)}/${name}`;
export const deleteTopicPath = (topic: string): string => `${DELETE_TOPICS_PATH}/${topic}`;

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** The JSON object in a znode's data; a ZkDataError names the path when it is not one. */
function parse(path: string, data: Buffer | null): Record<string, unknown> {
  if (data === null || data.length === 0) throw new ZkDataError(path, 'no data');
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    throw new ZkDataError(path, `not JSON: ${data.toString('utf8').slice(0, 200)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ZkDataError(path, 'not a JSON object');
  return value as Record<string, unknown>;
}

function int(path: string, object: Record<string, unknown>, key: string): number {
  const value = object[key];
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new ZkDataError(path, `"${key}" is not an integer: ${JSON.stringify(value)}`);
  return n;
}

function ints(path: string, value: unknown, what: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v)))
    throw new ZkDataError(path, `${what} is not a list of integers: ${JSON.stringify(value)}`);
  return value as number[];
}

/** A znode whose data is not what Kafka writes there. */
export class ZkDataError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'ZkDataError';
  }
}

// /cluster/id: {"version":"1","id":"..."} (the version is a string there)

export const encodeClusterId = (id: string): Buffer => json({ version: '1', id });

export function decodeClusterId(data: Buffer | null): string {
  const id = parse(CLUSTER_ID_PATH, data).id;
  if (typeof id !== 'string') throw new ZkDataError(CLUSTER_ID_PATH, 'no "id"');
  return id;
}

// /controller: {"version":1,"brokerid":1,"timestamp":"1614570663255"}; Kafka 3.4+ writes version 2
// with a kraftControllerEpoch, read here too

export const encodeController = (brokerId: number, timestampMs: number): Buffer => json({ version: 1, brokerid: brokerId, timestamp: String(timestampMs) });

export const decodeControllerId = (data: Buffer | null): number => int(CONTROLLER_PATH, parse(CONTROLLER_PATH, data), 'brokerid');

// /controller_epoch: the epoch as decimal text

export const encodeControllerEpoch = (epoch: number): Buffer => Buffer.from(String(epoch));

export function decodeControllerEpoch(data: Buffer | null): number {
  const text = data?.toString('utf8') ?? '';
  if (!/^-?\d+$/.test(text)) throw new ZkDataError(CONTROLLER_EPOCH_PATH, `not an epoch: ${JSON.stringify(text)}`);
  return Number(text);
}

// /brokers/ids/<id>: version 5

export interface BrokerEndpoint {
  listenerName: string;
  securityProtocol: string;
  /** null for a listener on every interface. */
  host: string | null;
  port: number;
}

export interface BrokerInfo {
  id: number;
  endpoints: BrokerEndpoint[];
  rack: string | null;
  jmxPort: number;
  /** Supported feature ranges by feature name (none in samsa yet). */
  features: Record<string, { min_version: number; max_version: number }>;
}

/** The registration read back: what was registered, when, and the JSON version. */
export interface BrokerRegistration extends BrokerInfo {
  version: number;
  timestampMs: number;
}

const DEFAULT_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

/** LISTENER://host:port, with an IPv6 host in brackets (Kafka's EndPoint.connectionString). */
export function endpointString(endpoint: BrokerEndpoint): string {
  const host = endpoint.host === null ? '' : endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `${endpoint.listenerName}://${host}:${endpoint.port}`;
}

export function encodeBroker(info: BrokerInfo, timestampMs: number): Buffer {
  // the top-level host and port are for old clients: the first PLAINTEXT endpoint's, else none
  const plaintext = info.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
  return json({
    features: info.features,
    listener_security_protocol_map: Object.fromEntries(info.endpoints.map((e) => [e.listenerName, e.securityProtocol])),
    endpoints: info.endpoints.map(endpointString),
    jmx_port: info.jmxPort,
    ...(info.rack === null ? {} : { rack: info.rack }),
    host: plaintext ? plaintext.host : null,
    timestamp: String(timestampMs),
    port: plaintext ? plaintext.port : -1,
    version: 5,
  });
}

export function decodeBroker(id: number, data: Buffer | null): BrokerRegistration {
  const path = brokerIdPath(id);
  const o = parse(path, data);
  const version = int(path, o, 'version');
  if (version < 1) throw new ZkDataError(path, `unsupported registration version ${version}`);
  let endpoints: BrokerEndpoint[];
  if (version === 1) {
    endpoints = [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: String(o.host), port: int(path, o, 'port') }];
  } else {
    const protocols = (o.listener_security_protocol_map ?? Object.fromEntries(DEFAULT_SECURITY_PROTOCOLS.map((p) => [p, p]))) as Record<string, string>;
    if (!Array.isArray(o.endpoints)) throw new ZkDataError(path, 'no "endpoints"');
    endpoints = o.endpoints.map((text: unknown) => {
      const match = /^(.+):\/\/\[?([0-9a-zA-Z\-%._:]*?)\]?:(-?\d+)$/.exec(String(text));
      if (!match) throw new ZkDataError(path, `bad endpoint ${JSON.stringify(text)}`);
      const securityProtocol = protocols[match[1]];
      if (securityProtocol === undefined) throw new ZkDataError(path, `no security protocol for listener ${match[1]}`);
      return { listenerName: match[1], securityProtocol, host: match[2] === '' ? null : match[2], port: Number(match[3]) };
    });
  }
  const rack = typeof o.rack === 'string' ? o.rack : null;
  const features = (typeof o.features === 'object' && o.features !== null ? o.features : {}) as BrokerInfo['features'];
  const timestampMs = o.timestamp === undefined ? 0 : int(path, o, 'timestamp');
  return { id, endpoints, rack, jmxPort: int(path, o, 'jmx_port'), features, version, timestampMs };
}

// /brokers/topics/<topic>: version 3

export interface ReplicaAssignment {
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

export interface TopicAssignment {
  topic: string;
  /** The 16-byte topic id (base64url in the JSON, as Kafka's Uuid.toString); null for a topic from before ids. */
  topicId: Buffer | null;
  partitions: Map<number, ReplicaAssignment>;
}

export function encodeTopicAssignment(topicId: Buffer | null, partitions: ReadonlyMap<number, ReplicaAssignment>): Buffer {
  const pick = (f: (a: ReplicaAssignment) => number[], skipEmpty: boolean): Record<string, number[]> =>
    Object.fromEntries([...partitions].filter(([, a]) => !skipEmpty || f(a).length > 0).map(([p, a]) => [String(p), f(a)]));
  return json({
    partitions: pick((a) => a.replicas, false),
    ...(topicId === null ? {} : { topic_id: topicId.toString('base64url') }),
    adding_replicas: pick((a) => a.addingReplicas, true),
    removing_replicas: pick((a) => a.removingReplicas, true),
    version: 3,
  });
}

export function decodeTopicAssignment(topic: string, data: Buffer | null): TopicAssignment {
  const path = topicPath(topic);
  const o = parse(path, data);
  let topicId: Buffer | null = null;
  if (o.topic_id !== undefined) {
    topicId = Buffer.from(String(o.topic_id), 'base64url');
    if (topicId.length !== 16) throw new ZkDataError(path, `bad topic_id ${JSON.stringify(o.topic_id)}`);
  }
  const map = (key: string): Record<string, unknown> => (typeof o[key] === 'object' && o[key] !== null ? (o[key] as Record<string, unknown>) : {});
  const adding = map('adding_replicas');
  const removing = map('removing_replicas');
  const partitions = new Map<number, ReplicaAssignment>();
  for (const [p, replicas] of Object.entries(map('partitions'))) {
    partitions.set(Number(p), {
      replicas: ints(path, replicas, `partition ${p}`),
      addingReplicas: adding[p] === undefined ? [] : ints(path, adding[p], `adding_replicas of ${p}`),
      removingReplicas: removing[p] === undefined ? [] : ints(path, removing[p], `removing_replicas of ${p}`),
    });
  }
  return { topic, topicId, partitions };
}

// /brokers/topics/<topic>/partitions/<p>/state

export interface LeaderAndIsr {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  /** 0 RECOVERED, 1 RECOVERING (KIP-704); written only when RECOVERING, as Kafka. */
  leaderRecoveryState: number;
  /** The state znode's version: what a conditional update expects (Kafka's partitionEpoch). */
  partitionEpoch: number;
}

export interface LeaderIsrAndControllerEpoch {
  leaderAndIsr: LeaderAndIsr;
  controllerEpoch: number;
}

export function encodePartitionState(state: LeaderIsrAndControllerEpoch): Buffer {
  const { leader, leaderEpoch, isr, leaderRecoveryState } = state.leaderAndIsr;
  return json({
    controller_epoch: state.controllerEpoch,
    leader,
    version: 1,
    leader_epoch: leaderEpoch,
    isr,
    ...(leaderRecoveryState === 0 ? {} : { leader_recovery_state: leaderRecoveryState }),
  });
}

export function decodePartitionState(tp: TopicPartition, data: Buffer | null, zkVersion: number): LeaderIsrAndControllerEpoch {
  const path = topicPartitionStatePath(tp);
  const o = parse(path, data);
  return {
    leaderAndIsr: {
      leader: int(path, o, 'leader'),
      leaderEpoch: int(path, o, 'leader_epoch'),
      isr: ints(path, o.isr, '"isr"'),
      leaderRecoveryState: o.leader_recovery_state === undefined ? 0 : int(path, o, 'leader_recovery_state'),
      partitionEpoch: zkVersion,
    },
    controllerEpoch: int(path, o, 'controller_epoch'),
  };
}

// /config/<type>/<name>: {"version":1,"config":{...}}, values as strings

export const encodeEntityConfig = (config: Readonly<Record<string, string>>): Buffer => json({ version: 1, config });

export function decodeEntityConfig(path: string, data: Buffer | null): Record<string, string> {
  if (data === null || data.length === 0) return {};
  const config = parse(path, data).config;
  if (typeof config !== 'object' || config === null) return {};
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]));
}

// /config/changes/config_change_<seq>: {"version":2,"entity_path":"topics/<topic>"}

export const encodeConfigChange = (entityPath: string): Buffer => json({ version: 2, entity_path: entityPath });

export function decodeConfigChange(path: string, data: Buffer | null): string {
  const o = parse(path, data);
  if (typeof o.entity_path === 'string') return o.entity_path;
  // version 1: {"version":1,"entity_type":"topics","entity_name":"t"}
  if (typeof o.entity_type === 'string' && typeof o.entity_name === 'string') return `${o.entity_type}/${o.entity_name}`;
  throw new ZkDataError(path, 'no "entity_path"');
}

// /isr_change_notification/isr_change_<seq> and /admin/reassign_partitions

export const encodeIsrChange = (partitions: readonly TopicPartition[]): Buffer =>
  json({ version: 1, partitions: partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition })) });

export function decodeIsrChange(path: string, data: Buffer | null): TopicPartition[] {
  return topicPartitionList(path, parse(path, data).partitions).map(({ topic, partition }) => ({ topic, partition }));
}

export const encodeReassignment = (reassignment: ReadonlyArray<{ tp: TopicPartition; replicas: number[] }>): Buffer =>
  json({ version: 1, partitions: reassignment.map(({ tp, replicas }) => ({ topic: tp.topic, partition: tp.partition, replicas })) });

export function decodeReassignment(data: Buffer | null): Array<{ tp: TopicPartition; replicas: number[] }> {
  const path = REASSIGN_PARTITIONS_PATH;
  return topicPartitionList(path, parse(path, data).partitions).map((p) => ({
    tp: { topic: p.topic, partition: p.partition },
    replicas: ints(path, p.replicas, `replicas of ${p.topic}-${p.partition}`),
  }));
}

function topicPartitionList(path: string, value: unknown): Array<TopicPartition & Record<string, unknown>> {
  if (!Array.isArray(value)) throw new ZkDataError(path, '"partitions" is not a list');
  return value.map((item: unknown) => {
    const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof o.topic !== 'string') throw new ZkDataError(path, `no topic in ${JSON.stringify(item)}`);
    return { ...o, topic: o.topic, partition: int(path, o, 'partition') };
  });
}

/** The sequence number at the end of a sequential znode's name (config_change_0000000007 → 0000000007). */
export function sequenceNumber(name: string, prefix: string): string {
  return name.slice(name.lastIndexOf(prefix) + prefix.length);
}
