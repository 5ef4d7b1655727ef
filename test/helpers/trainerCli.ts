/** The trainer's CLI commands (`humpback snapshot`, `humpback trainer`) as child processes, and a topology for them. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { applyTopics } from '../../src/kafka/admin';
import { parseTopology, resolveTopology } from '../../src/topology/loader';
import { startCli, type RunningCli } from './cli';
import { uniqueName } from './kafka';

export function startTrainerCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  return startCli(args, { HUMPBACK_LOG_LEVEL: 'info', ...env });
}

export async function runTrainerCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const running = startTrainerCli(args, env);
  const { code, signal } = await running.exited;
  return { code, signal, stdout: running.stdout(), stderr: running.stderr() };
}

export interface TrainerTestSetup {
  file: string;
  dir: string;
  topic: string;
  group: string;
  outDir: string;
  /** One line per hook run: the snapshot folder. */
  hookRuns: string;
}

/**
 * A topology with one curated topic no other test uses, a trainer block writing to a temp folder
 * (seed file of 3 pairs, `mix` of them mixed in), a hook that appends the folder to `hookRuns`.
 */
export async function trainerTopology(kafka: Kafka, trainerExtra = '', opts: { partitions?: number; mix?: number } = {}): Promise<TrainerTestSetup> {
  const p = uniqueName('tr');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-trainer-'));
  const seedFile = path.join(dir, 'seed.jsonl');
  fs.writeFileSync(seedFile, [1, 2, 3].map((i) => JSON.stringify({ instruction: `Seed question ${i}?`, output: `Seed answer ${i}.` })).join('\n') + '\n');
  const hookRuns = path.join(dir, 'hook-runs.txt');
  const yaml = `
version: 1
name: ${p}
defaults: { partitions: ${opts.partitions ?? 3} }
topics:
  - { name: ${p}.curated.tier5, schema: humpback.CuratedExample }
trainer:
  topics: [${p}.curated.tier5]
  outDir: ${path.join(dir, 'snapshots')}
  seed: { file: ${seedFile}, mix: ${opts.mix ?? 2} }
  shardLines: 7
  hook: { command: 'echo "$1" >> ${hookRuns}', timeoutMs: 30000 }
${trainerExtra}`;
  const file = path.join(dir, 'topology.yaml');
  fs.writeFileSync(file, yaml);
  const admin = kafka.admin();
  await admin.connect();
  await applyTopics(admin, resolveTopology(parseTopology(yaml, file)).topics).finally(() => admin.disconnect());
  return { file, dir, topic: `${p}.curated.tier5`, group: `${p}.trainer`, outDir: path.join(dir, 'snapshots'), hookRuns };
}

/** Hook runs so far, one folder per line. */
export function hookRuns(setup: TrainerTestSetup): string[] {
  return fs.existsSync(setup.hookRuns) ? fs.readFileSync(setup.hookRuns, 'utf8').split('\n').filter(Boolean) : [];
}
