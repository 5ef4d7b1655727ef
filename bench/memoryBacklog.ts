/**
 * Memory under a backlog: does the backtranslate stage stay within 512 MiB when its input holds far
 * more records than it can process? A fresh namespaced copy of topologies/humpback.yaml (its own
 * concurrency 8 and maxInFlight 64) gets RECORDS small Segments (about 250 bytes of Avro each; default
 * 1,000,000) in its segments topic, produced beforehand with a raw kafkajs producer in batches. Then
 * the stage runs as its own process, `humpback run --stages backtranslate`, against the fake OpenAI
 * server (a test double, in a worker thread of this process) answering every request after 200 ms,
 * so it gets through about 40 records/s and the backlog stays for the whole sampling. VmRSS of the
 * process (/proc/<pid>/status) is sampled every 250 ms for SECONDS (default 60) from its spawn; the
 * peak is reported against the 512 MiB budget (ratio peak/512, target <= 1).
 * Run: `npm run bench:memory-backlog [-- --records=100000 --seconds=30]` (or BENCH_BACKLOG_RECORDS, BENCH_BACKLOG_SECONDS).
 */
import {
  backtranslateAt,
  benchKafka,
  benchSerde,
  benchTopology,
  cleanUp,
  numberOption,
  produceSegments,
  rssMb,
  runMain,
  sleep,
  startHumpback,
  topicCount,
  withAdmin,
  type BenchRow,
} from './common';
import { startFakeServer } from './fakeServer';

const BUDGET_MIB = 512;
const LATENCY_MS = 200;
const CONCURRENCY = 8; // the topology's own value for backtranslate

export async function measureMemoryBacklog(records: number, seconds: number): Promise<{ row: BenchRow; report: string[] }> {
  const kafka = benchKafka('bench-memory');
  const server = await startFakeServer({ latencyMs: LATENCY_MS, capacity: 64 });
  const topology = await benchTopology(kafka, 'memory', backtranslateAt(server.url, CONCURRENCY));
  const stage = topology.resolved.stages.find((s) => s.type === 'backtranslate');
  if (!stage) throw new Error('topologies/humpback.yaml has no backtranslate stage');
  try {
    const t0 = Date.now();
    await produceSegments(kafka, await benchSerde(), stage.input, records, topology.prefix);
    const produceSeconds = (Date.now() - t0) / 1000;
    process.stderr.write(`memory: ${records} segments produced in ${produceSeconds.toFixed(1)} s; sampling the stage for ${seconds} s\n`);

    const proc = startHumpback(['run', '--topology', topology.file, '--stages', stage.name, '--metrics-port', '0'], {
      HUMPBACK_LLM_BASE_URL: server.url,
      HUMPBACK_LLM_MODEL: 'fake',
    });
    const samples: number[] = [];
    let processed: number;
    try {
      const end = Date.now() + seconds * 1000;
      while (Date.now() < end) {
        const mb = rssMb(proc.child.pid ?? -1);
        if (mb === undefined || proc.child.exitCode !== null) throw new Error(`the stage process exited while being sampled:\n${proc.stderrTail()}`);
        samples.push(mb);
        await sleep(250);
      }
      processed = await withAdmin(kafka, (admin) => topicCount(admin, stage.output));
    } finally {
      await proc.stop();
    }

    const peak = Math.max(...samples);
    const sorted = [...samples].sort((a, b) => a - b);
    const report = [
      `Memory under a backlog: ${records.toLocaleString('en-US')} Segments produced in ${produceSeconds.toFixed(1)} s, then \`humpback run --stages backtranslate\` against a fake LLM (${LATENCY_MS} ms per request), concurrency ${CONCURRENCY}, maxInFlight ${stage.maxInFlight}`,
      '',
      '| sampled | samples | candidates written | RSS median | RSS last | RSS peak | budget |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      `| ${seconds} s | ${samples.length} | ${processed} | ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} MiB | ${samples[samples.length - 1].toFixed(0)} MiB | ${peak.toFixed(0)} MiB | ${BUDGET_MIB} MiB |`,
      '',
      `peak / budget: ${(peak / BUDGET_MIB).toFixed(2)} (target <= 1)`,
    ];
    const row: BenchRow = {
      benchmark: `memory: backtranslate process peak RSS over ${seconds} s with a backlog of ${records.toLocaleString('en-US')} Segments (fake LLM ${LATENCY_MS} ms; ${processed} done)`,
      measured: `${peak.toFixed(0)} MiB peak RSS`,
      baseline: `${BUDGET_MIB} MiB budget`,
      ratio: peak / BUDGET_MIB,
      target: '<= 1',
      met: peak <= BUDGET_MIB,
    };
    return { row, report };
  } finally {
    await server.close();
    await cleanUp(kafka, topology.prefix, topology.resolved.stages.map((s) => s.groupId));
  }
}

async function main(): Promise<void> {
  const { report } = await measureMemoryBacklog(numberOption('records', 'BENCH_BACKLOG_RECORDS', 1_000_000), numberOption('seconds', 'BENCH_BACKLOG_SECONDS', 60));
  console.log(report.join('\n'));
}

if (require.main === module) runMain(main);
