import type { HistogramSnapshot } from './prometheus-text.js';

/**
 * What the request path counts for /metrics, Kafka's BrokerTopicMetrics and
 * RequestMetrics: plain numbers bumped once per request, per partition of a
 * request or per batch, never per record. Everything else /metrics shows
 * (log sizes, offsets, groups' lag, connections) is read from the broker when
 * scraped. The broker has one only while `http.listeners` serves it.
 */
export class BrokerMetrics {
  /** Every topic together (Kafka's series without a topic tag). */
  readonly allTopics = new TopicCounters();
  private readonly topics = new Map<string, TopicCounters>();
  readonly requests = new RequestMetrics();

  /** A leader appended a producer's batches: `bytes` of them holding `messages` records. */
  produced(topic: string, bytes: number, messages: number): void {
    const t = this.topic(topic);
    t.totalProduceRequests++;
    t.messagesIn += messages;
    t.bytesIn += bytes;
    const all = this.allTopics;
    all.totalProduceRequests++;
    all.messagesIn += messages;
    all.bytesIn += bytes;
  }

  /** A partition's append failed; a topic the broker does not have counts only in the total, so made-up names add no series. */
  produceFailed(topic: string, known: boolean): void {
    this.failed(topic, known, 'totalProduceRequests', 'failedProduceRequests');
  }

  /** One partition of a fetch answered: `bytes` of records to a consumer, or to a follower (`replica`, Kafka's ReplicationBytesOut). */
  fetched(topic: string, bytes: number, replica: boolean): void {
    const t = this.topic(topic);
    t.totalFetchRequests++;
    this.allTopics.totalFetchRequests++;
    if (replica) {
      t.replicationBytesOut += bytes;
      this.allTopics.replicationBytesOut += bytes;
    } else {
      t.bytesOut += bytes;
      this.allTopics.bytesOut += bytes;
    }
  }

  fetchFailed(topic: string, known: boolean): void {
    this.failed(topic, known, 'totalFetchRequests', 'failedFetchRequests');
  }

  /** The counted topics; `keep` says which still exist (a deleted topic's series go, as Kafka removes its metrics). */
  topicCounters(keep: (topic: string) => boolean): Array<[string, TopicCounters]> {
    for (const name of this.topics.keys()) if (!keep(name)) this.topics.delete(name);
    return [...this.topics.entries()];
  }

  private failed(
    topic: string,
    known: boolean,
    total: 'totalProduceRequests' | 'totalFetchRequests',
    failed: 'failedProduceRequests' | 'failedFetchRequests',
  ): void {
    for (const t of known ? [this.topic(topic), this.allTopics] : [this.allTopics]) {
      t[total]++;
      t[failed]++;
    }
  }

  private topic(name: string): TopicCounters {
    let t = this.topics.get(name);
    if (!t) this.topics.set(name, (t = new TopicCounters()));
    return t;
  }
}

export class TopicCounters {
  messagesIn = 0;
  bytesIn = 0;
  bytesOut = 0;
  replicationBytesOut = 0;
  totalProduceRequests = 0;
  failedProduceRequests = 0;
  totalFetchRequests = 0;
  failedFetchRequests = 0;
}

/** Upper bounds in milliseconds of the request time histograms: a Kafka request takes from under a millisecond to a long poll's max.wait.ms. */
export const REQUEST_TIME_BOUNDS_MS: readonly number[] = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

/** One API's requests: how many, and how long they took from decode to encoded response. */
export class ApiRequestMetrics {
  requests = 0;
  sumMs = 0;
  private readonly buckets = new Float64Array(REQUEST_TIME_BOUNDS_MS.length);

  constructor(readonly name: string) {}

  observe(ms: number): void {
    this.requests++;
    this.sumMs += ms;
    const bounds = REQUEST_TIME_BOUNDS_MS;
    for (let i = 0; i < bounds.length; i++) {
      if (ms <= bounds[i]!) {
        this.buckets[i]!++;
        return;
      }
    }
  }

  snapshot(): HistogramSnapshot {
    const cumulative: number[] = [];
    let running = 0;
    for (const n of this.buckets) cumulative.push((running += n));
    return { bounds: REQUEST_TIME_BOUNDS_MS, cumulative, sum: this.sumMs, count: this.requests };
  }
}

/** Kafka's RequestMetrics, per API key (an array index: no string or map per request). */
export class RequestMetrics {
  private readonly byKey: Array<ApiRequestMetrics | undefined> = [];

  /** Makes an API's series exist (at zero) under Kafka's request name, e.g. Produce, Fetch. */
  register(apiKey: number, name: string): void {
    this.byKey[apiKey] ??= new ApiRequestMetrics(name);
  }

  /** A request of a registered API answered (or given up, closing its connection) after `ms`. */
  observe(apiKey: number, ms: number): void {
    this.byKey[apiKey]?.observe(ms);
  }

  all(): ApiRequestMetrics[] {
    return this.byKey.filter((a): a is ApiRequestMetrics => a !== undefined);
  }
}
