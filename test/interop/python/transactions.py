"""confluent-kafka (Debian's python3-confluent-kafka, librdkafka 2.0) transactional
producers and read_committed consumers, driven by samsa's transaction tests.
Usage: transactions.py <action> <bootstrap> [args]. Prints one JSON line on stdout."""
import json
import os
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

TIMEOUT = 30


def producer(bootstrap, transactional_id, extra=None):
    config = {"bootstrap.servers": bootstrap, "transactional.id": transactional_id, "linger.ms": 5}
    config.update(extra or {})
    return Producer(config)


def produce_all(p, topic, values, partition=None):
    errors = []

    def delivered(err, _msg):
        if err is not None:
            errors.append(str(err))

    for value in values:
        if partition is None:
            p.produce(topic, value=value.encode(), on_delivery=delivered)
        else:
            p.produce(topic, value=value.encode(), partition=partition, on_delivery=delivered)
        p.poll(0)
    p.flush(TIMEOUT)
    if errors:
        raise SystemExit("delivery failed: " + "; ".join(errors))


def error_of(e):
    """A KafkaException as the test checks it: librdkafka's error name and whether it is fatal or abortable."""
    err = e.args[0]
    return {"name": err.name(), "fatal": err.fatal(), "abortable": err.txn_requires_abort(), "retriable": err.retriable()}


def abort_then_commit(bootstrap, args):
    """One transaction aborted, the next committed, each writing `count` records to every partition of the topic."""
    topic, transactional_id, count = args[0], args[1], int(args[2])
    p = producer(bootstrap, transactional_id)
    p.init_transactions(TIMEOUT)
    p.begin_transaction()
    produce_all(p, topic, ["aborted-%d" % i for i in range(count)])
    p.abort_transaction(TIMEOUT)
    p.begin_transaction()
    produce_all(p, topic, ["committed-%d" % i for i in range(count)])
    p.commit_transaction(TIMEOUT)
    return {"done": True}


def consume(bootstrap, args):
    """Every record of a topic's partitions up to where the consumer's isolation level stops (partition EOF)."""
    topic, isolation, partitions = args[0], args[1], int(args[2])
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "samsa-txn-reader", "enable.auto.commit": False,
                  "isolation.level": isolation, "enable.partition.eof": True, "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    values, at_end, idle = [], set(), 0
    while len(at_end) < partitions and idle < 300:
        m = c.poll(0.1)
        if m is None:
            idle += 1
            continue
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                at_end.add(m.partition())
                continue
            raise SystemExit(str(m.error()))
        at_end.discard(m.partition())
        values.append(m.value().decode())
    c.close()
    return {"values": values, "complete": len(at_end) == partitions}


def zombie(bootstrap, args):
    """A producer fenced by a second one with its transactional.id: its commit fails; the second commits."""
    topic, transactional_id = args[0], args[1]
    first = producer(bootstrap, transactional_id)
    first.init_transactions(TIMEOUT)
    first.begin_transaction()
    produce_all(first, topic, ["zombie-%d" % i for i in range(5)])
    second = producer(bootstrap, transactional_id)
    second.init_transactions(TIMEOUT)
    outcome = {}
    try:
        first.commit_transaction(TIMEOUT)
        outcome["zombie_commit"] = "committed"
    except KafkaException as e:
        outcome["zombie_commit"] = error_of(e)
    second.begin_transaction()
    produce_all(second, topic, ["live-%d" % i for i in range(5)])
    second.commit_transaction(TIMEOUT)
    return outcome


def transform(bootstrap, args):
    """Consume-transform-produce: reads `count` records of the input with a group, writes them upper-cased to the
    output and commits the input offsets in the same transaction, then commits or aborts it."""
    source, sink, group, transactional_id, count, ending = args[0], args[1], args[2], args[3], int(args[4]), args[5]
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                  "isolation.level": "read_committed", "auto.offset.reset": "earliest"})
    c.subscribe([source])
    p = producer(bootstrap, transactional_id)
    p.init_transactions(TIMEOUT)
    taken, idle = [], 0
    while len(taken) < count and idle < 300:
        m = c.poll(0.1)
        if m is None:
            idle += 1
            continue
        if m.error():
            raise SystemExit(str(m.error()))
        taken.append(m)
    if len(taken) < count:
        raise SystemExit("read %d of %d input records" % (len(taken), count))
    p.begin_transaction()
    produce_all(p, sink, [m.value().decode().upper() for m in taken])
    positions = c.position(c.assignment())
    p.send_offsets_to_transaction(positions, c.consumer_group_metadata(), TIMEOUT)
    if ending == "commit":
        p.commit_transaction(TIMEOUT)
    else:
        p.abort_transaction(TIMEOUT)
    committed = c.committed(c.assignment(), TIMEOUT)
    c.close()
    return {"positions": sorted([[tp.partition, tp.offset] for tp in positions]),
            "committed": sorted([[tp.partition, tp.offset] for tp in committed])}


def committed_offsets(bootstrap, args):
    """The offsets a group has committed for a topic's partitions (-1001: none)."""
    topic, group, partitions = args[0], args[1], int(args[2])
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                  "isolation.level": "read_committed"})
    committed = c.committed([TopicPartition(topic, p) for p in range(partitions)], TIMEOUT)
    c.close()
    return {"committed": sorted([[tp.partition, tp.offset] for tp in committed])}


def abandon(bootstrap, args):
    """Opens a transaction, writes records, and exits without ending it (the producer dies)."""
    topic, transactional_id, timeout_ms = args[0], args[1], int(args[2])
    p = producer(bootstrap, transactional_id, {"transaction.timeout.ms": timeout_ms})
    p.init_transactions(TIMEOUT)
    p.begin_transaction()
    produce_all(p, topic, ["abandoned-%d" % i for i in range(5)], partition=0)
    print(json.dumps({"abandoned": True}), flush=True)
    os._exit(0)


def commit(bootstrap, args):
    """Initialises a transactional id (aborting what it left open) and commits `count` records."""
    topic, transactional_id, prefix, count = args[0], args[1], args[2], int(args[3])
    p = producer(bootstrap, transactional_id)
    p.init_transactions(TIMEOUT)
    p.begin_transaction()
    produce_all(p, topic, ["%s-%d" % (prefix, i) for i in range(count)], partition=0)
    p.commit_transaction(TIMEOUT)
    return {"done": True}


ACTIONS = {"abort-then-commit": abort_then_commit, "consume": consume, "zombie": zombie, "transform": transform,
           "committed": committed_offsets, "abandon": abandon, "commit": commit}

if __name__ == "__main__":
    action, bootstrap = sys.argv[1:3]
    print(json.dumps(ACTIONS[action](bootstrap, sys.argv[3:])))
