import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { loadSeedPairs, type SeedPair } from '../llm/seedPairs';
import { RECORD_TYPES } from '../records/types';
import { ConfigError } from '../core/errors';
import type { ResolvedTopology } from '../topology/loader';
import { DEFAULT_TRAINER_TOPIC, trainerSchema, type TrainerConfig } from '../topology/schema';
import { projectRoot } from '../util/paths';
import type { SnapshotFormat, TagPlacement } from './format';
import type { HookConfig } from './hook';

/** Everything the trainer consumer needs, worked out from the topology and the command line. */
export interface TrainerSettings {
  /** `<topology name>.trainer`: stable, so lag and committed offsets show up in Kafka tooling. */
  group: string;
  clientId: string;
  topics: string[];
  outDir: string;
  format: SnapshotFormat;
  sourceTag: TagPlacement;
  shardLines: number;
  seeds: SeedPair[];
  seedFile: string | null;
  every?: { examples?: number; minutes?: number };
  hook?: HookConfig;
  iteration?: number;
  sessionTimeoutMs: number;
}

export interface TrainerOverrides {
  /** Snapshot these tiers' curated topics instead of trainer.topics. */
  tiers?: number[];
  outDir?: string;
  format?: SnapshotFormat;
  sourceTag?: TagPlacement;
}


/** What a tier-filter stage's options say about its tiers; read loosely, the stage validates them. */
const tierRoutes = z.object({ tiers: z.array(z.object({ minScore: z.number(), topic: z.string() })) });

export function trainerSettings(topology: ResolvedTopology, config: TrainerConfig | undefined, overrides: TrainerOverrides = {}): TrainerSettings {
  const trainer = config ?? trainerSchema.parse({});
  const topics = overrides.tiers ? overrides.tiers.map((tier) => topicOfTier(topology, tier)) : (trainer.topics ?? [DEFAULT_TRAINER_TOPIC]);
  for (const topic of topics) checkCuratedTopic(topology, topic);
  const seedFile = trainer.seed.mix === 'none' ? null : resolveSeedFile(trainer.seed.file);
  const all = seedFile === null ? [] : loadSeedPairs(seedFile);
  return {
    group: `${topology.name}.trainer`,
    clientId: topology.clientId,
    topics: [...new Set(topics)],
    outDir: path.resolve(overrides.outDir ?? trainer.outDir),
    format: overrides.format ?? trainer.format,
    sourceTag: overrides.sourceTag ?? trainer.sourceTag,
    shardLines: trainer.shardLines,
    seeds: typeof trainer.seed.mix === 'number' ? all.slice(0, trainer.seed.mix) : all,
    seedFile,
    every: trainer.every,
    hook: trainer.hook,
    iteration: trainer.iteration,
    sessionTimeoutMs: trainer.sessionTimeoutMs,
  };
}

/** The tier-filter stages' route for `tier` (its minScore), else a declared `curated.tier<N>`. */
export function topicOfTier(topology: ResolvedTopology, tier: number): string {
  const routed = topology.stages
    .filter((s) => s.type === 'tier-filter')
    .flatMap((s) => {
      const parsed = tierRoutes.safeParse(s.config);
      return parsed.success ? parsed.data.tiers.filter((t) => t.minScore === tier).map((t) => t.topic) : [];
    });
  const topic = routed[0] ?? `curated.tier${tier}`;
  if (topology.topics.some((t) => t.name === topic)) return topic;
  throw new ConfigError(`no curated topic for tier ${tier}. Fix: pick a tier with a topic (${curatedTopics(topology).join(', ') || 'none declared'}) or declare ${topic}`);
}

function checkCuratedTopic(topology: ResolvedTopology, name: string): void {
  const topic = topology.topics.find((t) => t.name === name);
  if (topic?.schema === RECORD_TYPES.CuratedExample) return;
  const problem = topic === undefined ? 'is not declared' : `carries ${topic.schema ?? 'no schema'}`;
  throw new ConfigError(`trainer topic "${name}" ${problem}, but snapshots are made of ${RECORD_TYPES.CuratedExample}. Fix: use one of ${curatedTopics(topology).join(', ') || '(none declared)'}`);
}

function curatedTopics(topology: ResolvedTopology): string[] {
  return topology.topics.filter((t) => t.schema === RECORD_TYPES.CuratedExample).map((t) => t.name);
}

/** Relative to the working directory, else to the project (the default works from anywhere). */
function resolveSeedFile(file: string): string {
  if (path.isAbsolute(file) || fs.existsSync(file)) return path.resolve(file);
  return path.join(projectRoot(), file);
}
