"""Members of one consumer group as a Python client runs them, for test/cluster/consumer-groups.test.ts.
Usage: group_members.py <client> <bootstrap> <topic> <group> <members>, where <client> is
kafka-python (Debian's python3-kafka) or confluent-kafka (python3-confluent-kafka, librdkafka).

Each member polls in a thread of its own (a member blocked in a rebalance must not hold up the
others, which the rebalance waits for) and commits its positions after every poll that returned
records (a synchronous commit), until stdin closes. One JSON line per event, in the order they happened:
  {"member": m, "partition": p, "offset": o}     a record delivered
  {"member": m, "committed": {p: offset, ...}}    a commit the coordinator acknowledged
  {"member": m, "commitFailed": "..."}            a commit that failed (the next one covers it)
  {"member": m, "error": "..."}                   a poll that raised
  {"ready": true}                                 every member has an assignment
  {"done": true}                                  after the members closed
"""
import json
import sys
import threading

lock = threading.Lock()
stopping = threading.Event()

SESSION_TIMEOUT_MS = 10000
HEARTBEAT_INTERVAL_MS = 1000
METADATA_MAX_AGE_MS = 2000


def emit(obj):
    with lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


class KafkaPythonMember:
    def __init__(self, bootstrap, topic, group, client_id):
        from kafka import KafkaConsumer
        self.consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, client_id=client_id,
                                      enable_auto_commit=False, auto_offset_reset="earliest",
                                      session_timeout_ms=SESSION_TIMEOUT_MS, heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
                                      metadata_max_age_ms=METADATA_MAX_AGE_MS, retry_backoff_ms=100)

    def poll(self):
        """(partition, offset) of each record a poll returned."""
        polled = self.consumer.poll(timeout_ms=100)
        return [(tp.partition, r.offset) for tp, records in polled.items() for r in records]

    def assigned(self):
        return bool(self.consumer.assignment())

    def commit(self, topic, positions):
        from kafka import OffsetAndMetadata
        from kafka.structs import TopicPartition
        self.consumer.commit({TopicPartition(topic, p): OffsetAndMetadata(o, "") for p, o in positions.items()})

    def close(self):
        self.consumer.close(autocommit=False)


class ConfluentMember:
    def __init__(self, bootstrap, topic, group, client_id):
        from confluent_kafka import Consumer
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "client.id": client_id,
                                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                                  "session.timeout.ms": SESSION_TIMEOUT_MS, "heartbeat.interval.ms": HEARTBEAT_INTERVAL_MS,
                                  "topic.metadata.refresh.interval.ms": METADATA_MAX_AGE_MS, "retry.backoff.ms": 100})
        self.consumer.subscribe([topic])

    def poll(self):
        out = []
        for message in self.consumer.consume(num_messages=500, timeout=0.1):
            if message.error():  # an event, such as the end of a partition: no record
                continue
            out.append((message.partition(), message.offset()))
        return out

    def assigned(self):
        return bool(self.consumer.assignment())

    def commit(self, topic, positions):
        from confluent_kafka import KafkaException, TopicPartition
        results = self.consumer.commit(offsets=[TopicPartition(topic, p, o) for p, o in positions.items()], asynchronous=False)
        failed = [tp for tp in results or [] if tp.error]
        if failed:
            raise KafkaException(failed[0].error)

    def close(self):
        self.consumer.close()


CLIENTS = {"kafka-python": KafkaPythonMember, "confluent-kafka": ConfluentMember}


def run_member(m, member, topic, assigned):
    while not stopping.is_set():
        try:
            polled = member.poll()
        except Exception as e:
            emit({"member": m, "error": repr(e)})
            continue
        if member.assigned():
            assigned[m] = True
        positions = {}
        for partition, offset in polled:
            emit({"member": m, "partition": partition, "offset": offset})
            positions[partition] = offset + 1
        if positions:
            try:
                member.commit(topic, positions)
                emit({"member": m, "committed": positions})
            except Exception as e:  # the coordinator moved or the group rebalanced: the next commit covers it
                emit({"member": m, "commitFailed": repr(e)})
    member.close()


def main(client, bootstrap, topic, group, count):
    assigned = [False] * count
    threads = []
    for m in range(count):
        member = CLIENTS[client](bootstrap, topic, group, "%s-%d" % (group, m))
        thread = threading.Thread(target=run_member, args=(m, member, topic, assigned))
        thread.start()
        threads.append(thread)
    # stdin closing is the test's way of saying stop.
    threading.Thread(target=lambda: (sys.stdin.read(), stopping.set()), daemon=True).start()
    while not stopping.wait(0.05):
        if all(assigned):
            emit({"ready": True})
            break
    stopping.wait()
    for thread in threads:
        thread.join()
    emit({"done": True})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
