import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError } from '../../core/errors';

export const MIN_JAVA_MAJOR = 17;

/** Major version from `java -version` output: `"17.0.15"` -> 17, `"21"` -> 21, old `"1.8.0_292"` -> 8. */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const m = /version "([^"]+)"/.exec(versionOutput);
  if (!m) return undefined;
  const parts = m[1].split(/[._+-]/);
  const first = Number(parts[0]);
  const major = first === 1 ? Number(parts[1]) : first;
  return Number.isInteger(major) && major > 0 ? major : undefined;
}

/** The java to run: $JAVA_HOME/bin/java when set (as Kafka's own scripts do), else `java` on PATH. */
export function javaCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** Checks Java >= 17 is there; returns the command to run it. Throws a one-line ConfigError otherwise. */
export function checkJava(env: NodeJS.ProcessEnv = process.env): string {
  const cmd = javaCommand(env);
  const res = spawnSync(cmd, ['-version'], { env, encoding: 'utf8', timeout: 30_000 });
  if (res.error) {
    throw new ConfigError(
      `Java not found (${cmd}): the local Kafka broker needs Java ${MIN_JAVA_MAJOR}+; install it (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME, or set KAFKA_BROKERS to use an existing broker`,
      { cause: res.error },
    );
  }
  // `java -version` writes to stderr; some wrappers use stdout.
  const out = `${res.stderr ?? ''}\n${res.stdout ?? ''}`;
  const major = parseJavaMajor(out);
  if (major === undefined) {
    const first = out.trim().split('\n')[0] ?? '';
    throw new ConfigError(
      `Could not read the Java version from \`${cmd} -version\` (got "${first}"): the local Kafka broker needs Java ${MIN_JAVA_MAJOR}+; fix JAVA_HOME/PATH or set KAFKA_BROKERS`,
    );
  }
  if (major < MIN_JAVA_MAJOR) {
    throw new ConfigError(
      `Java ${major} found (${cmd}) but the local Kafka broker needs Java ${MIN_JAVA_MAJOR}+; install a newer JDK (Debian: apt-get install openjdk-17-jre-headless) and put it first on PATH or in JAVA_HOME`,
    );
  }
  return cmd;
}

/** Checks Maven is on PATH (only needed to fetch the jars the first time). */
export function checkMaven(env: NodeJS.ProcessEnv = process.env): string {
  const res = spawnSync('mvn', ['-v'], { env, encoding: 'utf8', timeout: 60_000 });
  if (res.error || res.status !== 0) {
    throw new ConfigError(
      'Maven (mvn) not found: it fetches the Kafka jars from Maven Central on first use; install it (Debian: apt-get install maven), or set HUMPBACK_KAFKA_JARS to a directory of Kafka 3.9 jars, or set KAFKA_BROKERS',
      { cause: res.error },
    );
  }
  return 'mvn';
}

/** The useful tail of a failed Maven run, on one line: its [ERROR] lines (minus help boilerplate) or last lines. */
export function mavenFailureSummary(output: string, maxLines = 3): string {
  // Maven emits colour codes even with -B on some terminals.
  // eslint-disable-next-line no-control-regex -- strips the ANSI colour codes Maven prints
  const lines = output.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).filter(Boolean);
  const errors = lines
    .filter((l) => l.startsWith('[ERROR]'))
    .map((l) => l.replace(/^\[ERROR\]\s*/, ''))
    .filter((l) => l && !/^(-> \[Help|To see the full stack|Re-run Maven|For more information|\[Help)/.test(l));
  const picked = (errors.length > 0 ? errors : lines).slice(-maxLines);
  return picked.join(' | ') || '(no output)';
}
