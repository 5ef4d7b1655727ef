import type { Command } from 'commander';

/** `humpback demo`: the main job end to end, once the segment, backtranslate and score stages exist. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run the whole pipeline on the bundled sample corpus with the embedded model')
    .action(() => {
      process.stdout.write('no stages yet: the demo arrives with the segment, backtranslate and score stages\n');
    });
}
