import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { ConfigError, errorMessage } from '../../core/errors';
import type { ClientConfig, SaslConfig } from './clientConfig';
import type { TlsConfig } from './tls';

/** The `ssl` and `sasl` options of a kafkajs client for a resolved config (both undefined for PLAINTEXT). */
export function kafkajsSecurity(config: ClientConfig): { ssl?: ConnectionOptions; sasl?: SASLOptions } {
  return { ssl: config.tls && tlsOptions(config.tls), sasl: config.sasl && saslOptions(config.sasl) };
}

function tlsOptions(t: TlsConfig): ConnectionOptions {
  return {
    ca: t.ca,
    cert: t.cert,
    key: t.key,
    pfx: t.pfx,
    passphrase: t.passphrase,
    rejectUnauthorized: t.verifyCertificate,
    // ssl.endpoint.identification.algorithm= (empty): the chain is still checked, the host name not.
    ...(t.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}

function saslOptions(s: SaslConfig): SASLOptions {
  switch (s.mechanism) {
    case 'PLAIN':
      return { mechanism: 'plain', username: s.username, password: s.password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username: s.username, password: s.password };
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username: s.username, password: s.password };
    case 'OAUTHBEARER': {
      const token = s.token;
      // Asked at every (re)authentication, so a rotated token file or a fresh command output is picked up.
      return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: 'file' in token ? await tokenFromFile(token.file) : await tokenFromCommand(token.command) }) };
    }
  }
}

async function tokenFromFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`sasl.oauthbearer.token.file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}). Fix: give the path of a file holding the token`);
  }
  return nonEmpty(text.trim(), `sasl.oauthbearer.token.file ${file} is empty`);
}

/** Runs the command with sh; its stdout (trimmed) is the token. Its output is never put in a message. */
function tokenFromCommand(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', command], { timeout: 30_000, maxBuffer: 1024 * 1024 }, (err, stdout) => {
      if (err) {
        const how = err.killed ? 'was stopped after 30 s' : `exited with ${String(err.code ?? err.signal)}`;
        reject(new ConfigError(`sasl.oauthbearer.token.command ${how}. Fix: run it by hand; it must print the token on stdout and exit 0`));
        return;
      }
      try {
        resolve(nonEmpty(String(stdout).trim(), 'sasl.oauthbearer.token.command printed nothing'));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

function nonEmpty(token: string, problem: string): string {
  if (token === '') throw new ConfigError(`${problem}. Fix: it must hold (print) the OAuth bearer token`);
  return token;
}
