"""Members of one consumer group as kafka-python (Debian's python3-kafka) runs them, for
test/cluster/consumer-groups.test.ts. Usage: group_members.py <bootstrap> <topic> <group> <members>.

Each member polls in a thread of its own (a member blocked in a rebalance must not hold up the
others, which the rebalance waits for) and commits its positions after every poll that returned
records (commitSync), until stdin closes. One JSON line per event, in the order they happened:
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


def emit(obj):
    with lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


def member(m, consumer, assigned):
    from kafka import OffsetAndMetadata
    while not stopping.is_set():
        try:
            polled = consumer.poll(timeout_ms=100)
        except Exception as e:
            emit({"member": m, "error": repr(e)})
            continue
        if consumer.assignment():
            assigned[m] = True
        positions = {}
        for tp, records in polled.items():
            for record in records:
                emit({"member": m, "partition": tp.partition, "offset": record.offset})
                positions[tp] = record.offset + 1
        if positions:
            try:
                consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in positions.items()})
                emit({"member": m, "committed": {tp.partition: offset for tp, offset in positions.items()}})
            except Exception as e:  # the coordinator moved or the group rebalanced: the next commit covers it
                emit({"member": m, "commitFailed": repr(e)})
    consumer.close(autocommit=False)


def main(bootstrap, topic, group, count):
    from kafka import KafkaConsumer

    assigned = [False] * count
    threads = []
    for m in range(count):
        consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, client_id="%s-%d" % (group, m),
                                 enable_auto_commit=False, auto_offset_reset="earliest",
                                 session_timeout_ms=10000, heartbeat_interval_ms=1000,
                                 metadata_max_age_ms=2000, retry_backoff_ms=100)
        thread = threading.Thread(target=member, args=(m, consumer, assigned))
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
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
