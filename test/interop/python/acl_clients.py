"""kafka-python and confluent-kafka as principals the ACL tests allow or deny, over SASL_PLAINTEXT with PLAIN.
Usage: acl_clients.py <client> <action> <bootstrap> <topic> <username> <password> [group]
Actions: produce (five records to partition 0), consume (subscribe with the group, read five records),
create-topic (an admin request), transact (confluent-kafka: five records in a transaction whose
transactional id is the [group] argument). Prints JSON on stdout: {"ok": true}, {"values": [...]}, or
{"error": "<Kafka's error name>"} when the broker refused the client."""
import json
import sys


def kafka_python(action, bootstrap, topic, username, password, group):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import KafkaError

    common = {"bootstrap_servers": bootstrap, "security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN",
              "sasl_plain_username": username, "sasl_plain_password": password,
              "request_timeout_ms": 10000, "api_version_auto_timeout_ms": 5000}
    try:
        if action == "produce":
            # kafka-python 2.0.2 fails its metadata wait for a single unauthorized topic without noting it as such
            # (against Kafka too): it ends in KafkaTimeoutError after max_block_ms.
            producer = KafkaProducer(acks="all", max_block_ms=3000, **common)
            try:
                for i in range(5):
                    producer.send(topic, value=b"kafka-python %d" % i, partition=0).get(timeout=10)
            finally:
                producer.close(timeout=5)
            return {"ok": True}
        if action == "consume":
            # Assigned rather than subscribed: kafka-python then sees the fetch's and the coordinator's errors as they are.
            consumer = KafkaConsumer(group_id=group, enable_auto_commit=False, auto_offset_reset="earliest",
                                     consumer_timeout_ms=15000, **dict(common, request_timeout_ms=30000))
            consumer.assign([TopicPartition(topic, 0)])
            values = []
            try:
                for message in consumer:
                    values.append(message.value.decode())
                    if len(values) >= 5:
                        break
                consumer.commit()
            finally:
                consumer.close()
            return {"values": values}
        if action == "create-topic":
            admin = KafkaAdminClient(**common)
            try:
                response = admin.create_topics([NewTopic(topic, 1, 1)])
            finally:
                admin.close()
            for t in getattr(response, "topic_errors", []):
                if t[1] != 0:
                    return {"error": "error code %d" % t[1]}
            return {"ok": True}
    except KafkaError as e:
        return {"error": type(e).__name__}
    raise ValueError(action)


def confluent(action, bootstrap, topic, username, password, group):
    from confluent_kafka import Consumer, KafkaException, Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    errors = []
    conf = {"bootstrap.servers": bootstrap, "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
            "sasl.username": username, "sasl.password": password, "error_cb": lambda err: errors.append(err.name())}
    if action == "produce":
        producer = Producer(dict(conf, **{"acks": "all", "message.timeout.ms": 10000}))
        delivered = []
        for i in range(5):
            producer.produce(topic, value=b"confluent %d" % i, partition=0, on_delivery=lambda err, msg: delivered.append(err))
        producer.flush(15)
        failed = [err.name() for err in delivered if err is not None]
        if failed or len(delivered) != 5:
            return {"error": (failed + errors + ["undelivered"])[0]}
        return {"ok": True}
    if action == "consume":
        consumer = Consumer(dict(conf, **{"group.id": group, "enable.auto.commit": False, "auto.offset.reset": "earliest"}))
        consumer.subscribe([topic])
        values = []
        idle = 0
        try:
            while len(values) < 5 and idle < 150:
                message = consumer.poll(0.1)
                if message is None:
                    idle += 1
                    if errors:
                        break
                    continue
                if message.error():
                    errors.append(message.error().name())
                    if "AUTHORIZATION" in message.error().name():
                        break
                    continue
                values.append(message.value().decode())
            if len(values) >= 5:
                consumer.commit(asynchronous=False)
        except KafkaException as e:
            errors.append(e.args[0].name())
        finally:
            consumer.close()
        denied = [e for e in errors if "AUTHORIZATION" in e]
        return {"error": denied[0]} if denied else {"values": values}
    if action == "transact":
        # group names the transactional id here
        producer = Producer(dict(conf, **{"transactional.id": group, "transaction.timeout.ms": 10000}))
        try:
            producer.init_transactions(15)
            producer.begin_transaction()
            for i in range(5):
                producer.produce(topic, value=b"txn %d" % i, partition=0)
            producer.commit_transaction(15)
        except KafkaException as e:
            return {"error": e.args[0].name()}
        return {"ok": True}
    if action == "create-topic":
        admin = AdminClient(conf)
        future = admin.create_topics([NewTopic(topic, 1, 1)], request_timeout=10)[topic]
        try:
            future.result(15)
        except KafkaException as e:
            return {"error": e.args[0].name()}
        return {"ok": True}
    raise ValueError(action)


if __name__ == "__main__":
    client, action, bootstrap, topic, username, password = sys.argv[1:7]
    group = sys.argv[7] if len(sys.argv) > 7 else None
    run = {"kafka-python": kafka_python, "confluent-kafka": confluent}[client]
    print(json.dumps(run(action, bootstrap, topic, username, password, group)))
