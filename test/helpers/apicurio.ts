/**
 * A real schema registry for the suite: Apicurio Registry 3.3.3, whose Quarkus build Maven Central
 * serves as `io.apicurio:apicurio-registry-app:3.3.3:tar.gz:all` (158 MB, unpacked once into
 * $HUMPBACK_HOME/apicurio/3.3.3), run with H2 in memory on free loopback ports. Its Confluent-
 * compatible API is at /apis/ccompat/v7. It needs Java 21+ (class file 65): JAVA21_HOME, JAVA_HOME
 * if new enough, else the newest JDK under /usr/lib/jvm (these machines have Temurin 25 there).
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withLockFile } from '../../src/dev/broker/lock';
import { pickFreePort } from '../../src/dev/broker/ports';
import { tailFile } from '../../src/dev/broker/process';
import { checkMaven, mavenFailureSummary, parseJavaMajor } from '../../src/dev/broker/preflight';
import { cacheDir } from '../../src/util/paths';
import { waitFor } from './kafka';

const VERSION = '3.3.3';
const ARTIFACT = `io.apicurio:apicurio-registry-app:${VERSION}:tar.gz:all`;

export interface Apicurio {
  /** Base URL of the Confluent-compatible API, what SCHEMA_REGISTRY_URL takes. */
  url: string;
  /** From spawning the JVM to the API's first answer. */
  startMs: number;
  /** The registry's last log lines, for a failure message. */
  logTail(lines?: number): string;
  close(): Promise<void>;
}

function javaMajor(java: string): number | undefined {
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  return r.error ? undefined : parseJavaMajor(`${r.stderr}\n${r.stdout}`);
}

/** A java of version 21 or later, or an error saying what to install. */
export function java21(): string {
  const homes = [process.env.JAVA21_HOME, process.env.JAVA_HOME].filter((h): h is string => !!h);
  const jvm = '/usr/lib/jvm';
  const found = fs.existsSync(jvm) ? fs.readdirSync(jvm).map((d) => path.join(jvm, d)) : [];
  const candidates = [...homes, ...found].map((h) => path.join(h, 'bin', 'java')).filter((j) => fs.existsSync(j));
  const best = candidates.map((java) => ({ java, major: javaMajor(java) ?? 0 })).sort((a, b) => b.major - a.major)[0];
  if (best && best.major >= 21) return best.java;
  throw new Error(`Apicurio Registry ${VERSION} needs Java 21+; none in JAVA21_HOME, JAVA_HOME or ${jvm} (newest found: ${best ? `${best.major} at ${best.java}` : 'none'}). Install a JDK 21+ (e.g. Temurin) under ${jvm} or set JAVA21_HOME`);
}

/** The unpacked distribution, resolved from Maven Central by `mvn dependency:unpack` on first use. */
async function distribution(): Promise<string> {
  const dir = path.join(cacheDir(), 'apicurio', VERSION);
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return dir;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  return withLockFile(`${dir}.lock`, async () => {
    if (fs.existsSync(marker)) return dir;
    checkMaven();
    const tmp = `${dir}.tmp-${crypto.randomBytes(4).toString('hex')}`;
    // Always unpack: the plugin's marker of an earlier unpack (kept outside any project, shared by every run on
    // the machine) made it skip the unpack silently for a second HUMPBACK_HOME, leaving an empty folder.
    const args = ['-q', '-B', '-Dstyle.color=never', 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:unpack', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${tmp}`, '-Dmdep.overWriteReleases=true'];
    await new Promise<void>((resolve, reject) =>
      // Run outside the repository: without a pom, the plugin writes its "already unpacked" marker
      // under ./${project.basedir}/ of the working directory, and a marker left in a checkout makes
      // the next unpack a silent no-op.
      execFile('mvn', args, { cwd: path.dirname(dir), maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
        err ? reject(new Error(`mvn could not fetch ${ARTIFACT}: ${mavenFailureSummary(`${stdout}\n${stderr}`)}`)) : resolve(),
      ),
    );
    if (!fs.existsSync(path.join(tmp, 'quarkus-run.jar'))) throw new Error(`${ARTIFACT} unpacked without quarkus-run.jar into ${tmp}`);
    fs.writeFileSync(path.join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    return dir;
  }, { timeoutMs: 900_000 });
}

export async function startApicurio(): Promise<Apicurio> {
  const java = java21();
  const dir = await distribution();
  const port = await pickFreePort();
  const management = await pickFreePort([port]);
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'apicurio-')), 'registry.log');
  const fd = fs.openSync(log, 'a');
  const started = Date.now();
  const child = spawn(
    java,
    ['-Xmx384m', `-Dquarkus.http.host=127.0.0.1`, `-Dquarkus.http.port=${port}`, '-Dquarkus.management.host=127.0.0.1', `-Dquarkus.management.port=${management}`, '-jar', 'quarkus-run.jar'],
    { cwd: dir, stdio: ['ignore', fd, fd] },
  );
  fs.closeSync(fd);
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `exited (${signal ?? code})`));
  const url = `http://127.0.0.1:${port}/apis/ccompat/v7`;
  // A JVM that ignores SIGTERM (seen once by hand) must not outlive the suite.
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      if (exited !== undefined) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`Apicurio ${exited}; last lines of ${log}:\n${tailFile(log, 20)}`);
        return (await fetch(`${url}/subjects`)).ok;
      },
      { timeoutMs: 180_000, intervalMs: 250, what: `Apicurio Registry at ${url} (log ${log})` },
    );
  } catch (err) {
    await close();
    throw err;
  }
  return { url, startMs: Date.now() - started, logTail: (lines = 20) => `last lines of ${log}:\n${tailFile(log, lines)}`, close };
}
