/** Debian's kcat (1.7.1, librdkafka 2.0.2: SSL and SASL, no Avro), extracted once with its libraries. */
import { execFile } from 'node:child_process';
import { debianLibraryPath, ensureDebianBinary } from '../../src/dev/debianBinary';

export async function kcat(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const binary = await ensureDebianBinary('kcat', 'kcat', { libraries: ['librdkafka1', 'libyajl2'] });
  const env = { ...process.env, LD_LIBRARY_PATH: [debianLibraryPath('kcat'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  return new Promise((resolve) =>
    execFile(binary, args, { env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    ),
  );
}
