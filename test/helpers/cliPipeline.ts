/**
 * The pieces of a CLI pipeline test: the default topology namespaced into a temp folder, and a fake
 * model for the fake OpenAI-compatible server that both backtranslates and scores predictably.
 *
 * The fake backward model answers "Question <n>: ..." with n from a hash of the prompt; the scorer
 * rates a pair by `score(n)`, so a test knows which pairs reach tier 5.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadTopology } from '../../src/topology/loader';
import { namespaced } from '../../src/topology/rewrite';
import type { KafkaBlock } from '../../src/topology/schema';
import type { FakeRequest } from './fakeOpenAiServer';

export const ROOT = path.resolve(__dirname, '..', '..');

export const isScoring = (req: FakeRequest): boolean => req.prompt.includes('5-point scale');
export const question = (n: number): string => `Question ${n}: what does this part of the Python documentation explain?`;
export const questionNumber = (text: string): number | undefined => {
  const m = /Question (\d+): what does this part of the Python documentation explain\?/.exec(text);
  return m ? Number(m[1]) : undefined;
};

/** Answers as a backward model (a question numbered from the prompt's hash) or as a scorer (a rating from that number). */
export function fakeModel(score: (n: number) => number) {
  return (req: FakeRequest): string => {
    if (!isScoring(req)) return question(parseInt(crypto.createHash('sha1').update(req.prompt).digest('hex').slice(0, 6), 16) % 1000);
    const n = questionNumber(req.prompt);
    return n === undefined ? 'No question found.' : `The answer is complete and clear.\nScore: ${score(n)}`;
  };
}

export interface PipelineFolder {
  dir: string;
  topologyFile: string;
  outDir: string;
  /** `<ns>.<name>`: the namespaced topic or group name. */
  t: (name: string) => string;
}

/** The default topology namespaced as `ns`, snapshots into the temp folder; `kafka` adds client settings. */
export function pipelineFolder(ns: string, kafka: KafkaBlock = {}): PipelineFolder {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-pipeline-'));
  const topologyFile = path.join(dir, 'topology.yaml');
  const outDir = path.join(dir, 'snapshots');
  const topology = namespaced(loadTopology(path.join(ROOT, 'topologies', 'humpback.yaml')), ns);
  fs.writeFileSync(topologyFile, stringify({ ...topology, kafka: { ...topology.kafka, ...kafka }, trainer: { ...topology.trainer, outDir } }));
  return { dir, topologyFile, outDir, t: (name) => `${ns}.${name}` };
}
