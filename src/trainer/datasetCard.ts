import path from 'node:path';
import { stringify } from 'yaml';
import { AUGMENTED_TAG, SEED_TAG, type TrainingExample } from './format';
import type { Manifest } from './manifest';

/** Where the data files of a snapshot live, relative to its folder. */
export const DATA_DIR = 'data';
export const CARD_FILE = 'README.md';

const EXAMPLES = 3;
const OUTPUT_START = 300;

/** Hugging Face's size_categories buckets. */
function sizeCategory(n: number): string {
  const buckets: Array<[number, string]> = [[1e3, 'n<1K'], [1e4, '1K<n<10K'], [1e5, '10K<n<100K'], [1e6, '100K<n<1M'], [1e7, '1M<n<10M']];
  return buckets.find(([limit]) => n < limit)?.[1] ?? 'n>10M';
}

/** A fenced block that the text cannot close early, whatever backticks it holds. */
function fenced(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}`;
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const list = (values: readonly string[]): string => (values.length > 0 ? values.map((v) => `\`${v}\``).join(', ') : 'none (seed pairs only)');

/**
 * The README.md of a snapshot folder, a Hugging Face dataset card: YAML front matter whose
 * `configs` names data/*.jsonl as the train split (so `load_dataset(<folder>)` reads the data and
 * not manifest.json or hook.json beside it), then what the data is and how it was made.
 */
export function datasetCard(m: Manifest, examples: readonly TrainingExample[]): string {
  const front = {
    configs: [{ config_name: 'default', data_files: [{ split: 'train', path: `${DATA_DIR}/*.jsonl` }] }],
    pretty_name: `Humpback snapshot ${m.id}`,
    task_categories: ['text-generation'],
    tags: ['instruction-backtranslation', 'humpback', 'self-curation', 'synthetic'],
    size_categories: [sizeCategory(m.counts.examples)],
  };
  const picked = [...examples.filter((e) => e.source === 'augmented'), ...examples.filter((e) => e.source === 'seed')].slice(0, EXAMPLES);
  const where = m.source_tag === 'system' ? 'as the system turn' : 'at the start of the user turn (for chat templates without a system role)';
  const scores = ['1', '2', '3', '4', '5'];
  const sections = [
    `# Humpback snapshot ${m.id}`,
    `${m.counts.examples} instruction-tuning examples made by instruction backtranslation with self-curation (Humpback), written by humpback-stream on ${m.created_at}, iteration ${m.iteration}.`,
    '## Load it',
    `${fenced(`from datasets import load_dataset\ntrain = load_dataset("path/to/${m.id}")["train"]`)}`,
    m.format === 'chat'
      ? 'Each line is `{"messages": [...]}`, role and content per turn: TRL\'s `SFTTrainer` takes it as it is (conversational data); in axolotl, `type: chat_template` with `field_messages: messages`.'
      : 'Each line is `{"instruction", "input", "output", "system"}`: in axolotl, `type: alpaca_w_system.load_instruct`.',
    `Every example carries its source tag ${where}: "${AUGMENTED_TAG}" for web-derived examples, "${SEED_TAG}" for seed pairs.`,
    '## Contents',
    table(['source', 'examples'], [['augmented (web text, backtranslated and curated)', m.counts.augmented], ['seed (human-written pairs)', m.counts.seed], ['total', m.counts.examples]]),
    table(['tier', 'examples'], Object.entries(m.counts.by_tier).sort(([a], [b]) => Number(b) - Number(a)).map(([tier, n]) => [`A${tier} (score >= ${tier})`, n])),
    `${m.counts.records} records read from ${m.topics.join(', ')}; ${m.counts.duplicates_dropped} already in an earlier snapshot or repeated, dropped.`,
    '## Scores',
    table(['score', ...scores], [['curated examples', ...scores.map((s) => m.score_histogram[s] ?? 0)]]),
    m.expected_score === null ? 'No record carries an expected score.' : `Mean expected score ${m.expected_score.mean.toFixed(3)} over ${m.expected_score.count} examples.`,
    '## Models and prompts',
    [
      `- instruction model (backward model): ${list(m.models.instruction_model)}`,
      `- scorer model: ${list(m.models.scorer_model)}`,
      `- scorer prompt version: ${list(m.models.scorer_prompt_version)}`,
      `- iteration: ${m.iteration} (iterations among the records: ${m.iterations_seen.join(', ') || 'none'})`,
    ].join('\n'),
    '## Examples',
    ...picked.map((e, i) => `### ${i + 1} (${e.source})\n\nInstruction:\n\n${fenced(e.instruction)}\n\nOutput${e.output.length > OUTPUT_START ? ' (start)' : ''}:\n\n${fenced(e.output.slice(0, OUTPUT_START))}`),
    '## How it was made',
    [
      'Web pages were cut into self-contained segments at their headings, filtered and deduplicated. A backward model wrote, for each segment, the instruction the segment answers (self-augmentation: few-shot prompts with seed pairs flipped, answer to question). ',
      'The model then rated each (instruction, segment) pair on the paper\'s 5-point scale (self-curation), and only pairs at or above the tier threshold were kept. ',
      `Seed pairs${m.seed_file ? ` (${path.basename(m.seed_file)})` : ''} are human-written question/answer pairs mixed in with their own tag. `,
      'The tags let a model finetuned on both tell web-derived answers from assistant-style ones (Li et al., 2023, "Self-Alignment with Instruction Backtranslation").',
    ].join(''),
    '## Files',
    [
      `- \`${DATA_DIR}/\`: the examples, ${m.files.length} JSON Lines shard(s)`,
      '- `manifest.json`: the offsets per partition this snapshot covers, counts, models and the sha256 of every file',
      '- `keys.bin`: the 64-bit keys of the lines, which keep later snapshots of this folder free of repeats',
      '- `hook.json`: the outcome of the snapshot hook',
    ].join('\n'),
  ];
  return `---\n${stringify(front)}---\n\n${sections.join('\n\n')}\n`;
}
