/**
 * Operating a running pipeline with the tools an operator has: `humpback run` serving /metrics and
 * /healthz scraped by a real Prometheus (Debian's), `humpback status` from the admin API, and
 * `humpback dlq replay` after a fix. Real broker;
 * the LLM is the fake OpenAI-compatible server (a test double) which, until "fixed", answers every
 * fourth pair without a Score line so those pairs are dead-lettered.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { METRIC } from '../../src/metrics/names';
import type { GroupRow } from '../../src/ops/stageStatus';
import { loadTopology } from '../../src/topology/loader';
import { namespaced } from '../../src/topology/rewrite';
import { runCli, startCli, type RunningCli } from '../helpers/cli';
import { HOSTILE, startFakeOpenAiServer, type FakeOpenAiServer, type FakeRequest } from '../helpers/fakeOpenAiServer';
import { testKafka, uniqueName, waitFor } from '../helpers/kafka';
import { topicRecordCount } from '../helpers/pipeline';
import { freePort, startPrometheus, type RunningPrometheus } from '../helpers/prometheus';

const ROOT = path.resolve(__dirname, '..', '..');
const kafka = testKafka();
const isScoring = (req: FakeRequest): boolean => req.prompt.includes('5-point scale');
let broken = true;
let llm: FakeOpenAiServer;
let run: RunningCli | undefined;
let prometheus: RunningPrometheus | undefined;
beforeAll(async () => {
  let n = 0;
  llm = await startFakeOpenAiServer({
    respond: (req) => {
      if (!isScoring(req)) return `Question ${(n += 1)}: what does this FAQ entry answer?`;
      const q = /Question (\d+):/.exec(req.prompt);
      return broken && q && Number(q[1]) % 4 === 0 ? HOSTILE.noScore : 'Clear and complete.\nScore: 5';
    },
  });
});
afterAll(async () => {
  run?.child.kill('SIGTERM');
  await run?.exited;
  await prometheus?.stop();
  await llm.close();
});

async function status(topologyFile: string): Promise<GroupRow[]> {
  const r = await runCli(['status', '--topology', topologyFile, '--json', '--sample-seconds', '0']);
  if (r.code !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as { stages: GroupRow[] }).stages;
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

it('a running pipeline serves /metrics and /healthz, status shows lag and dead letters, dlq replay re-feeds them once after a fix', async () => {
  const ns = uniqueName('ops');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-ops-'));
  const topologyFile = path.join(dir, 'topology.yaml');
  const topology = namespaced(loadTopology(path.join(ROOT, 'topologies', 'humpback.yaml')), ns);
  fs.writeFileSync(topologyFile, stringify({ ...topology, trainer: { ...topology.trainer, outDir: path.join(dir, 'snapshots') } }));
  const env = { HUMPBACK_LLM_BASE_URL: llm.url, HUMPBACK_LLM_MODEL: 'fake-m0', HUMPBACK_LLM_API_KEY: 'sk-test-secret-4242' };
  const t = (name: string): string => `${ns}.${name}`;

  // Prometheus first, then the stages, then the input: it sees every counter rise from 0.
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  prometheus = await startPrometheus([`127.0.0.1:${port}`]);
  run = startCli(['run', '--topology', topologyFile, '--metrics-port', String(port)], env);
  const stages = topology.stages.map((s) => s.name).sort();
  await waitFor(async () => (await prometheus!.query('humpback_records_consumed_total')).length === stages.length, { timeoutMs: 60_000, what: 'a first scrape of every stage' });
  const ingest = await runCli(['ingest', path.join(ROOT, 'samples', 'corpus', 'faq'), '--topology', topologyFile, '--topic', t('documents'), '--dlq', t('ingest.dlq')]);
  expect(ingest.code).toBe(0);

  // Drained: every stage's group at the end of its input (status reads the admin API, like kafka-consumer-groups).
  const rows = await waitFor(
    async () => {
      const s = await status(topologyFile);
      const candidates = await topicRecordCount(kafka, t('candidates'));
      return candidates > 0 && s.filter((r) => r.stage !== 'trainer').every((r) => r.lag === 0 && r.members === 1) ? s : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1000, what: 'the pipeline to drain' },
  );
  const candidates = await topicRecordCount(kafka, t('candidates'));
  const dead = await topicRecordCount(kafka, t('score.dlq'));
  expect(dead).toBe(Math.floor(candidates / 4)); // questions 4, 8, 12, ... never got a Score line
  expect(rows.find((r) => r.stage === 'score')).toMatchObject({ group: `${ns}.score`, input: t('candidates'), lag: 0, dlq: dead, state: 'Stable' });
  expect(rows.find((r) => r.stage === 'trainer')).toMatchObject({ group: `${ns}.trainer`, members: 0 });

  // /metrics names every metric family the issue asks for; /healthz is 200 (idle, no lag).
  const metrics = await waitFor(async () => {
    const m = (await get(`${base}/metrics`)).text;
    return /humpback_consumer_lag\{stage="score"/.test(m) ? m : undefined; // the lag poller's first round
  }, { what: 'consumer lag in /metrics' });
  for (const def of Object.values(METRIC).filter((d) => !d.name.startsWith('humpback_trainer_'))) expect(metrics).toContain(`# TYPE ${def.name} `);
  expect(metrics).toMatch(/humpback_scores_total\{stage="score",scorer_model="fake-m0",prompt_version="[0-9a-f]+",score="5"\} \d+/);
  expect(metrics).toMatch(new RegExp(`humpback_score_parse_failures_total\\{stage="score",reason="score.missing"\\} ${3 * dead}`));
  expect(metrics).toMatch(/humpback_end_to_end_seconds_count\{stage="tier-filter"\} [1-9]/);
  expect(metrics).toMatch(/humpback_llm_tokens_total\{stage="backtranslate",direction="out"\} [1-9]/);
  expect(metrics).toMatch(/humpback_records_produced_total\{stage="tier-filter",topic="[^"]+curated\.tier5"\} [1-9]/);
  expect(metrics).not.toContain('sk-test-secret-4242');
  const health = await get(`${base}/healthz`);
  expect(health.status).toBe(200);
  expect(JSON.parse(health.text)).toMatchObject({ healthy: true });

  // Prometheus scraped it: throughput for every stage, a lag series for every stage.
  const scraped = await waitFor(
    async () => {
      const throughput = await prometheus!.query('sum by (stage) (increase(humpback_records_consumed_total[5m]))');
      const lag = await prometheus!.query('count by (stage) (humpback_consumer_lag)');
      const ok = throughput.filter((s) => s.value > 0).length === stages.length && lag.length === stages.length;
      return ok ? { throughput, lag } : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 1000, what: `Prometheus to scrape throughput and lag of every stage (log: ${prometheus.log().slice(-500)})` },
  );
  expect(scraped.throughput.map((s) => s.metric.stage).sort()).toEqual(stages);
  expect(scraped.lag.map((s) => s.metric.stage).sort()).toEqual(stages);

  // The fix, then the replay: each dead letter goes back once and is scored this time.
  broken = false;
  const scoredBefore = await topicRecordCount(kafka, t('scored'));
  const replay = await runCli(['dlq', 'replay', 'score', '--topology', topologyFile]);
  expect(replay.code).toBe(0);
  expect(replay.stdout).toContain(`re-fed ${dead} dead letter(s) of score`);
  await waitFor(async () => (await topicRecordCount(kafka, t('scored'))) === scoredBefore + dead, { timeoutMs: 60_000, what: 're-fed candidates to be scored' });
  const again = await runCli(['dlq', 'replay', 'score', '--topology', topologyFile]);
  expect(again.stdout).toContain('re-fed 0 dead letter(s)');

  // Kafka tooling: the dead letters decoded, and the group as kafka-consumer-groups sees it.
  const letters = await runCli(['topics', 'read', t('score.dlq'), '--topology', topologyFile]);
  const decoded = letters.stdout.trim().split('\n').map((l) => JSON.parse(l) as { value: { reason: string; source_topic: string } });
  expect(decoded).toHaveLength(dead);
  expect(decoded.every((d) => d.value.reason === 'score.missing' && d.value.source_topic === t('candidates'))).toBe(true);
  const groups = await runCli(['kafka', 'consumer-groups', '--describe', '--group', `${ns}.score`]);
  expect(groups.code).toBe(0);
  expect(groups.stdout).toMatch(new RegExp(`${ns}\\.score +${ns}\\.candidates +\\d+ +\\d+ +\\d+ +0 `));

  run.child.kill('SIGTERM');
  expect((await run.exited).code).toBe(0);
  run = undefined;
}, 300_000);
