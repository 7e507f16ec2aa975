"""kafka-python and confluent-kafka over SSL and SASL, driven by samsa's security tests.
Usage: secure_clients.py <client> <action> <bootstrap> <topic> <settings json>, where settings has
protocol, ca, cert, key, mechanism, username, password (each optional). Prints JSON on stdout:
{"values": [...]} after producing and consuming, or {"error": "..."} when the client was refused."""
import json
import sys


def kafka_python(action, bootstrap, topic, s):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.errors import KafkaError

    common = {"bootstrap_servers": bootstrap, "security_protocol": s.get("protocol", "PLAINTEXT"),
              "request_timeout_ms": 10000, "api_version_auto_timeout_ms": 5000}
    if "ca" in s:
        common.update(ssl_cafile=s["ca"], ssl_check_hostname=True)
    if "cert" in s:
        common.update(ssl_certfile=s["cert"], ssl_keyfile=s["key"])
    if "mechanism" in s:
        common.update(sasl_mechanism=s["mechanism"], sasl_plain_username=s["username"], sasl_plain_password=s["password"])
    try:
        producer = KafkaProducer(acks="all", max_block_ms=10000, **common)
        for i in range(5):
            producer.send(topic, value=b"kafka-python %d" % i, partition=0)
        producer.flush(10)
        producer.close()
        consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
                                 consumer_timeout_ms=10000, **common)
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        values = []
        for message in consumer:
            values.append(message.value.decode())
            if len(values) >= 5:
                break
        consumer.close()
        return {"values": values}
    except (KafkaError, OSError) as e:
        return {"error": type(e).__name__ + ": " + str(e)}


def confluent(action, bootstrap, topic, s):
    from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

    conf = {"bootstrap.servers": bootstrap, "security.protocol": s.get("protocol", "PLAINTEXT")}
    if "ca" in s:
        conf["ssl.ca.location"] = s["ca"]
    if "cert" in s:
        conf.update({"ssl.certificate.location": s["cert"], "ssl.key.location": s["key"]})
    if "mechanism" in s:
        conf.update({"sasl.mechanism": s["mechanism"], "sasl.username": s["username"], "sasl.password": s["password"]})
    errors = []
    conf["error_cb"] = lambda err: errors.append(str(err))
    producer = Producer(dict(conf, **{"acks": "all", "message.timeout.ms": 10000}))
    try:
        producer.list_topics(timeout=10)
    except KafkaException as e:
        producer.poll(0)  # error_cb runs from poll
        return {"error": str(e) + " " + " | ".join(errors)}
    delivered = []
    for i in range(5):
        producer.produce(topic, value=b"confluent %d" % i, partition=0,
                         on_delivery=lambda err, msg: delivered.append(err))
    producer.flush(15)
    if len(delivered) != 5 or any(delivered):
        return {"error": "delivery failed: " + repr(delivered) + " " + " | ".join(errors)}
    consumer = Consumer(dict(conf, **{"group.id": "secure-test", "enable.auto.commit": False, "auto.offset.reset": "earliest"}))
    consumer.assign([TopicPartition(topic, 0, 0)])
    values = []
    idle = 0
    while len(values) < 5 and idle < 100:
        message = consumer.poll(0.1)
        if message is None or message.error():
            idle += 1
            continue
        values.append(message.value().decode())
    consumer.close()
    return {"values": values}


if __name__ == "__main__":
    client, action, bootstrap, topic, settings = sys.argv[1:6]
    run = {"kafka-python": kafka_python, "confluent-kafka": confluent}[client]
    print(json.dumps(run(action, bootstrap, topic, json.loads(settings))))
