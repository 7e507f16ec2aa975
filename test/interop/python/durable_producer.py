"""Run by durable-kill.test.ts: a confluent-kafka producer (acks=all) sending
records without end to partition 0 of a topic, printing `A <offset> <value>`
for each one the broker acknowledges, as it is acknowledged."""
import sys

from confluent_kafka import Producer

bootstrap, topic = sys.argv[1], sys.argv[2]
producer = Producer({'bootstrap.servers': bootstrap, 'acks': 'all', 'linger.ms': 1, 'message.timeout.ms': 0})


def delivered(error, message):
    if error is None:
        sys.stdout.write(f'A {message.offset()} {message.value().decode()}\n')
        sys.stdout.flush()


seq = 0
while True:
    try:
        producer.produce(topic, value=f'record-{seq}'.ljust(100, '.').encode(), partition=0, on_delivery=delivered)
        seq += 1
    except BufferError:
        pass
    producer.poll(0 if seq % 100 else 0.001)
