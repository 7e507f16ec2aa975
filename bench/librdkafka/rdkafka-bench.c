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
 *
 * And the clients of `npm run chaos` (bench/chaos.ts), librdkafka's idempotent
 * acks=all producer and read_committed consumer, which keep running while
 * brokers are killed and report every record they see, so that chaos.ts can
 * check the logs against them:
 *
 *   rdkafka-bench chaos-produce <brokers> <topic> <partitions> <rate/s> <size>
 *     Sends records at a steady rate, round-robin over the partitions, the
 *     value of each its sequence number (decimal, padded with '.' to <size>),
 *     until SIGTERM; then waits for the records in flight (at most 120 s).
 *     One line per delivery report on stdout:
 *       A <partition> <seq> <offset> <sent ms> <acked ms>   acknowledged
 *       F <partition> <seq> <error name> <sent ms> <at ms>  failed
 *     (ms since the start, monotonic), then a JSON summary line.
 *
 *   rdkafka-bench chaos-consume <brokers> <topic> <partitions>
 *     Reads every partition from the beginning with isolation.level
 *     read_committed (assigned, nothing committed), until SIGTERM; then reads
 *     on up to each partition's high watermark (at most 120 s).
 *       C <partition> <offset> <value up to the first '.'>
 *     then a JSON summary line.
 *
 *   Errors librdkafka reports go to stderr as `E <name> <reason>`; a fatal one
 *   (the idempotent producer's guarantee broken) as `FATAL <name> <reason>`.
 *   RDKAFKA_DEBUG=<contexts> turns on librdkafka's debug log.
 */
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdint.h>
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

/* The settings of RDKAFKA_BENCH_CONF, one key=value a line (security.protocol, ssl.ca.location, sasl.* for the SSL and SASL_SSL rows). */
static void set_extra(rd_kafka_conf_t *conf) {
  const char *env = getenv("RDKAFKA_BENCH_CONF");
  if (!env) return;
  char *copy = strdup(env), *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *eq = strchr(line, '=');
    if (!eq) continue;
    *eq = '\0';
    set(conf, line, eq + 1);
  }
  free(copy);
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* A client from `conf`, or exit 2 with librdkafka's reason. */
static rd_kafka_t *new_client(rd_kafka_type_t type, rd_kafka_conf_t *conf) {
  char err[512];
  set_extra(conf);
  rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "%s\n", err);
    exit(2);
  }
  return rk;
}

/* Assigns every partition of `topic` from its beginning (no group membership); the list, for destroying. */
static rd_kafka_topic_partition_list_t *assign_from_beginning(rd_kafka_t *rk, const char *topic, int partitions) {
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; p++) rd_kafka_topic_partition_list_add(list, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, list);
  return list;
}

/* A producer from `conf`, counting deliveries. */
static rd_kafka_t *new_producer(rd_kafka_conf_t *conf) {
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  return new_client(RD_KAFKA_PRODUCER, conf);
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
  set(conf, "bootstrap.servers", argv[2]);
  set(conf, "group.id", "rdkafka-bench");
  set(conf, "enable.auto.commit", "false");
  set(conf, "fetch.max.bytes", "52428800");
  set(conf, "max.partition.fetch.bytes", argv[6] ? argv[6] : "1048576");
  set(conf, "queued.min.messages", "1000000");
  rd_kafka_t *rk = new_client(RD_KAFKA_CONSUMER, conf);
  rd_kafka_topic_partition_list_t *list = assign_from_beginning(rk, argv[3], partitions);
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

/* ---- npm run chaos ---- */

static volatile sig_atomic_t stopping = 0;
static double t0; /* the start in ms, for the times the chaos clients print */
static long acked = 0, errors = 0, fatal = 0;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static double now_ms(void) {
  return now() * 1000.0 - t0;
}

/* RDKAFKA_DEBUG=<contexts> turns on librdkafka's debug log (to stderr). */
static void debug_from_env(rd_kafka_conf_t *conf) {
  const char *debug = getenv("RDKAFKA_DEBUG");
  if (debug && *debug) set(conf, "debug", debug);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  (void)opaque;
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char why[512];
    rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, why, sizeof why);
    fprintf(stderr, "FATAL %s %s\n", rd_kafka_err2name(orig), why);
    fatal++;
    stopping = 1;
    return;
  }
  errors++;
  fprintf(stderr, "E %s %s\n", rd_kafka_err2name(err), reason);
}

/* The send time of each record, by sequence number (grown as records are sent). */
static double *sent_at = NULL;
static long sent_capacity = 0;

static void on_chaos_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  long seq = (long)(intptr_t)m->_private;
  double at = now_ms();
  if (m->err) {
    failed++; /* shared with the benchmark's count */
    printf("F %d %ld %s %.1f %.1f\n", m->partition, seq, rd_kafka_err2name(m->err), sent_at[seq], at);
  } else {
    acked++;
    printf("A %d %ld %lld %.1f %.1f\n", m->partition, seq, (long long)m->offset, sent_at[seq], at);
  }
}

static int chaos_produce(char **argv) {
  int partitions = atoi(argv[4]);
  double rate = atof(argv[5]);
  int size = atoi(argv[6]);
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", argv[2]);
  set(conf, "enable.idempotence", "true"); /* acks=all, retries without end, at most 5 in flight */
  set(conf, "acks", "all");
  set(conf, "linger.ms", "5");
  /* Never time a record out: an unacknowledged record is one the cluster never took, not one the client gave up. */
  set(conf, "message.timeout.ms", "0");
  set(conf, "queue.buffering.max.messages", "2000000");
  set(conf, "topic.metadata.refresh.interval.ms", "1000");
  debug_from_env(conf);
  rd_kafka_conf_set_dr_msg_cb(conf, on_chaos_delivery);
  rd_kafka_conf_set_error_cb(conf, on_error);
  rd_kafka_t *rk = new_client(RD_KAFKA_PRODUCER, conf);
  rd_kafka_topic_t *topic = rd_kafka_topic_new(rk, argv[3], NULL);
  char *payload = malloc(size > 24 ? size : 24);
  long seq = 0;
  double start = now_ms();
  while (!stopping) {
    double due = start + seq * 1000.0 / rate;
    double wait = due - now_ms();
    if (wait > 0) {
      /* Sleep, serving delivery reports meanwhile: a spinning client would take a core from the brokers. */
      rd_kafka_poll(rk, (int)wait + 1);
      continue;
    }
    int len = snprintf(payload, 24, "%ld", seq);
    memset(payload + len, '.', size > len ? size - len : 0);
    if (seq >= sent_capacity) {
      sent_capacity = sent_capacity ? sent_capacity * 2 : 1 << 16;
      sent_at = realloc(sent_at, sent_capacity * sizeof(double));
    }
    sent_at[seq] = now_ms();
    int queued = 0;
    while (!(queued = rd_kafka_produce(topic, (int32_t)(seq % partitions), RD_KAFKA_MSG_F_COPY, payload, size > len ? size : len, NULL, 0, (void *)(intptr_t)seq) == 0) && !stopping) rd_kafka_poll(rk, 10);
    if (queued) seq++;
    rd_kafka_poll(rk, 0);
  }
  double flush_start = now_ms();
  rd_kafka_flush(rk, 120000);
  double flush_ms = now_ms() - flush_start;
  long unacknowledged = rd_kafka_outq_len(rk);
  /* What is still out is reported as failed (_PURGE_QUEUE / _PURGE_INFLIGHT) before the summary. */
  rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk, 100);
  printf("{\"sent\":%ld,\"acked\":%ld,\"failed\":%ld,\"unacknowledged\":%ld,\"errors\":%ld,\"fatal\":%ld,\"flushMs\":%.0f}\n", seq, acked, failed, unacknowledged, errors, fatal, flush_ms);
  fflush(stdout);
  rd_kafka_topic_destroy(topic);
  rd_kafka_destroy(rk);
  return 0;
}

static int chaos_consume(char **argv) {
  int partitions = atoi(argv[4]);
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", argv[2]);
  /* A group id gives librdkafka's consumer its queue; partitions are assigned, not subscribed, and nothing is committed. */
  set(conf, "group.id", "chaos-consumer");
  set(conf, "isolation.level", "read_committed");
  set(conf, "enable.auto.commit", "false");
  set(conf, "enable.auto.offset.store", "false");
  /* An offset out of range is a finding (a high watermark that went back), never skipped over. */
  set(conf, "auto.offset.reset", "error");
  set(conf, "topic.metadata.refresh.interval.ms", "1000");
  set(conf, "fetch.wait.max.ms", "100");
  debug_from_env(conf);
  rd_kafka_conf_set_error_cb(conf, on_error);
  rd_kafka_t *rk = new_client(RD_KAFKA_CONSUMER, conf);
  rd_kafka_topic_partition_list_t *list = assign_from_beginning(rk, argv[3], partitions);
  long *next = calloc(partitions, sizeof(long));
  long *target = NULL;
  long got = 0, resets = 0;
  double give_up = 0;
  rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(rk);
  rd_kafka_message_t *batch[1000];
  for (;;) {
    if (stopping && !target) {
      /* The end: every partition's high watermark (the leaders are settled by now), then read up to it. */
      target = calloc(partitions, sizeof(long));
      for (int p = 0; p < partitions; p++) {
        int64_t low = 0, high = -1;
        for (int tries = 0; tries < 60; tries++) {
          if (rd_kafka_query_watermark_offsets(rk, argv[3], p, &low, &high, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) break;
          high = -1;
        }
        target[p] = high;
      }
      give_up = now_ms() + 120000;
    }
    if (target) {
      int done = 1;
      for (int p = 0; p < partitions; p++)
        if (next[p] < target[p]) done = 0;
      if (done || now_ms() > give_up) break;
    }
    ssize_t n = rd_kafka_consume_batch_queue(queue, 100, batch, 1000);
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t *m = batch[i];
      if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) resets++;
          fprintf(stderr, "E %s %s\n", rd_kafka_err2name(m->err), rd_kafka_message_errstr(m));
        }
      } else {
        int len = 0;
        const char *v = m->payload;
        while (len < (int)m->len && len < 23 && v[len] != '.') len++;
        printf("C %d %lld %.*s\n", m->partition, (long long)m->offset, len, v);
        if (m->partition >= 0 && m->partition < partitions) next[m->partition] = m->offset + 1;
        got++;
      }
      rd_kafka_message_destroy(m);
    }
  }
  printf("{\"consumed\":%ld,\"resets\":%ld,\"errors\":%ld", got, resets, errors);
  for (int p = 0; p < partitions; p++) printf(",\"end%d\":%ld,\"target%d\":%ld", p, next[p], p, target ? target[p] : -1);
  printf("}\n");
  fflush(stdout);
  rd_kafka_queue_destroy(queue);
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return 0;
}

int main(int argc, char **argv) {
  t0 = now() * 1000.0;
  /* Line buffering: chaos.ts reads each line as it comes, and times the run by them. */
  setvbuf(stdout, NULL, _IOLBF, 1 << 16);
  if (argc >= 8 && !strcmp(argv[1], "produce")) return produce(argv);
  if (argc >= 8 && !strcmp(argv[1], "latency")) return latency(argv);
  if (argc >= 6 && !strcmp(argv[1], "consume")) return consume(argv);
  if (argc >= 8 && !strcmp(argv[1], "txn")) return txn(argv);
  /* The chaos clients finish on SIGTERM (what is in flight, then the summary) rather than die. */
  if (!strncmp(argv[1] ? argv[1] : "", "chaos-", 6)) signal(SIGTERM, on_signal);
  if (argc >= 7 && !strcmp(argv[1], "chaos-produce")) return chaos_produce(argv);
  if (argc >= 5 && !strcmp(argv[1], "chaos-consume")) return chaos_consume(argv);
  fprintf(stderr, "usage: see the comment at the top of rdkafka-bench.c\n");
  return 2;
}
