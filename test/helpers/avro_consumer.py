"""A consumer as a Python user of the topics would write it: confluent-kafka's Consumer and
AvroDeserializer, each topic read from its beginning to its current end with the latest schema of
its subject <topic>-value (Confluent's TopicNameStrategy) as the reader schema.

    python avro_consumer.py <bootstrap servers> <schema registry url> <topic>...

Prints one JSON object per topic: records read, decoded, failed (with the first errors), the
subject's schema id and version, and the seconds spent decoding. Each step is logged to stderr with
its time and every wait is bounded (registry requests, broker calls, the read of a topic, the
consumer's close), so a stall ends in an error that says where it was instead of a silent hang.
"""
import json
import os
import sys
import threading
import time
import uuid

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

STARTED = time.monotonic()
TOPIC_DEADLINE_S = 90
CLOSE_TIMEOUT_S = 20


def log(message):
    print(f"[{time.monotonic() - STARTED:7.2f}s] {message}", file=sys.stderr, flush=True)


def read_topic(consumer, registry, topic):
    subject = f"{topic}-value"
    latest = registry.get_latest_version(subject)
    log(f"{subject}: latest is version {latest.version}, schema id {latest.schema_id}")
    deserialize = AvroDeserializer(registry, latest.schema.schema_str)
    partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
    ends = {}
    for p in partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)
        if high > low:
            ends[p] = (low, high)
    log(f"{topic}: reading partitions {ends}")
    consumer.assign([TopicPartition(topic, p, low) for p, (low, _high) in ends.items()])
    done = {p: False for p in ends}
    records = decoded = 0
    errors = []
    decode_seconds = 0.0
    deadline = time.monotonic() + TOPIC_DEADLINE_S
    while not all(done.values()):
        if time.monotonic() > deadline:
            errors.append(f"not at the end of every partition after {TOPIC_DEADLINE_S} s: {done}")
            break
        msg = consumer.poll(10)
        if msg is None:
            errors.append("no record within 10 s before the end of the topic")
            break
        if msg.error():
            log(f"{topic}: {msg.error()}")
            errors.append(str(msg.error()))
            continue
        records += 1
        started = time.perf_counter()
        try:
            deserialize(msg.value(), SerializationContext(topic, MessageField.VALUE))
            decoded += 1
        except Exception as err:  # noqa: BLE001 - every failure is counted and reported
            errors.append(repr(err))
        decode_seconds += time.perf_counter() - started
        if msg.offset() + 1 >= ends[msg.partition()][1]:
            done[msg.partition()] = True
    consumer.unassign()
    log(f"{topic}: read {records} records, {decoded} decoded, {len(errors)} errors")
    return {
        "topic": topic,
        "subject": subject,
        "schema_id": latest.schema_id,
        "version": latest.version,
        "records": records,
        "decoded": decoded,
        "failed": records - decoded,
        "errors": errors[:3],
        "decode_seconds": decode_seconds,
    }


def close_within(consumer, seconds):
    """librdkafka's close can block for good after assign() (confluent-kafka-python#1667); the
    results are printed by then, so a close that does not return in time is logged and left."""
    closer = threading.Thread(target=consumer.close, daemon=True)
    closer.start()
    closer.join(seconds)
    if closer.is_alive():
        log(f"consumer close did not return within {seconds} s; exiting without it")
        return False
    return True


def main():
    bootstrap, url, *topics = sys.argv[1:]
    registry = SchemaRegistryClient({"url": url, "timeout": 30})
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"py-avro-{uuid.uuid4()}",  # required by the client; never joined (assign only)
        "enable.auto.commit": False,
    })
    for topic in topics:
        print(json.dumps(read_topic(consumer, registry, topic)), flush=True)
    if not close_within(consumer, CLOSE_TIMEOUT_S):
        os._exit(0)  # a normal exit would wait on the stuck close in the client's destructor


if __name__ == "__main__":
    main()
