/** Preflight of the local Kafka broker: each failure is one line saying what is wrong and how to fix it. */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { checkJava, checkMaven, mavenFailureSummary, parseJavaMajor } from '../../src/dev/broker/preflight';
import { assertPortsFree } from '../../src/dev/broker/ports';
import { ConfigError } from '../../src/core/errors';

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

function expectOneLineConfigError(err: unknown, ...parts: string[]): void {
  expect(err).toBeInstanceOf(ConfigError);
  const message = (err as Error).message;
  expect(message).not.toContain('\n');
  for (const p of parts) expect(message).toContain(p);
}

describe('parseJavaMajor', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_292"\nJava(TM) SE Runtime Environment', 8],
    ['openjdk version "11.0.2" 2019-01-15', 11],
    ['openjdk version "22-ea" 2024-03-19', 22],
    ['Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nopenjdk version "17.0.1" 2021-10-19', 17],
    ['bash: java: command not found', undefined],
  ])('%j -> %p', (output, major) => {
    expect(parseJavaMajor(output)).toBe(major);
  });
});

describe('checkJava / checkMaven with a controlled PATH', () => {
  let bin: string;

  beforeAll(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-preflight-'));
  });
  afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

  function fakeJava(versionLine: string): void {
    const script = path.join(bin, 'java');
    fs.writeFileSync(script, `#!/bin/sh\necho '${versionLine}' >&2\n`, { mode: 0o755 });
  }

  it('says Java is missing and how to install it', () => {
    const err = caught(() => checkJava({ PATH: path.join(bin, 'empty') }));
    expectOneLineConfigError(err, 'Java not found', 'Java 17+', 'JAVA_HOME', 'KAFKA_BROKERS');
  });

  it('says the Java found is too old', () => {
    fakeJava('openjdk version "11.0.2" 2019-01-15');
    const err = caught(() => checkJava({ PATH: bin }));
    expectOneLineConfigError(err, 'Java 11 found', 'needs Java 17+');
  });

  it('accepts Java 17, and prefers JAVA_HOME', () => {
    fakeJava('openjdk version "17.0.15" 2025-04-15');
    expect(checkJava({ PATH: bin })).toBe('java');
    fs.mkdirSync(path.join(bin, 'bin'), { recursive: true });
    fs.copyFileSync(path.join(bin, 'java'), path.join(bin, 'bin', 'java'));
    expect(checkJava({ PATH: '', JAVA_HOME: bin })).toBe(path.join(bin, 'bin', 'java'));
  });

  it('says an unreadable version is a problem', () => {
    fakeJava('something odd');
    const err = caught(() => checkJava({ PATH: bin }));
    expectOneLineConfigError(err, 'Could not read the Java version', 'something odd');
  });

  it('says Maven is missing and what else would work', () => {
    const err = caught(() => checkMaven({ PATH: path.join(bin, 'empty') }));
    expectOneLineConfigError(err, 'Maven (mvn) not found', 'apt-get install maven', 'HUMPBACK_KAFKA_JARS', 'KAFKA_BROKERS');
  });
});

describe('mavenFailureSummary', () => {
  it('keeps the [ERROR] lines that matter, on one line, without help boilerplate or colour codes', () => {
    const output = [
      '\x1b[0m[INFO] Scanning for projects...',
      '[ERROR] Failed to execute goal on project x: Could not resolve dependencies for project x: Could not transfer artifact org.apache.kafka:kafka_2.13:jar:3.9.1',
      '[ERROR] ',
      '[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.',
      '[ERROR] Re-run Maven using the -X switch to enable full debug logging.',
      '[ERROR] For more information about the errors and possible solutions, please read the following articles:',
      '[ERROR] [Help 1] http://cwiki.apache.org/confluence/display/MAVEN/DependencyResolutionException',
    ].join('\n');
    const summary = mavenFailureSummary(output);
    expect(summary).toBe(
      'Failed to execute goal on project x: Could not resolve dependencies for project x: Could not transfer artifact org.apache.kafka:kafka_2.13:jar:3.9.1',
    );
  });

  it('falls back to the last lines when there is no [ERROR] line', () => {
    expect(mavenFailureSummary('a\nb\nc\nd\n')).toBe('b | c | d');
    expect(mavenFailureSummary('')).toBe('(no output)');
  });
});

describe('assertPortsFree', () => {
  it('names the port, the state file and the fix when a kept port is taken', async () => {
    const srv = net.createServer();
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const err: unknown = await assertPortsFree([{ name: 'client', port }], '/x/state.json').catch((e: unknown) => e);
      expectOneLineConfigError(err, `127.0.0.1:${port}`, 'client', 'in use by another process', '/x/state.json');
    } finally {
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
    await expect(assertPortsFree([{ name: 'client', port }], '/x/state.json')).resolves.toBeUndefined();
  });
});
