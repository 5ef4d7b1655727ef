/**
 * Gets an executable out of a Debian package without installing it: no dpkg database change,
 * no service started. Used for promtool (tests of deploy/prometheus), prometheus itself and kcat
 * (with its librdkafka1 and libyajl2, run with debianLibraryPath on LD_LIBRARY_PATH).
 *
 *   apt-get download <pkg>          -> $HUMPBACK_HOME/debian/<pkg>/<pkg>_<version>_<arch>.deb
 *   dpkg-deb -x <deb> <dir>/root    -> $HUMPBACK_HOME/debian/<pkg>/root/usr/bin/<binary>
 *
 * Overrides: HUMPBACK_<BINARY> (e.g. HUMPBACK_PROMTOOL, HUMPBACK_PROMETHEUS) names an existing
 * executable to use instead; nothing is downloaded then. Works on Debian/Ubuntu only (apt-get, dpkg-deb).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors';
import { cacheDir } from '../util/paths';

export interface DebianBinaryOptions {
  /** Cache root; default $HUMPBACK_HOME or ~/.cache/humpback. */
  home?: string;
  /** Environment variable naming an existing executable; default HUMPBACK_<BINARY>. */
  envVar?: string;
  /** Progress lines (the download is ~20 MB); default: none. */
  progress?: (line: string) => void;
  /** Library packages the binary needs that a base system lacks, extracted into the same tree. */
  libraries?: string[];
}

/** HUMPBACK_PROMTOOL for promtool, HUMPBACK_PROMETHEUS for prometheus. */
export function overrideEnvVar(binary: string): string {
  return `HUMPBACK_${binary.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export function debianPackageDir(pkg: string, home: string = cacheDir()): string {
  return path.join(home, 'debian', pkg);
}

/** The library folders of `pkg`'s extracted tree (its `libraries` packages' .so files), for LD_LIBRARY_PATH. */
export function debianLibraryPath(pkg: string, home: string = cacheDir()): string {
  const lib = path.join(debianPackageDir(pkg, home), 'root', 'usr', 'lib');
  if (!fs.existsSync(lib)) return '';
  const arch = fs.readdirSync(lib).filter((d) => d.endsWith('-linux-gnu')).map((d) => path.join(lib, d));
  return [...arch, lib].join(':');
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Runs a command; rejects with its stderr folded onto one line. */
function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const detail = String(stderr).trim().split(/\r?\n/).filter((l) => l && !l.startsWith('W:')).join(' | ') || err.message;
      reject(new Error(detail));
    });
  });
}

/** Absolute path of `/usr/bin/<binary>` from Debian's package `pkg`, downloaded and extracted once. */
export async function ensureDebianBinary(pkg: string, binary: string, opts: DebianBinaryOptions = {}): Promise<string> {
  const envVar = opts.envVar ?? overrideEnvVar(binary);
  const override = process.env[envVar];
  if (override) {
    const p = path.resolve(override);
    if (!isExecutable(p)) throw new ConfigError(`${envVar}=${override} is not an executable file. Fix: point ${envVar} at the ${binary} binary, or unset it to use Debian's ${pkg} package`);
    return p;
  }
  const dir = debianPackageDir(pkg, opts.home);
  const target = path.join(dir, 'root', 'usr', 'bin', binary);
  if (isExecutable(target)) return target;
  // root/ only ever appears complete (renamed into place): a binary missing from it is missing from the package.
  if (fs.existsSync(path.join(dir, 'root'))) {
    throw new ConfigError(`Debian package ${pkg} extracted in ${dir}/root has no executable usr/bin/${binary}. Fix: use the package that ships ${binary}, or set ${envVar}`);
  }

  const say = opts.progress ?? (() => undefined);
  const fix = `Fix: check that Debian's package mirrors are reachable (apt-get update), or install ${pkg} and set ${envVar}`;
  // Private temp dir per caller; the final rename is atomic, so concurrent callers never see a half-extracted tree.
  const tmp = path.join(dir, `tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const packages = [pkg, ...(opts.libraries ?? [])];
    say(`downloading Debian package(s) ${packages.join(', ')} into ${dir}`);
    try {
      await run('apt-get', ['download', ...packages], tmp);
    } catch (err) {
      throw new ConfigError(`apt-get download ${packages.join(' ')} failed: ${(err as Error).message}. ${fix}`, { cause: err });
    }
    const debs = fs.readdirSync(tmp).filter((f) => f.endsWith('.deb'));
    const deb = debs.find((f) => f.startsWith(`${pkg}_`));
    if (!deb) throw new ConfigError(`apt-get download ${pkg} produced no .deb in ${tmp}. ${fix}`);
    for (const each of debs) {
      try {
        await run('dpkg-deb', ['-x', each, 'root'], tmp);
      } catch (err) {
        throw new ConfigError(`dpkg-deb -x ${each} failed: ${(err as Error).message}. Fix: install dpkg (Debian/Ubuntu), or set ${envVar}`, { cause: err });
      }
    }
    if (!isExecutable(path.join(tmp, 'root', 'usr', 'bin', binary))) {
      throw new ConfigError(`Debian package ${pkg} (${deb}) has no executable usr/bin/${binary}. Fix: use the package that ships ${binary}, or set ${envVar}`);
    }
    fs.renameSync(path.join(tmp, deb), path.join(dir, deb));
    try {
      fs.renameSync(path.join(tmp, 'root'), path.join(dir, 'root'));
    } catch (err) {
      // Another caller renamed its copy first: theirs is complete, use it.
      if (!isExecutable(target)) throw new ConfigError(`cannot move the extracted ${pkg} into ${dir}: ${(err as Error).message}. Fix: remove ${dir} and retry`, { cause: err });
    }
    say(`${binary} ready: ${target}`);
    return target;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
