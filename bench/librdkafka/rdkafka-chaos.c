/*
 * The clients of `npm run chaos` (bench/chaos.ts): an idempotent acks=all
 * producer and a read_committed consumer, librdkafka's, which keep running
 * while brokers are killed and report every record they see, so that
 * chaos.ts can check the log against them. Compiled by chaos.ts with
 * `gcc -O2 ... -lrdkafka`.
 *
 *   rdkafka-chaos produce <brokers> <topic> <partitions> <rate/s> <size>
 *     Sends records at a steady rate, round-robin over the partitions, the
 *     value of each its sequence number (decimal, padded with '.' to <size>),
 *     until SIGTERM; then waits for the records in flight (at most 120 s).
 *     One line per delivery report on stdout:
 *       A <partition> <seq> <offset> <sent ms> <acked ms>   acknowledged
 *       F <partition> <seq> <error name> <sent ms> <at ms>  failed
 *     (ms since the start, monotonic), then a JSON summary line.
 *
 *   rdkafka-chaos consume <brokers> <topic> <partitions>
 *     Reads every partition from the beginning with isolation.level
 *     read_committed (no group: assigned), until SIGTERM; then reads on up to
 *     each partition's high watermark as the leaders answer it (at most 120 s).
 *       C <partition> <offset> <value up to the first '.'>
 *     then a JSON summary line.
 *
 * Errors librdkafka reports go to stderr as `E <name> <reason>`; a fatal one
 * (the idempotent producer's guarantee broken) as `FATAL <name> <reason>` and
 * counted in the summary.
 */
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stopping = 0;
static double t0;
static long acked = 0, failed = 0, errors = 0, fatal = 0;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (ts.tv_sec + ts.tv_nsec / 1e9) * 1000.0 - t0;
}

static void set(rd_kafka_conf_t *conf, const char *k, const char *v) {
  char err[512];
  if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "%s=%s: %s\n", k, v, err);
    exit(2);
  }
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

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  long seq = (long)(intptr_t)m->_private;
  double at = now_ms();
  if (m->err) {
    failed++;
    printf("F %d %ld %s %.1f %.1f\n", m->partition, seq, rd_kafka_err2name(m->err), sent_at[seq], at);
  } else {
    acked++;
    printf("A %d %ld %lld %.1f %.1f\n", m->partition, seq, (long long)m->offset, sent_at[seq], at);
  }
}

static int produce(char **argv) {
  int partitions = atoi(argv[4]);
  double rate = atof(argv[5]);
  int size = atoi(argv[6]);
  char err[512];
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
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_error_cb(conf, on_error);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  rd_kafka_topic_t *topic = rd_kafka_topic_new(rk, argv[3], NULL);
  char *payload = malloc(size > 24 ? size : 24);
  long seq = 0;
  double start = now_ms();
  while (!stopping) {
    double due = start + seq * 1000.0 / rate;
    double wait = due - now_ms();
    if (wait > 0) {
      /* Sleep, serving delivery reports meanwhile: a spinning client would take a core from the brokers. */
      rd_kafka_poll(rk, wait > 1 ? (int)wait : 0);
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

static int consume(char **argv) {
  int partitions = atoi(argv[4]);
  char err[512];
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
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; p++) rd_kafka_topic_partition_list_add(list, argv[3], p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, list);
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
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  t0 = (ts.tv_sec + ts.tv_nsec / 1e9) * 1000.0;
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  /* Line buffering: chaos.ts reads each line as it comes, and times the run by them. */
  setvbuf(stdout, NULL, _IOLBF, 1 << 16);
  if (argc >= 7 && !strcmp(argv[1], "produce")) return produce(argv);
  if (argc >= 5 && !strcmp(argv[1], "consume")) return consume(argv);
  fprintf(stderr, "usage: see the comment at the top of rdkafka-chaos.c\n");
  return 2;
}
