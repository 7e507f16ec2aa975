"""Real Python Kafka clients driven by samsa's tests (Debian's python3-kafka and
python3-confluent-kafka). Usage: clients.py <client> <action> <bootstrap> <topic> [args].
Prints JSON on stdout."""
import json
import sys


def kafka_python(action, bootstrap, topic, args):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    if action == "create":
        from kafka.admin import KafkaAdminClient, NewTopic
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        admin.create_topics([NewTopic(topic, num_partitions=int(args[0]), replication_factor=1,
                                      topic_configs={"retention.ms": "3600000"})])
        admin.close()
        consumer = KafkaConsumer(bootstrap_servers=bootstrap)
        partitions = sorted(consumer.partitions_for_topic(topic) or [])
        consumer.close()
        return {"partitions": partitions}
    if action == "produce":
        codec, count = args[0], int(args[1])
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all",
                                 compression_type=None if codec == "none" else codec,
                                 linger_ms=20)
        futures = [producer.send(topic, key=b"k%d" % i, value=b"value %d" % i, partition=0,
                                 headers=[("n", str(i).encode())]) for i in range(count)]
        producer.flush()
        offsets = [f.get(timeout=30).offset for f in futures]
        producer.close()
        return {"offsets": offsets}
    if action == "consume":
        count = int(args[0])
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                 auto_offset_reset="earliest", consumer_timeout_ms=15000)
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        out = []
        for message in consumer:
            out.append({"offset": message.offset, "key": message.key.decode(), "value": message.value.decode(),
                        "headers": [[k, v.decode()] for k, v in message.headers]})
            if len(out) >= count:
                break
        end = consumer.end_offsets([tp])[tp]
        begin = consumer.beginning_offsets([tp])[tp]
        consumer.close()
        return {"records": out, "end": end, "begin": begin}
    raise SystemExit("unknown action " + action)


def confluent(action, bootstrap, topic, args):
    from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

    if action == "create":
        from confluent_kafka.admin import AdminClient, NewTopic, ConfigResource
        admin = AdminClient({"bootstrap.servers": bootstrap})
        futures = admin.create_topics([NewTopic(topic, num_partitions=int(args[0]), replication_factor=1,
                                                config={"retention.ms": "3600000"})])
        futures[topic].result(30)
        metadata = admin.list_topics(topic, timeout=10)
        config = admin.describe_configs([ConfigResource("topic", topic)])
        retention = list(config.values())[0].result(30)["retention.ms"].value
        return {"partitions": sorted(metadata.topics[topic].partitions.keys()), "retention": retention}
    if action == "create-throttled":
        # Creates a topic as client id args[1]; librdkafka asks CreateTopics v4 at most, from before
        # THROTTLING_QUOTA_EXCEEDED, so a controller mutation quota throttles it: the throttle_cb says how long.
        import time
        from confluent_kafka.admin import AdminClient, NewTopic
        throttles = []
        admin = AdminClient({"bootstrap.servers": bootstrap, "client.id": args[1],
                             "throttle_cb": lambda event: throttles.append(event.throttle_time)})
        admin.create_topics([NewTopic(topic, num_partitions=int(args[0]), replication_factor=1)])[topic].result(30)
        deadline = time.time() + 10
        while not throttles and time.time() < deadline:
            admin.poll(0.1)
        # The throttled connection is not read for as long: the test asks the broker what was created.
        return {"throttle_ms": round(max(throttles, default=0) * 1000)}
    if action == "produce":
        codec, count = args[0], int(args[1])
        producer = Producer({"bootstrap.servers": bootstrap, "compression.type": codec, "acks": "all",
                             "linger.ms": 20, "enable.idempotence": args[2] == "idempotent" if len(args) > 2 else False})
        offsets = []
        errors = []

        def delivered(err, msg):
            if err is not None:
                errors.append(str(err))
            else:
                offsets.append(msg.offset())

        for i in range(count):
            producer.produce(topic, key=b"k%d" % i, value=b"value %d" % i, partition=0,
                             headers=[("n", str(i).encode())], on_delivery=delivered)
            producer.poll(0)
        remaining = producer.flush(30)
        return {"offsets": offsets, "errors": errors, "unflushed": remaining}
    if action == "consume":
        count = int(args[0])
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "samsa-test-assign",
                             "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        consumer.assign([TopicPartition(topic, 0, 0)])
        out = []
        idle = 0
        while len(out) < count and idle < 150:
            message = consumer.poll(0.1)
            if message is None:
                idle += 1
                continue
            if message.error():
                raise SystemExit(str(message.error()))
            out.append({"offset": message.offset(), "key": message.key().decode(), "value": message.value().decode(),
                        "headers": [[k, v.decode()] for k, v in (message.headers() or [])]})
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        consumer.close()
        return {"records": out, "end": high, "begin": low}
    if action == "consume-to-end":
        # Reads partition 0 from the beginning to where librdkafka signals its end (the high watermark,
        # or under isolation.level=read_committed the last stable offset).
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "samsa-test-isolation",
                             "enable.auto.commit": False, "isolation.level": args[0],
                             "enable.partition.eof": True})
        consumer.assign([TopicPartition(topic, 0, 0)])
        out = []
        polls = 0
        while polls < 300:
            message = consumer.poll(0.1)
            polls += 1
            if message is None:
                continue
            if message.error():
                if message.error().code() == KafkaError._PARTITION_EOF:
                    consumer.close()
                    return {"records": out, "eof": message.offset()}
                raise SystemExit(str(message.error()))
            out.append({"offset": message.offset(), "value": message.value().decode()})
        consumer.close()
        return {"records": out, "eof": None}
    raise SystemExit("unknown action " + action)


if __name__ == "__main__":
    client, action, bootstrap, topic = sys.argv[1:5]
    run = {"kafka-python": kafka_python, "confluent-kafka": confluent}[client]
    print(json.dumps(run(action, bootstrap, topic, sys.argv[5:])))
