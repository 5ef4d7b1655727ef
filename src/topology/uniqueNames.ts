import type { Report, RuleInput, TopicRef } from './rules';

/** Topic and stage names must be unique, and topic names must not collide in Kafka's eyes. */
export function checkUniqueNames(input: RuleInput, report: Report): void {
  const topicAt = new Map<string, number>();
  const normalisedAt = new Map<string, TopicRef>();
  for (const t of input.topics) {
    const first = topicAt.get(t.name);
    if (first !== undefined) {
      report({ path: ['topics', t.index, 'name'], problem: `duplicate topic "${t.name}" (also topics[${first}])`, hint: 'remove one of the two entries or rename it' });
      continue;
    }
    topicAt.set(t.name, t.index);
    // Kafka refuses topics differing only by '.' vs '_': both map to the same metric names.
    const key = t.name.replace(/\./g, '_');
    const other = normalisedAt.get(key);
    if (other) {
      report({
        path: ['topics', t.index, 'name'],
        problem: `topic "${t.name}" collides with "${other.name}" (topics[${other.index}]): Kafka treats '.' and '_' alike`,
        hint: 'rename one of them so they differ by more than . versus _',
      });
    } else normalisedAt.set(key, t);
  }
  const stageAt = new Map<string, number>();
  for (const s of input.stages) {
    const first = stageAt.get(s.name);
    if (first === undefined) stageAt.set(s.name, s.index);
    else
      report({
        path: ['stages', s.index, 'name'],
        problem: `duplicate stage name "${s.name}" (also stages[${first}])`,
        hint: 'rename one: stage names name consumer groups (<topology>.<stage>) and dead-letter topics',
      });
  }
}
