import type { Admin } from 'kafkajs';
import { committedOffsets, partitionEnds } from '../kafka/offsets';
import type { ResolvedStage } from '../topology/loader';
import { sleep } from '../core/backoff';
import { ConfigError } from '../core/errors';

/** How far one stage's consumer group is through its input: committed records of the topic's current end. */
export interface DrainProgress {
  stage: string;
  done: number;
  total: number;
  /** Its upstream stages are drained and it has committed up to the end of its input. */
  drained: boolean;
}

export interface DrainOptions {
  pollMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: DrainProgress[]) => void;
}

/**
 * Batch mode for long-lived stages: resolves once every stage has consumed and committed all of its
 * input, upstream stages first (a stage's input is final only when the stages writing it are drained).
 * The stages must already be running; this only watches committed offsets, as `kafka-consumer-groups
 * --describe` would.
 */
export async function waitUntilDrained(admin: Admin, stages: readonly ResolvedStage[], opts: DrainOptions = {}): Promise<void> {
  const order = upstreamFirst(stages);
  const drained = new Set<string>();
  const pollMs = opts.pollMs ?? 500;
  for (const stage of order) {
    for (;;) {
      if (opts.signal?.aborted) throw Object.assign(new Error('stopped while waiting for the stages to drain'), { name: 'AbortError' });
      const progress = await Promise.all(order.map((s) => progressOf(admin, s)));
      opts.onProgress?.(progress.map((p) => ({ ...p, drained: drained.has(p.stage) })));
      // Upstream stages are drained (loop order), so this stage's input is final.
      if (progress.find((p) => p.stage === stage.name)?.atEnd) break;
      await sleep(pollMs);
    }
    drained.add(stage.name);
  }
  opts.onProgress?.((await Promise.all(order.map((s) => progressOf(admin, s)))).map((p) => ({ ...p, drained: true })));
}

async function progressOf(admin: Admin, stage: ResolvedStage): Promise<Omit<DrainProgress, 'drained'> & { atEnd: boolean }> {
  const ends = await partitionEnds(admin, [stage.input]);
  const committed = await committedOffsets(admin, stage.groupId, [stage.input]);
  let done = 0;
  let total = 0;
  let atEnd = true;
  for (const [key, { low, high }] of ends) {
    const at = Math.max(committed.get(key) ?? low, low);
    total += high - low;
    done += Math.min(at, high) - low;
    if (at < high) atEnd = false;
  }
  return { stage: stage.name, done, total, atEnd };
}

/** Stages ordered so that every stage comes after the stages writing its input. */
export function upstreamFirst(stages: readonly ResolvedStage[]): ResolvedStage[] {
  const writes = (s: ResolvedStage): string[] => [s.output, ...s.extraOutputs];
  const ordered: ResolvedStage[] = [];
  const pending = [...stages];
  while (pending.length > 0) {
    const ready = pending.findIndex((s) => !pending.some((u) => u !== s && writes(u).includes(s.input)));
    if (ready < 0) throw new ConfigError(`stages ${pending.map((s) => s.name).join(', ')} feed each other in a cycle, so they never drain. Fix: run them without --until-drained`);
    ordered.push(...pending.splice(ready, 1));
  }
  return ordered;
}
