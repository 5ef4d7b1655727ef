/**
 * `humpback ingest` as users run it (the built CLI, a child process) against the real broker:
 * documents keyed by doc_id, the same keys on a re-ingest, dead letters for bad input, --watch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSerde, type Serde } from '../../src/kafka/serde/avroSerde';
import { runCli, startCli } from '../helpers/cli';
import { pipelineFolder, ROOT } from '../helpers/cliPipeline';
import { testKafka, uniqueName, waitFor } from '../helpers/kafka';
import { collect, topicRecordCount } from '../helpers/pipeline';
import { html, warcFile, type FixtureRecord } from '../helpers/warcFixtures';

const kafka = testKafka();
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-home-'));
let serde: Serde;

beforeAll(async () => {
  serde = await createSerde();
});

interface Running {
  stderr(): string;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function start(args: string[]): Running {
  const cli = startCli(['ingest', ...args], { HUMPBACK_HOME: home, HUMPBACK_LOG_LEVEL: 'info' });
  return { stderr: cli.stderr, exited: cli.exited.then((e) => e.code), kill: (s) => cli.child.kill(s) };
}

async function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const r = start(args);
  const code = await r.exited;
  return { code, stderr: r.stderr() };
}

/** A topology file declaring a documents topic no other test uses. */
function topology(): { file: string; topic: string; dlq: string } {
  const p = uniqueName('ingest');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-topo-')), 'topology.yaml');
  fs.writeFileSync(file, `version: 1\nname: ${p}\ndefaults: { partitions: 3 }\ntopics:\n  - { name: ${p}.documents, schema: humpback.Document }\n`);
  return { file, topic: `${p}.documents`, dlq: `${p}.dlq` };
}

const PAGES: FixtureRecord[] = [
  { url: 'https://docs.example/a', body: html('Alpha') },
  { url: 'https://docs.example/style.css', httpHeaders: { 'Content-Type': 'text/css' }, body: 'h1 { color: red }' },
  { url: 'https://docs.example/big', body: html('Big', `<p>${'word '.repeat(60_000)}</p>`) },
  { url: 'https://docs.example/b', body: html('Beta') },
  { url: 'https://docs.example/c', body: html('Gamma') },
];

test('a WARC becomes Document records keyed by doc_id; a re-ingest gives the same keys; a too-large record is dead-lettered', async () => {
  const topo = topology();
  const { bytes, offsets } = await warcFile(PAGES, true);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-in-')), 'crawl-00000.warc.gz');
  fs.writeFileSync(file, bytes);
  const args = [file, '--topology', topo.file, '--topic', topo.topic, '--dlq', topo.dlq, '--max-document-mb', '0.2'];

  const first = await run(args);
  expect({ code: first.code, stderr: first.stderr }).toMatchObject({ code: 0 });
  expect(first.stderr).toContain(`problem ingest.too-large: ${file} at byte offset ${offsets[2]}`);
  expect(first.stderr).toMatch(/ingest: 3 documents, 1 skipped \(warc\.not-html=1\), 1 problems \(ingest\.too-large=1\)/);

  const docs = await collect(kafka, serde, topo.topic, 'humpback.Document');
  const dlq = await collect(kafka, serde, topo.dlq, 'humpback.DeadLetter');
  try {
    await docs.waitForCount(3);
    await dlq.waitForCount(1);
    const byUrl = new Map(docs.items.map((d) => [d.value.url, d]));
    expect([...byUrl.keys()].sort()).toEqual(['https://docs.example/a', 'https://docs.example/b', 'https://docs.example/c']);
    for (const d of docs.items) {
      expect(d.key).toBe(d.value.doc_id);
      expect(d.value).toMatchObject({ source_file: file, content_type: 'text/html', charset: 'utf-8' });
    }
    expect(byUrl.get('https://docs.example/b')!.value.source_offset).toBe(offsets[3]);
    expect(dlq.items[0].value).toMatchObject({ stage: 'ingest', reason: 'ingest.too-large', source_topic: `file:${file}`, source_partition: -1, source_offset: offsets[2], attempts: 1 });
    expect(dlq.items[0].value.message).toContain('0.2 MB cap');
    expect(dlq.items[0].value.value!.length).toBe(64 * 1024);

    const firstKeys = docs.items.map((d) => d.key).sort();
    const second = await run(args);
    expect(second.code).toBe(0);
    await docs.waitForCount(6);
    await dlq.waitForCount(2);
    expect(docs.items.slice(3).map((d) => d.key).sort()).toEqual(firstKeys);
    // Same key, same partition: a replay lands next to the original.
    for (const d of docs.items.slice(3)) expect(d.partition).toBe(docs.items.find((x) => x.key === d.key)!.partition);
    expect(await topicRecordCount(kafka, topo.topic)).toBe(6);
  } finally {
    await docs.stop();
    await dlq.stop();
  }
});

test('inputs that match nothing: exit 1 naming the pattern; a missing path among good ones is a problem, exit 0', async () => {
  const topo = topology();
  const none = await run(['/nonexistent/dir/*.warc.gz', '--dry-run']);
  expect(none.code).toBe(1);
  expect(none.stderr).toContain('/nonexistent/dir/*.warc.gz matched nothing');

  const { bytes } = await warcFile([PAGES[0]], false);
  const good = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-in-')), 'one.warc');
  fs.writeFileSync(good, bytes);
  const mixed = await run([good, '/nonexistent/x.warc', '--topology', topo.file, '--topic', topo.topic, '--dlq', topo.dlq]);
  expect(mixed.code).toBe(0);
  expect(mixed.stderr).toContain('problem ingest.missing-input: /nonexistent/x.warc');
  expect(mixed.stderr).toMatch(/ingest: 1 documents/);
  expect(await topicRecordCount(kafka, topo.topic)).toBe(1);
});

test('--watch ingests a file dropped in the folder after start, and after a restart does not ingest it again', async () => {
  const topo = topology();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-watch-'));
  const args = ['--watch', dir, '--poll-seconds', '0.2', '--topology', topo.file, '--topic', topo.topic, '--dlq', topo.dlq];
  /** Appears whole: written under a name the watcher ignores, then renamed. */
  const drop = async (name: string, urls: string[]): Promise<void> => {
    const { bytes } = await warcFile(urls.map((url) => ({ url, body: html(url) })), true);
    fs.writeFileSync(path.join(dir, `${name}.partial`), bytes);
    fs.renameSync(path.join(dir, `${name}.partial`), path.join(dir, name));
  };

  const first = start(args);
  try {
    await waitFor(() => first.stderr().includes('watching for new crawl files'), { timeoutMs: 60_000, what: 'the watcher to start' });
    await drop('a-00000.warc.gz', ['https://w/1', 'https://w/2']);
    await waitFor(async () => (await topicRecordCount(kafka, topo.topic)) === 2, { timeoutMs: 60_000, what: 'the first file ingested' });
    // The state is written after the broker acknowledged the file's documents.
    await waitFor(() => first.stderr().includes('ingesting new file'), { what: 'the ingest log line' });
  } finally {
    first.kill('SIGTERM');
  }
  expect(await first.exited).toBe(0);
  const stateDir = path.join(home, 'ingest');
  const state = fs.readdirSync(stateDir).map((f) => fs.readFileSync(path.join(stateDir, f), 'utf8')).find((t) => t.includes(topo.topic));
  expect(state).toContain('a-00000.warc.gz');

  const second = start(args);
  try {
    await waitFor(() => second.stderr().includes('watching for new crawl files'), { timeoutMs: 60_000, what: 'the watcher to restart' });
    expect(second.stderr()).toContain('remembered=1');
    // The second file sorts after the first: once it is in, the first would have been re-read by then.
    await drop('b-00001.warc.gz', ['https://w/3']);
    await waitFor(async () => (await topicRecordCount(kafka, topo.topic)) >= 3, { timeoutMs: 60_000, what: 'the second file ingested' });
    await new Promise((r) => setTimeout(r, 1000)); // a few more polls: nothing else may arrive
    expect(await topicRecordCount(kafka, topo.topic)).toBe(3);
  } finally {
    second.kill('SIGINT');
  }
  expect(await second.exited).toBe(0);
  expect(second.stderr()).not.toContain(`ingesting new file file=${path.join(dir, 'a-00000.warc.gz')}`);
  const docs = await collect(kafka, serde, topo.topic, 'humpback.Document');
  try {
    await docs.waitForCount(3);
    expect(docs.items.map((d) => d.value.url).sort()).toEqual(['https://w/1', 'https://w/2', 'https://w/3']);
  } finally {
    await docs.stop();
  }
});

test('the shipped topology: documents made by `topics apply` take a document at the cap, so ingest has nothing to warn about', async () => {
  const folder = pipelineFolder(uniqueName('ingest-cap'));
  const apply = await runCli(['topics', 'apply', '--topology', folder.topologyFile], { HUMPBACK_HOME: home });
  expect(apply.stdout).toMatch(new RegExp(`${folder.t('documents').replace(/\./g, '\\.')} +4 +created`));
  const page = path.join(ROOT, 'samples', 'corpus', 'faq', 'general.html');
  const ingest = await run([page, '--topology', folder.topologyFile, '--topic', folder.t('documents'), '--dlq', folder.t('ingest.dlq')]);
  expect(ingest.code).toBe(0);
  expect(ingest.stderr).not.toContain('WARN');
  expect(await topicRecordCount(kafka, folder.t('documents'))).toBe(1);
});
