/*
 * A minimal librdkafka client for `npm run bench:broker`, so the broker is
 * measured with the C client at full speed (kcat spends most of its time
 * formatting). Compiled by bench/broker.ts with `gcc -O2 ... -lrdkafka`.
 *
 *   rdkafka-bench produce <brokers> <topic> <partitions> <count> <size> <acks>
 *   rdkafka-bench latency <brokers> <topic> <rate/s> <seconds> <size> <acks>
 *   rdkafka-bench consume <brokers> <topic> <partitions> <count> [max.partition.fetch.bytes]
 *   rdkafka-bench txn <brokers> <topic> <partitions> <count> <size> <commit-every>
 *     (an idempotent producer; with commit-every > 0 a transactional one committing
 *     every that many records, used by `npm run bench:clients`)
 *
 * Prints one JSON line: records, seconds (and latency percentiles in ms).
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long delivered = 0, failed = 0;
static double *latencies = NULL;
static long latency_count = 0;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) failed++;
  else delivered++;
  if (latencies && m->_private) latencies[latency_count++] = (now() - *(double *)m->_private) * 1000.0;
  if (m->_private) free(m->_private);
}

static void set(rd_kafka_conf_t *conf, const char *k, const char *v) {
  char err[512];
  if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "%s=%s: %s\n", k, v, err);
    exit(2);
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static rd_kafka_t *new_producer(rd_kafka_conf_t *conf) {
  char err[512];
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "%s\n", err);
    exit(2);
  }
  return rk;
}

static rd_kafka_conf_t *producer_conf(const char *brokers, const char *acks, int low_latency) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", brokers);
  set(conf, "acks", acks);
  set(conf, "linger.ms", low_latency ? "0" : "5");
  set(conf, "batch.num.messages", "100000");
  set(conf, "batch.size", "1000000");
  set(conf, "queue.buffering.max.messages", "2000000");
  set(conf, "queue.buffering.max.kbytes", "2097151");
  return conf;
}

static rd_kafka_t *producer(const char *brokers, const char *acks, int low_latency) {
  return new_producer(producer_conf(brokers, acks, low_latency));
}

static void check_txn(rd_kafka_error_t *error, const char *what) {
  if (!error) return;
  fprintf(stderr, "%s: %s\n", what, rd_kafka_error_string(error));
  rd_kafka_error_destroy(error);
  exit(2);
}

/*
 * Sends count records of size bytes round-robin over the partitions and waits for
 * them all; with every > 0 in transactions of that many records (commit_transaction
 * flushes what the transaction sent first). Prints the figures.
 */
static int run_producer(rd_kafka_t *rk, const char *topic_name, int partitions, long count, int size, long every) {
  rd_kafka_topic_t *topic = rd_kafka_topic_new(rk, topic_name, NULL);
  char *payload = malloc(size);
  for (int i = 0; i < size; i++) payload[i] = 'a' + (i * 7) % 26;
  if (every > 0) check_txn(rd_kafka_init_transactions(rk, 60000), "init_transactions");
  double start = now();
  for (long i = 0; i < count; i++) {
    if (every > 0 && i % every == 0) check_txn(rd_kafka_begin_transaction(rk), "begin_transaction");
    while (rd_kafka_produce(topic, (int32_t)(i % partitions), RD_KAFKA_MSG_F_COPY, payload, size, NULL, 0, NULL) == -1) rd_kafka_poll(rk, 1);
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
    if (every > 0 && ((i + 1) % every == 0 || i + 1 == count)) check_txn(rd_kafka_commit_transaction(rk, 60000), "commit_transaction");
  }
  rd_kafka_flush(rk, 60000);
  double seconds = now() - start;
  printf("{\"records\":%ld,\"failed\":%ld,\"seconds\":%.4f}\n", delivered, failed, seconds);
  rd_kafka_topic_destroy(topic);
  rd_kafka_destroy(rk);
  return failed ? 1 : 0;
}

static int produce(char **argv) {
  return run_producer(producer(argv[2], argv[7], 0), argv[3], atoi(argv[4]), atol(argv[5]), atoi(argv[6]), 0);
}

/* An idempotent producer (acks=all); with commit-every > 0 a transactional one. */
static int txn(char **argv) {
  long every = atol(argv[7]);
  rd_kafka_conf_t *conf = producer_conf(argv[2], "all", 0);
  set(conf, "enable.idempotence", "true");
  if (every > 0) {
    char id[300];
    snprintf(id, sizeof id, "rdkafka-bench-%s", argv[3]);
    set(conf, "transactional.id", id);
  }
  return run_producer(new_producer(conf), argv[3], atoi(argv[4]), atol(argv[5]), atoi(argv[6]), every);
}

static int latency(char **argv) {
  double rate = atof(argv[4]), duration = atof(argv[5]);
  int size = atoi(argv[6]);
  long count = (long)(rate * duration);
  latencies = calloc(count + 1, sizeof(double));
  rd_kafka_t *rk = producer(argv[2], argv[7], 1);
  rd_kafka_topic_t *topic = rd_kafka_topic_new(rk, argv[3], NULL);
  char *payload = malloc(size);
  memset(payload, 'x', size);
  /* One second at the same rate first, unmeasured: connection set-up and metadata are not produce latency. */
  long warmup = (long)rate;
  double start = now();
  for (long i = -warmup; i < count; i++) {
    double due = start + (i + warmup) / rate;
    double wait = due - now();
    if (wait > 0) {
      /* Sleep rather than spin: a busy client would take a core from the broker on a 2-core machine. */
      struct timespec ts = {(time_t)wait, (long)((wait - (time_t)wait) * 1e9)};
      nanosleep(&ts, NULL);
    }
    double *sent = NULL;
    if (i >= 0) {
      sent = malloc(sizeof(double));
      *sent = now();
    }
    while (rd_kafka_produce(topic, 0, RD_KAFKA_MSG_F_COPY, payload, size, NULL, 0, sent) == -1) rd_kafka_poll(rk, 1);
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 60000);
  double seconds = now() - start - warmup / rate;
  delivered -= warmup;
  qsort(latencies, latency_count, sizeof(double), cmp);
  double p50 = latency_count ? latencies[latency_count / 2] : -1;
  double p99 = latency_count ? latencies[(long)(latency_count * 0.99)] : -1;
  printf("{\"records\":%ld,\"failed\":%ld,\"seconds\":%.4f,\"p50\":%.3f,\"p99\":%.3f}\n", delivered, failed, seconds, p50, p99);
  rd_kafka_topic_destroy(topic);
  rd_kafka_destroy(rk);
  return failed ? 1 : 0;
}

static int consume(char **argv) {
  int partitions = atoi(argv[4]);
  long count = atol(argv[5]);
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  char err[512];
  set(conf, "bootstrap.servers", argv[2]);
  set(conf, "group.id", "rdkafka-bench");
  set(conf, "enable.auto.commit", "false");
  set(conf, "fetch.max.bytes", "52428800");
  set(conf, "max.partition.fetch.bytes", argv[6] ? argv[6] : "1048576");
  set(conf, "queued.min.messages", "1000000");
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; p++) rd_kafka_topic_partition_list_add(list, argv[3], p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, list);
  long got = 0, bytes = 0;
  double start = 0;
  /* Messages are taken a batch at a time from the consumer queue: one lock per batch, not per message. */
  rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(rk);
  rd_kafka_message_t **batch = malloc(sizeof(*batch) * 10000);
  while (got < count) {
    ssize_t n = rd_kafka_consume_batch_queue(queue, 1000, batch, 10000);
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t *m = batch[i];
      if (!m->err) {
        if (got == 0) start = now();
        got++;
        bytes += m->len;
      }
      rd_kafka_message_destroy(m);
    }
  }
  rd_kafka_queue_destroy(queue);
  double seconds = now() - start;
  printf("{\"records\":%ld,\"bytes\":%ld,\"seconds\":%.4f}\n", got, bytes, seconds);
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 8 && !strcmp(argv[1], "produce")) return produce(argv);
  if (argc >= 8 && !strcmp(argv[1], "latency")) return latency(argv);
  if (argc >= 6 && !strcmp(argv[1], "consume")) return consume(argv);
  if (argc >= 8 && !strcmp(argv[1], "txn")) return txn(argv);
  fprintf(stderr, "usage: see the comment at the top of rdkafka-bench.c\n");
  return 2;
}
