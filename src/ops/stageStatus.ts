import type { Admin } from 'kafkajs';
import { groupLag, partitionEnds } from '../kafka/offsets';
import { sleep } from '../core/backoff';
import type { ResolvedTopology } from '../topology/loader';

export interface GroupRow {
  stage: string;
  group: string;
  input: string;
  lag: number;
  /** Records per second the group committed over the sample interval. */
  rate: number;
  members: number;
  state: string;
  /** Records in the stage's dead-letter topic (none for the trainer). */
  dlq?: number;
}

/**
 * Every stage's consumer group (and the trainer's), from the admin API only: works with no engine
 * process running, like kafka-consumer-groups. The rate is two lag samples `sampleMs` apart.
 */
export async function stageStatus(admin: Admin, t: ResolvedTopology, trainer: { group: string; topics: string[] } | undefined, sampleMs: number): Promise<GroupRow[]> {
  const watched = [...t.stages.map((s) => ({ stage: s.name, group: s.groupId, inputs: [s.input], dlq: s.dlq })), ...(trainer ? [{ stage: 'trainer', group: trainer.group, inputs: trainer.topics, dlq: undefined }] : [])];
  const existing = new Set(await admin.listTopics());
  const positions = async (g: (typeof watched)[number]): Promise<{ lag: number; at: number }> => {
    let lag = 0;
    let at = 0;
    for (const topic of g.inputs.filter((x) => existing.has(x))) {
      for (const p of await groupLag(admin, g.group, topic)) {
        lag += p.lag;
        at += p.position;
      }
    }
    return { lag, at };
  };
  const first = await Promise.all(watched.map(positions));
  if (sampleMs > 0) await sleep(sampleMs);
  const second = sampleMs > 0 ? await Promise.all(watched.map(positions)) : first;
  const { groups } = await admin.describeGroups(watched.map((g) => g.group));
  const rows: GroupRow[] = [];
  for (const [i, g] of watched.entries()) {
    const described = groups.find((d) => d.groupId === g.group);
    const dlq = g.dlq && existing.has(g.dlq) ? [...(await partitionEnds(admin, [g.dlq])).values()].reduce((n, e) => n + e.high - e.low, 0) : g.dlq ? 0 : undefined;
    rows.push({
      stage: g.stage,
      group: g.group,
      input: g.inputs.join(','),
      lag: second[i].lag,
      rate: sampleMs > 0 ? (second[i].at - first[i].at) / (sampleMs / 1000) : 0,
      members: described?.members.length ?? 0,
      state: described?.state ?? 'Unknown',
      dlq,
    });
  }
  return rows;
}

/** The rows as an aligned text table. */
export function statusTable(rows: readonly GroupRow[]): string {
  const header = ['stage', 'group', 'input', 'lag', 'rate/s', 'members', 'state', 'dlq'];
  const cells = rows.map((r) => [r.stage, r.group, r.input, String(r.lag), r.rate.toFixed(1), String(r.members), r.state, r.dlq === undefined ? '-' : String(r.dlq)]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: string[]): string => row.map((cell, c) => (c >= 3 && c !== 6 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(header), ...cells.map(line)].join('\n') + '\n';
}
