"""Real Python Kafka clients against a samsa cluster (Debian's python3-confluent-kafka and
python3-kafka), for test/cluster/. Usage: cluster_clients.py <action> <bootstrap> <topic> [args].

  metadata <client>   one JSON object: the brokers and each partition's leader, replicas and ISR
                      as the client (confluent-kafka or kafka-python) sees them
  produce-load        an idempotent acks=all confluent-kafka producer sending keyed records to
                      every partition until stdin closes; one JSON line per acknowledged record
                      (partition, offset, key, value), one per failed one, a {"stats"} line
                      every 5 s (what it waits on), a last {"done"} line
  consume-load <n>    a confluent-kafka consumer assigned partitions 0..n-1 from offset 0 until
                      stdin closes; one JSON line per record read, a last {"done"} line
"""
import json
import os
import select
import sys


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def stdin_closed():
    """Whether the test closed our stdin (its way of saying stop)."""
    readable, _, _ = select.select([sys.stdin], [], [], 0)
    return bool(readable) and os.read(sys.stdin.fileno(), 4096) == b""


def metadata_confluent(bootstrap, topic):
    from confluent_kafka.admin import AdminClient
    md = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic, timeout=20)
    partitions = md.topics[topic].partitions.values()
    return {"brokers": sorted(md.brokers.keys()), "controller": md.controller_id,
            "partitions": sorted(({"partition": p.id, "leader": p.leader, "replicas": list(p.replicas), "isr": sorted(p.isrs)}
                                  for p in partitions), key=lambda p: p["partition"])}


def metadata_kafka_python(bootstrap, topic):
    from kafka.admin import KafkaAdminClient
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        cluster = admin.describe_cluster()
        described = admin.describe_topics([topic])[0]
        return {"brokers": sorted(b["node_id"] for b in cluster["brokers"]), "controller": cluster["controller_id"],
                "partitions": sorted(({"partition": p["partition"], "leader": p["leader"], "replicas": list(p["replicas"]),
                                       "isr": sorted(p["isr"])} for p in described["partitions"]), key=lambda p: p["partition"])}
    finally:
        admin.close()


def produce_load(bootstrap, topic):
    from confluent_kafka import Producer

    fatal = []

    def on_error(err):
        if err.fatal():
            fatal.append(str(err))
            emit({"fatal": str(err)})

    def on_stats(text):
        # What the producer waits on, per broker and partition: a test that sees no progress says where it is stuck.
        stats = json.loads(text)
        brokers = {name: {k: b.get(k) for k in ("state", "outbuf_cnt", "waitresp_cnt", "txerrs", "txretries", "req_timeouts")}
                   for name, b in stats.get("brokers", {}).items()}
        partitions = {p: {k: v.get(k) for k in ("leader", "msgq_cnt", "xmit_msgq_cnt", "msgs_inflight", "next_ack_seq", "next_err_seq")}
                      for p, v in stats.get("topics", {}).get(topic, {}).get("partitions", {}).items() if p != "-1"}
        emit({"stats": {"brokers": brokers, "partitions": partitions, "eos": stats.get("eos")}})

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
                         "linger.ms": 5, "message.timeout.ms": 120000, "topic.metadata.refresh.interval.ms": 1000,
                         "statistics.interval.ms": 5000, "stats_cb": on_stats, "error_cb": on_error})
    pending = [0]

    def delivered(err, msg):
        pending[0] -= 1
        if err is not None:
            emit({"error": str(err), "key": msg.key().decode(), "value": msg.value().decode()})
        else:
            emit({"partition": msg.partition(), "offset": msg.offset(), "key": msg.key().decode(), "value": msg.value().decode()})

    sent = 0
    while not fatal and not stdin_closed():
        # a bounded number in flight: the load is steady, and a stall shows as no progress rather than memory
        if pending[0] < 200:
            producer.produce(topic, key=b"key-%d" % (sent % 97), value=b"value-%d" % sent, on_delivery=delivered)
            pending[0] += 1
            sent += 1
            producer.poll(0)
        else:
            producer.poll(0.01)
    unflushed = producer.flush(120)
    emit({"done": True, "sent": sent, "unflushed": unflushed})


def consume_load(bootstrap, topic, partitions):
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "samsa-cluster-load", "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "topic.metadata.refresh.interval.ms": 1000})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    while not stdin_closed():
        message = consumer.poll(0.1)
        if message is None:
            continue
        if message.error():
            emit({"error": str(message.error())})
            continue
        emit({"partition": message.partition(), "offset": message.offset(), "key": message.key().decode(), "value": message.value().decode()})
    consumer.close()
    emit({"done": True})


if __name__ == "__main__":
    action, bootstrap, topic = sys.argv[1:4]
    args = sys.argv[4:]
    if action == "metadata":
        emit((metadata_confluent if args[0] == "confluent-kafka" else metadata_kafka_python)(bootstrap, topic))
    elif action == "produce-load":
        produce_load(bootstrap, topic)
    elif action == "consume-load":
        consume_load(bootstrap, topic, int(args[0]))
    else:
        raise SystemExit("unknown action " + action)
