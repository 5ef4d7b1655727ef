import { ConfigResourceTypes, ConfigSource, type Admin } from 'kafkajs';
import { topicConfigEntries, type TopicSpec } from './admin';

export interface ConfigChange {
  name: string;
  /** The value before; undefined when the broker reported none. */
  from: string | undefined;
  to: string;
}

export interface TopicConfigUpdate {
  topic: string;
  changes: ConfigChange[];
}

/**
 * Brings the declared configs (retention, compaction, max.message.bytes, min.insync.replicas,
 * compression.type) of existing topics to the topology's values; keys the topology does not declare
 * stay as they are. kafkajs speaks only the legacy AlterConfigs, which replaces a topic's whole set of
 * overrides, so the overrides already there (set by an operator, say) are sent back along with ours.
 */
export async function updateTopicConfigs(admin: Admin, specs: readonly TopicSpec[]): Promise<TopicConfigUpdate[]> {
  const declared = specs.map((s) => ({ topic: s.name, entries: topicConfigEntries(s) })).filter((d) => d.entries.length > 0);
  if (declared.length === 0) return [];
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: declared.map((d) => ({ type: ConfigResourceTypes.TOPIC, name: d.topic })),
  });
  const updates: TopicConfigUpdate[] = [];
  for (const d of declared) {
    const current = resources.find((r) => r.resourceName === d.topic)?.configEntries ?? [];
    const actual = new Map(current.map((e) => [e.configName, e.configValue]));
    const changes = d.entries.filter((e) => actual.get(e.name) !== e.value).map((e) => ({ name: e.name, from: actual.get(e.name), to: e.value }));
    if (changes.length === 0) continue;
    const kept = current.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && !d.entries.some((x) => x.name === e.configName));
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: d.topic,
          configEntries: [...kept.map((e) => ({ name: e.configName, value: e.configValue })), ...d.entries],
        },
      ],
    });
    updates.push({ topic: d.topic, changes });
  }
  return updates;
}
