/**
 * The suite's Python: a venv under $HUMPBACK_HOME/python/ with confluent-kafka (its AvroDeserializer
 * and schema registry client) and Hugging Face datasets, installed from PyPI once and reused while
 * the requirements stay the same. $HUMPBACK_PYTHON (default python3) makes it.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { withLockFile } from '../../src/dev/broker/lock';
import { cacheDir } from '../../src/util/paths';

export const REQUIREMENTS = ['confluent-kafka[avro]>=2.6,<3', 'datasets>=3,<6'];

function run(cmd: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')} failed: ${String(stderr).trim().split('\n').slice(-5).join(' | ') || err.message}`)) : resolve(),
    ),
  );
}

/** The venv's python, creating the venv and installing REQUIREMENTS on first use. */
export async function suitePython(): Promise<string> {
  const hash = crypto.createHash('sha256').update(REQUIREMENTS.join('\n')).digest('hex').slice(0, 12);
  const venv = path.join(cacheDir(), 'python', `venv-${hash}`);
  const python = path.join(venv, 'bin', 'python');
  const marker = path.join(venv, '.complete');
  if (fs.existsSync(marker)) return python;
  fs.mkdirSync(path.dirname(venv), { recursive: true });
  return withLockFile(`${venv}.lock`, async () => {
    if (fs.existsSync(marker)) return python;
    fs.rmSync(venv, { recursive: true, force: true });
    await run(process.env.HUMPBACK_PYTHON ?? 'python3', ['-m', 'venv', venv], 120_000);
    await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', ...REQUIREMENTS], 900_000);
    await run(python, ['-c', 'import confluent_kafka.schema_registry.avro, datasets'], 120_000);
    fs.writeFileSync(marker, `${REQUIREMENTS.join('\n')}\n`);
    return python;
  }, { timeoutMs: 900_000 });
}

export interface LoadedDataset {
  splits: string[];
  rows: number;
  columns: string[];
  /** Every row, as Python's json.dumps writes it. */
  data: unknown[];
}

const LOAD_DATASET = `
import json, sys, datasets
ds = datasets.load_dataset(sys.argv[1])
train = ds["train"]
print(json.dumps({"splits": list(ds.keys()), "rows": train.num_rows, "columns": train.column_names, "data": train.to_list()}))
`;

/** `datasets.load_dataset(<folder>)` as a trainer calls it, offline, with a cache of its own. */
export async function loadDataset(folder: string, cacheDirectory: string): Promise<LoadedDataset> {
  const python = await suitePython();
  return new Promise((resolve, reject) =>
    execFile(
      python,
      ['-c', LOAD_DATASET, folder],
      { env: { ...process.env, HF_HOME: cacheDirectory, HF_DATASETS_OFFLINE: '1', HF_HUB_OFFLINE: '1' }, timeout: 300_000, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => (err ? reject(new Error(`load_dataset(${folder}) failed: ${String(stderr).trim().split('\n').slice(-3).join(' | ')}`)) : resolve(JSON.parse(stdout) as LoadedDataset)),
    ),
  );
}
