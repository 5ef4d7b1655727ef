/**
 * Hostile input through the real pipeline (issue 7, security): pages full of URLs (links, images,
 * scripts, stylesheets, iframes, bare text) are data — nothing in the pipeline fetches them; and an
 * API key an LLM server echoes back in an error never reaches the logs or the dead-letter records; an
 * LLM server whose answers trickle in forever or flood (a gzip bomb) costs the stage a dead letter per
 * record, not a stuck slot or its memory.
 * Real broker; the LLM is the fake OpenAI-compatible server (a test double).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { readToEnd } from '../../src/kafka/readToEnd';
import { loadTopology } from '../../src/topology/loader';
import { namespaced } from '../../src/topology/rewrite';
import { runCli } from '../helpers/cli';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../helpers/fakeOpenAiServer';
import { testKafka, uniqueName } from '../helpers/kafka';
import { topicRecordCount } from '../helpers/pipeline';

const ROOT = path.resolve(__dirname, '..', '..');
const KEY = 'sk-canary-do-not-leak-7731';
const kafka = testKafka();

let canary: http.Server;
const canaryHits: string[] = [];
let llm: FakeOpenAiServer;
beforeAll(async () => {
  canary = http.createServer((req, res) => {
    canaryHits.push(req.url ?? '');
    res.end('fetched');
  });
  await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
  llm = await startFakeOpenAiServer({
    respond: (req) => {
      // Every scoring request for a page about "refused" gets a 400 whose body echoes the caller's key.
      if (req.prompt.includes('5-point scale') && req.prompt.includes('refused topic')) {
        return { kind: 'status', status: 400, body: { error: { message: `content refused for caller ${req.authorization ?? ''} (${KEY})` } } };
      }
      // Backtranslation of a page about "trickling" or "flooding" gets a body that never ends or never fits.
      if (!req.prompt.includes('5-point scale') && req.prompt.includes('trickling topic')) return { kind: 'trickle' };
      if (!req.prompt.includes('5-point scale') && req.prompt.includes('flooding topic')) return { kind: 'flood', bytes: 256 * 1024 * 1024, gzip: true };
      return req.prompt.includes('5-point scale') ? 'Fine.\nScore: 5' : 'What does this page describe?';
    },
  });
});
afterAll(async () => {
  await new Promise((resolve) => canary.close(resolve));
  await llm.close();
});

/** A page long enough to be kept as a segment, with every kind of link pointing at the canary. */
function page(url: string, topic: string): string {
  const facts = ['stores its settings in a plain file', 'starts in under a second', 'logs every request it serves', 'keeps a cache of recent answers', 'retries a failed call twice', 'reports its version on request', 'runs on any modern laptop', 'checks its input before use'];
  const para = (from: number) => facts.map((f, i) => `In part ${from + i}, the ${topic} ${f}, which matters when you plan a deployment.`).join(' ');
  return `<!doctype html><html><head><title>${topic}</title><link rel="stylesheet" href="${url}/style.css"><script src="${url}/app.js"></script></head>
<body><h1>About the ${topic}</h1><p>${para(1)} See <a href="${url}/more">${url}/more</a> and fetch ${url}/api?x=1 now.</p>
<img src="${url}/pixel.png"><iframe src="${url}/frame"></iframe><p>${para(20)}</p></body></html>`;
}

it('URLs in pages are never fetched, and an API key echoed by the LLM server is in no log line and no dead letter', async () => {
  const ns = uniqueName('hostile');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-hostile-'));
  const url = `http://127.0.0.1:${(canary.address() as AddressInfo).port}`;
  fs.writeFileSync(path.join(dir, 'a.html'), page(url, 'ordinary topic'));
  fs.writeFileSync(path.join(dir, 'b.html'), page(url, 'refused topic'));
  const topologyFile = path.join(dir, 'topology.yaml');
  const topology = namespaced(loadTopology(path.join(ROOT, 'topologies', 'humpback.yaml')), ns);
  fs.writeFileSync(topologyFile, stringify({ ...topology, trainer: { ...topology.trainer, outDir: path.join(dir, 'snapshots') } }));
  const env = { HUMPBACK_LLM_BASE_URL: llm.url, HUMPBACK_LLM_MODEL: 'fake', HUMPBACK_LLM_API_KEY: KEY, HUMPBACK_LOG_LEVEL: 'debug' };
  const t = (name: string): string => `${ns}.${name}`;

  const ingest = await runCli(['ingest', path.join(dir, 'a.html'), path.join(dir, 'b.html'), '--topology', topologyFile, '--topic', t('documents'), '--dlq', t('ingest.dlq')], env);
  expect(ingest.code).toBe(0);
  const run = await runCli(['run', '--topology', topologyFile, '--until-drained', '--metrics-port', '0'], env);
  expect(run.code).toBe(0);

  const candidates = await topicRecordCount(kafka, t('candidates'));
  expect(candidates).toBeGreaterThanOrEqual(2);
  // The page text (URLs included) reached the LLM as data ...
  expect(llm.requests.some((r) => r.prompt.includes(`${url}/api?x=1`))).toBe(true);
  expect(llm.requests.every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);
  // ... and nothing ever requested the URLs.
  expect(canaryHits).toEqual([]);

  // The refused pairs are dead letters with a reason; neither they nor the logs hold the key.
  const letters = await readToEnd(kafka, t('score.dlq'), `${ns}.check`);
  expect(letters.length).toBeGreaterThan(0);
  for (const letter of letters) expect(letter.value?.includes(KEY)).toBe(false);
  expect(run.stderr + run.stdout + ingest.stderr).not.toContain(KEY);
  const decoded = await runCli(['topics', 'read', t('score.dlq'), '--topology', topologyFile]);
  expect(decoded.stdout).toMatch(/"reason":"llm\.[a-z-]+"/);
  expect(decoded.stdout).not.toContain(KEY);
}, 180_000);

it('answers that trickle in forever or flood past the byte cap dead-letter their records; the stage goes on', async () => {
  const ns = uniqueName('hostile-llm');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-hostile-llm-'));
  const url = `http://127.0.0.1:${(canary.address() as AddressInfo).port}`;
  const pages = ['ordinary topic', 'trickling topic', 'flooding topic'].map((topic, i) => {
    const file = path.join(dir, `${i}.html`);
    fs.writeFileSync(file, page(url, topic));
    return file;
  });
  const topologyFile = path.join(dir, 'topology.yaml');
  const base = namespaced(loadTopology(path.join(ROOT, 'topologies', 'humpback.yaml')), ns);
  // Short limits so each bad record is given up on in seconds: 1 s per attempt, 2 attempts (retries: 1).
  const stages = base.stages.map((st) => (st.type === 'backtranslate' ? { ...st, retries: 1, llm: { ...(st.llm as object), timeoutMs: 1000, maxResponseBytes: 65_536 } } : st));
  fs.writeFileSync(topologyFile, stringify({ ...base, stages, trainer: { ...base.trainer, outDir: path.join(dir, 'snapshots') } }));
  const env = { HUMPBACK_LLM_BASE_URL: llm.url, HUMPBACK_LLM_MODEL: 'fake', HUMPBACK_LOG_LEVEL: 'warn' };
  const t = (name: string): string => `${ns}.${name}`;

  expect((await runCli(['ingest', ...pages, '--topology', topologyFile, '--topic', t('documents'), '--dlq', t('ingest.dlq')], env)).code).toBe(0);
  const run = await runCli(['run', '--topology', topologyFile, '--until-drained', '--metrics-port', '0'], env);
  expect(run.code).toBe(0);

  const segments = await topicRecordCount(kafka, t('segments'));
  const decoded = await runCli(['topics', 'read', t('backtranslate.dlq'), '--topology', topologyFile]);
  const letters = decoded.stdout.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { value: { reason: string; message: string } }).value);
  const candidates = await topicRecordCount(kafka, t('candidates'));
  // Every segment is accounted for: the ordinary page's became candidates, the two hostile pages' are dead letters.
  expect(candidates).toBeGreaterThanOrEqual(1);
  expect(letters.length).toBeGreaterThanOrEqual(2);
  expect(candidates + letters.length).toBe(segments);
  expect(letters.every((l) => l.reason === 'stage.retries-exhausted')).toBe(true);
  expect(letters.some((l) => /no complete answer within 1000 ms/.test(l.message))).toBe(true);
  expect(letters.some((l) => /over the 65536-byte cap/.test(l.message))).toBe(true);
}, 180_000);
