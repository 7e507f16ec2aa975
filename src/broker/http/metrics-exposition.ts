import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Partition } from '../replica/partition.js';
import type { TopicCounters } from './broker-metrics.js';
import type { BrokerView } from './broker-view.js';
import { groupViews } from './group-lag.js';
import { LEADER_ANSWER_TIMEOUT_MS } from './latest-offsets.js';
import { ExpositionWriter, type Sample } from './prometheus-text.js';

/** The event loop's delay, sampled by Node (a timer every 10 ms in libuv's own thread, not on the loop). */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
let loopDelayUsers = 0;

/** Keeps Node's event-loop delay histogram running while a broker serves /metrics; the returned function stops it. */
export function watchEventLoopDelay(): () => void {
  if (loopDelayUsers++ === 0) loopDelay.enable();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    if (--loopDelayUsers === 0) loopDelay.disable();
  };
}

const TOPIC_COUNTERS: ReadonlyArray<[keyof TopicCounters, string, string]> = [
  ['messagesIn', 'messagesin', 'records appended by producers (leader appends; per batch, the offsets it took)'],
  ['bytesIn', 'bytesin', 'bytes of record batches appended by producers'],
  ['bytesOut', 'bytesout', 'bytes of records fetched by consumers'],
  ['replicationBytesOut', 'replicationbytesout', 'bytes of records fetched by follower replicas'],
  ['totalProduceRequests', 'totalproducerequests', 'partitions of produce requests answered'],
  ['failedProduceRequests', 'failedproducerequests', 'partitions of produce requests answered with an error'],
  ['totalFetchRequests', 'totalfetchrequests', 'partitions of fetch requests answered'],
  ['failedFetchRequests', 'failedfetchrequests', 'partitions of fetch requests answered with an error'],
];

/**
 * Everything /metrics shows, under the names Kafka's JMX metrics get from
 * Prometheus' JMX exporter (kafka_server_brokertopicmetrics_…,
 * kafka_network_requestmetrics_…, kafka_log_log_…) and, for consumer groups,
 * kafka_exporter's (kafka_consumergroup_lag…), reported by each group's
 * coordinator only.
 */
export async function renderMetrics(view: BrokerView): Promise<string> {
  // First, as the leaders may take a moment to answer: the rest is read as it is once they have.
  const groups = await groupViews(view.context, view.latestOffsets);
  const w = new ExpositionWriter();
  const { context, metrics } = view;
  const topics = context.topics;

  const counted = metrics.topicCounters((t) => topics.get(t) !== undefined);
  for (const [field, name, help] of TOPIC_COUNTERS) {
    const samples: Sample[] = [{ value: metrics.allTopics[field] }];
    for (const [topic, c] of counted) samples.push({ labels: { topic }, value: c[field] });
    w.family(`kafka_server_brokertopicmetrics_${name}_total`, 'counter', `${help}; the series without a topic label is every topic together`, samples);
  }

  const apis = metrics.requests.all();
  w.family(
    'kafka_network_requestmetrics_requests_total',
    'counter',
    'requests answered, per API',
    apis.map((a) => ({ labels: { request: a.name }, value: a.requests })),
  );
  w.histogram(
    'kafka_network_requestmetrics_totaltimems',
    'milliseconds from a decoded request to its encoded response (long polls and acks=all waits included), per API',
    apis.map((a) => ({ labels: { request: a.name }, snapshot: a.snapshot() })),
  );

  const listeners = view.listeners();
  w.family(
    'kafka_server_socketservermetrics_connection_count',
    'gauge',
    'open client connections, per listener',
    listeners.map((l) => ({ labels: { listener: l.name }, value: l.connections })),
  );
  w.family('kafka_network_requestchannel_requestqueuesize', 'gauge', 'requests received and not yet answered', [
    { value: listeners.reduce((n, l) => n + l.pendingRequests, 0) },
  ]);
  w.family('kafka_server_delayedoperationpurgatory_purgatorysize', 'gauge', 'fetches waiting for data', [
    { labels: { delayedOperation: 'Fetch' }, value: context.replicas.fetchPurgatorySize },
  ]);

  writePartitions(w, view, [...context.replicas.allPartitions()]);

  const current: Sample[] = [];
  const lag: Sample[] = [];
  const lagSum: Sample[] = [];
  const unknown: Sample[] = [];
  for (const g of groups) {
    const perTopic = new Map<string, number>();
    let lagUnknown = 0;
    for (const p of g.partitions) {
      if (p.committedOffset === undefined) continue;
      const labels = { consumergroup: g.groupId, topic: p.topic, partition: p.partition };
      current.push({ labels, value: p.committedOffset });
      if (p.lag === undefined) {
        lagUnknown++;
        continue;
      }
      lag.push({ labels, value: p.lag });
      perTopic.set(p.topic, (perTopic.get(p.topic) ?? 0) + p.lag);
    }
    for (const [topic, sum] of perTopic) lagSum.push({ labels: { consumergroup: g.groupId, topic }, value: sum });
    unknown.push({ labels: { consumergroup: g.groupId }, value: lagUnknown });
  }
  w.family('kafka_consumergroup_current_offset', 'gauge', "a group's committed offset, per partition", current);
  w.family('kafka_consumergroup_lag', 'gauge', "a group's lag: the high watermark of the partition's leader less the committed offset", lag);
  w.family('kafka_consumergroup_lag_sum', 'gauge', "a group's lag over a topic's partitions (those whose lag is known)", lagSum);
  w.family(
    'samsa_consumergroup_lag_unknown_partitions',
    'gauge',
    `partitions with a committed offset left out of a group's lag in this scrape: their leader is unknown, offline or did not answer within ${LEADER_ANSWER_TIMEOUT_MS} ms`,
    unknown,
  );
  w.family(
    'kafka_consumergroup_members',
    'gauge',
    'members of a group',
    groups.map((g) => ({ labels: { consumergroup: g.groupId }, value: g.members.length })),
  );

  writeProcess(w);
  return w.text();
}

function writePartitions(w: ExpositionWriter, view: BrokerView, partitions: Partition[]): void {
  const { context } = view;
  const led = partitions.filter((p) => p.isLeader);
  const underReplicated = (p: Partition) => p.isr.length < p.replicas.length;
  w.family('kafka_server_replicamanager_partitioncount', 'gauge', 'partitions with a replica on this broker', [{ value: partitions.length }]);
  w.family('kafka_server_replicamanager_leadercount', 'gauge', 'partitions this broker leads', [{ value: led.length }]);
  w.family('kafka_server_replicamanager_underreplicatedpartitions', 'gauge', 'led partitions whose ISR is smaller than their replicas', [
    { value: led.filter(underReplicated).length },
  ]);
  w.family('kafka_server_replicamanager_underminisrpartitioncount', 'gauge', 'led partitions whose ISR is smaller than min.insync.replicas', [
    { value: led.filter((p) => p.isr.length < p.log.config.minInSyncReplicas).length },
  ]);
  const active = context.controllerId() === context.brokerId;
  w.family('kafka_controller_kafkacontroller_activecontrollercount', 'gauge', '1 on the active controller', [{ value: active ? 1 : 0 }]);
  w.family('kafka_controller_kafkacontroller_offlinepartitionscount', 'gauge', 'partitions without a live leader (counted by the active controller)', [
    { value: active ? offlinePartitions(view) : 0 },
  ]);
  w.family('kafka_brokers', 'gauge', 'live brokers of the cluster', [{ value: context.liveBrokers().length }]);

  const tp = (p: Partition) => ({ topic: p.topic, partition: p.index });
  w.family(
    'kafka_cluster_partition_underreplicated',
    'gauge',
    '1 for a led partition whose ISR is smaller than its replicas',
    led.map((p) => ({ labels: tp(p), value: underReplicated(p) ? 1 : 0 })),
  );
  w.family(
    'kafka_cluster_partition_insyncreplicascount',
    'gauge',
    "a led partition's in-sync replicas",
    led.map((p) => ({ labels: tp(p), value: p.isr.length })),
  );
  w.family(
    'kafka_log_log_size',
    'gauge',
    "bytes of a partition's log on this broker",
    partitions.map((p) => ({ labels: tp(p), value: p.log.sizeInBytes })),
  );
  w.family(
    'kafka_log_log_logendoffset',
    'gauge',
    "a partition's log end offset",
    partitions.map((p) => ({ labels: tp(p), value: p.logEndOffset })),
  );
  w.family(
    'kafka_log_log_logstartoffset',
    'gauge',
    "a partition's log start offset",
    partitions.map((p) => ({ labels: tp(p), value: p.logStartOffset })),
  );
  w.family(
    'kafka_log_log_numlogsegments',
    'gauge',
    "a partition's segments",
    partitions.map((p) => ({ labels: tp(p), value: p.log.segmentCount })),
  );
  w.family(
    'kafka_topic_partition_current_offset',
    'gauge',
    "a partition's high watermark, the newest offset consumers can read",
    partitions.map((p) => ({ labels: tp(p), value: p.highWatermark })),
  );
}

function offlinePartitions(view: BrokerView): number {
  const topics = view.context.topics;
  let offline = 0;
  for (const topic of topics.all()) {
    for (let p = 0; p < topic.replicas.length; p++) if ((topics.partitionMetadata(topic.name, p)?.leader ?? -1) < 0) offline++;
  }
  return offline;
}

/** prom-client's default process metrics, under its names. */
function writeProcess(w: ExpositionWriter): void {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  w.family('process_cpu_user_seconds_total', 'counter', 'user CPU time spent', [{ value: cpu.user / 1e6 }]);
  w.family('process_cpu_system_seconds_total', 'counter', 'system CPU time spent', [{ value: cpu.system / 1e6 }]);
  w.family('process_resident_memory_bytes', 'gauge', 'resident memory size', [{ value: memory.rss }]);
  w.family('process_start_time_seconds', 'gauge', 'start time of the process since the Unix epoch', [
    { value: Math.round((Date.now() - process.uptime() * 1000) / 1000) },
  ]);
  w.family('nodejs_heap_size_used_bytes', 'gauge', "V8's used heap", [{ value: memory.heapUsed }]);
  w.family('nodejs_external_memory_bytes', 'gauge', 'memory of Buffers and other objects outside the V8 heap', [{ value: memory.external }]);
  w.family('nodejs_eventloop_lag_p99_seconds', 'gauge', "the event loop's delay, 99th percentile since the broker started", [
    { value: loopDelay.count > 0 ? loopDelay.percentile(99) / 1e9 : 0 },
  ]);
}
