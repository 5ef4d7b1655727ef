import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, errorMessage } from '../../core/errors';
import type { Logger } from '../../core/logger';
import { KAFKA_VERSION } from './layout';
import { checkMaven, mavenFailureSummary } from './preflight';

/** Written last into a finished jar directory: a directory without it is not trusted. */
const COMPLETE_MARKER = '.complete';

export function jarsComplete(jarsDir: string): boolean {
  return fs.existsSync(path.join(jarsDir, COMPLETE_MARKER));
}

function runMaven(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('mvn', args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      const output = `${stdout}\n${stderr}`.trim() || (err ? errorMessage(err) : '');
      resolve({ code, output });
    });
  });
}

/**
 * Makes sure the Kafka jars are in `jarsDir`, resolving them from Maven Central with `pomFile` if not.
 * Maven copies into a temp directory beside `jarsDir` that is renamed into place when complete, so an
 * interrupted download never leaves a half cache.
 */
export async function ensureJars(jarsDir: string, pomFile: string, logger: Logger, mainJar = `kafka_2.13-${KAFKA_VERSION}`): Promise<void> {
  if (jarsComplete(jarsDir)) return;
  checkMaven();
  fs.mkdirSync(path.dirname(jarsDir), { recursive: true });
  const tmp = `${jarsDir}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const started = Date.now();
  logger.info('resolving Kafka jars from Maven Central (first run only)', { version: KAFKA_VERSION, dir: jarsDir });
  try {
    const { code, output } = await runMaven([
      '-q', '-B', '-Dstyle.color=never', '-f', pomFile,
      'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies', `-DoutputDirectory=${tmp}`, '-DincludeScope=runtime',
    ]);
    const jars = fs.existsSync(tmp) ? fs.readdirSync(tmp).filter((f) => f.endsWith('.jar')) : [];
    if (code !== 0 || !jars.some((f) => f.startsWith(mainJar))) {
      throw new ConfigError(
        `Maven could not resolve Kafka ${KAFKA_VERSION} jars (mvn exit ${code}): ${mavenFailureSummary(output)}; check access to Maven Central (proxy settings in ~/.m2/settings.xml) or set KAFKA_BROKERS`,
      );
    }
    fs.writeFileSync(path.join(tmp, COMPLETE_MARKER), `${jars.length} jars, ${new Date().toISOString()}\n`);
    // A leftover incomplete directory (no marker, e.g. hand-made) would block the rename.
    if (fs.existsSync(jarsDir) && !jarsComplete(jarsDir)) fs.rmSync(jarsDir, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, jarsDir);
    } catch (err) {
      // Another home sharing this jar cache (HUMPBACK_KAFKA_JARS) finished first: use theirs.
      if (!jarsComplete(jarsDir)) throw err;
    }
    logger.info('Kafka jars ready', { jars: jars.length, ms: Date.now() - started });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
