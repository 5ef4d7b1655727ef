import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Logger } from '../../core/logger';
import { projectRoot } from '../../util/paths';
import { ensureJars } from './jars';
import { KAFKA_VERSION, brokerLayout } from './layout';
import { checkJava } from './preflight';

/** Kafka's own command-line tools, by the name their shell scripts have in a Kafka distribution. */
export const KAFKA_TOOLS = {
  'consumer-groups': 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
} as const;

/**
 * Runs one of Kafka's tools (e.g. kafka-consumer-groups) from its own jars, resolved from Maven
 * Central on first use beside the broker's; `--bootstrap-server` is added. Resolves
 * with the tool's exit code; its output goes straight to ours.
 */
export async function runKafkaTool(tool: keyof typeof KAFKA_TOOLS, args: readonly string[], bootstrap: string, logger: Logger): Promise<number> {
  const java = checkJava();
  const layout = brokerLayout();
  const toolsDir = path.join(path.dirname(layout.jarsDir), 'tools');
  await ensureJars(toolsDir, path.join(projectRoot(), 'deploy', 'local', 'tools-pom.xml'), logger, `kafka-tools-${KAFKA_VERSION}`);
  // kafka-tools brings its whole dependency tree (its own slf4j binding too): its jars alone, or slf4j warns of two bindings.
  const child = spawn(java, ['-cp', path.join(toolsDir, '*'), `-Dlog4j.configuration=file:${layout.log4jFile}`, KAFKA_TOOLS[tool], '--bootstrap-server', bootstrap, ...args], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
