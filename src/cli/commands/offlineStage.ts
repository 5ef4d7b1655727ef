import fs from 'node:fs';
import type { Command } from 'commander';
import type { types as avroTypes } from 'avsc';
import { createSerde, type Serde } from '../../kafka/serde/avroSerde';
import type { RecordTypeMap, RecordTypeName } from '../../records/types';
import { LocalSchemaIds } from '../../kafka/serde/registry';
import { loadSchemas } from '../../kafka/serde/schemas';
import { ConfigError } from '../../core/errors';
import { createLogger } from '../../core/logger';
import { runOffline, type Checked, type OfflineInput } from '../../runtime/offline';
import { retryPolicy } from '../../core/retryPolicy';
import { buildStage, stageContext } from '../../topology/builder';
import { loadTopology, resolveStage, resolveTopology, type ResolvedStage } from '../../topology/loader';
import { buildStageSchema } from '../../topology/schema';
import { STAGES, type RegisteredStage } from '../../stages/registry';
import { action } from '../fail';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

interface OfflineOptions {
  topology: string;
  stage?: string;
  concurrency: string;
}

/**
 * `humpback <stage type> [files|-]`: the same stage code as in Kafka mode over JSON lines, no broker.
 * Stage options come from the topology's entry of that type (or --stage NAME); output records go to
 * stdout as JSON lines, problems and the summary to stderr.
 */
export function registerOfflineStageCommands(program: Command): void {
  for (const def of STAGES) {
    if (program.commands.some((c) => c.name() === def.type)) continue; // the stage has its own offline command (segment)
    program
      .command(`${def.type} [files...]`)
      .description(`${def.description} Offline: JSON lines in (files or - for stdin), JSON lines out on stdout.`)
      .option('--topology <file>', 'topology to take the stage options from', DEFAULT_TOPOLOGY)
      .option('--stage <name>', `which ${def.type} stage of the topology (default: the first)`)
      .option('--concurrency <n>', 'records processed at once', '8')
      .action(action(async (files: string[], opts: OfflineOptions) => runOfflineCommand(def, files, opts)));
  }
}

async function runOfflineCommand(def: RegisteredStage, files: string[], opts: OfflineOptions): Promise<void> {
  const logger = createLogger({ component: def.type });
  const stage = pickStage(def, opts);
  const summary = { filtered: {} as Record<string, number> };
  // Aborted once every line is done: the stage closes its clients (and stops batch timers).
  const stop = new AbortController();
  const { ctx } = stageContext(stage.name, { logger, countFiltered: (reason) => (summary.filtered[reason] = (summary.filtered[reason] ?? 0) + 1), signal: stop.signal });
  // Offline needs the types only: never ask a schema registry.
  const serde = await createSerde({ resolver: new LocalSchemaIds(loadSchemas().all) });
  const concurrency = Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ConfigError(`--concurrency ${opts.concurrency} is not a positive integer. Fix: e.g. --concurrency 8`);

  const inputs: OfflineInput[] = (files.length === 0 ? ['-'] : files).map((name) => {
    if (name === '-') return { name: '-', stream: process.stdin };
    if (!fs.existsSync(name)) throw new ConfigError(`${name}: no such file. Fix: check the path (use - for stdin)`);
    return { name, stream: fs.createReadStream(name) };
  });
  const result = await def
    .use(async (d) => {
      const { types, project } = await buildStage(d, stage, ctx);
      return runOffline(inputs, {
        project,
        check: (value) => checkRecord(serde, types.input, value),
        policy: retryPolicy(stage.retries),
        concurrency,
        out: process.stdout,
        report: (line) => process.stderr.write(line + '\n'),
      });
    })
    .finally(() => stop.abort());
  const filtered = Object.entries(summary.filtered).map(([r, n]) => `${r}=${n}`).join(' ');
  process.stderr.write(`${def.type}: read ${result.read}, wrote ${result.written}, failed ${result.failed}${filtered ? `, filtered ${filtered}` : ''}\n`);
  if (result.failed > 0) process.exitCode = 2;
}

/** The topology's stage of this type when there is one, else the type's defaults. */
function pickStage(def: RegisteredStage, opts: OfflineOptions): ResolvedStage {
  const file = findTopologyFile(opts.topology);
  const stages = fs.existsSync(file) ? resolveTopology(loadTopology(file)).stages : [];
  const ofType = stages.filter((s) => s.type === def.type && (!opts.stage || s.name === opts.stage));
  if (opts.stage && ofType.length === 0) throw new ConfigError(`${file} has no ${def.type} stage named ${opts.stage}. Fix: check --stage`);
  if (ofType[0]) return ofType[0];
  // No topology entry: the stage type's defaults, through the same schema a topology entry goes through.
  const entry = buildStageSchema([def]).parse({ name: def.type, type: def.type, input: '-', output: '-' });
  return resolveStage(entry, 'offline', [def]);
}

/** An input line as a record of `type`, or one line naming what is wrong: unknown fields (typos), missing or mistyped ones. */
function checkRecord<T extends RecordTypeName>(serde: Serde, type: T, value: unknown): Checked<RecordTypeMap[T]> {
  const problems = describeInvalid(serde, type, value);
  return problems.length === 0 && isRecordOf(serde, type, value) ? { ok: true, value } : { ok: false, problems };
}

function isRecordOf<T extends RecordTypeName>(serde: Serde, type: T, value: unknown): value is RecordTypeMap[T] {
  return serde.type(type).isValid(value);
}

function describeInvalid(serde: Serde, type: RecordTypeName, value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`expected a JSON object (${type})`];
  const declared = new Set((serde.type(type) as avroTypes.RecordType).fields.map((f) => f.name));
  const unknown = Object.keys(value).filter((k) => !declared.has(k));
  const bad = serde.validate(type, value);
  const parts = [
    ...(bad.length > 0 ? [`missing or mistyped field(s) ${bad.join(', ')}`] : []),
    ...(unknown.length > 0 ? [`unknown field(s) ${unknown.join(', ')}`] : []),
  ];
  return parts.length === 0 ? [] : [`not a valid ${type}: ${parts.join('; ')}`];
}
