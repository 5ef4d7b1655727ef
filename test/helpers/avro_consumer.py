"""A consumer as a Python user of the topics would write it: confluent-kafka's Consumer and
AvroDeserializer, each topic read from its beginning to its current end with the latest schema of
its subject <topic>-value (Confluent's TopicNameStrategy) as the reader schema.

    python avro_consumer.py <bootstrap servers> <schema registry url> <topic>...

Prints one JSON object per topic: records read, decoded, failed (with the first errors), the
subject's schema id and version, and the seconds spent decoding.
"""
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext


def read_topic(bootstrap, registry, topic):
    subject = f"{topic}-value"
    latest = registry.get_latest_version(subject)
    deserialize = AvroDeserializer(registry, latest.schema.schema_str)
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"py-avro-{uuid.uuid4()}",
        "enable.auto.commit": False,
    })
    partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
    ends = {}
    for p in partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)
        if high > low:
            ends[p] = (low, high)
    consumer.assign([TopicPartition(topic, p, low) for p, (low, _high) in ends.items()])
    done = {p: False for p in ends}
    records = decoded = 0
    errors = []
    decode_seconds = 0.0
    while not all(done.values()):
        msg = consumer.poll(30)
        if msg is None:
            errors.append("no record within 30 s before the end of the topic")
            break
        if msg.error():
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
    consumer.close()
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


def main():
    bootstrap, url, *topics = sys.argv[1:]
    registry = SchemaRegistryClient({"url": url})
    for topic in topics:
        print(json.dumps(read_topic(bootstrap, registry, topic)), flush=True)


if __name__ == "__main__":
    main()
