import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { debianPackageDir, ensureDebianBinary, overrideEnvVar } from '../../src/dev/debianBinary';
import { ConfigError } from '../../src/core/errors';

// No network: only the paths that never reach apt-get (override, cache hit, cached tree without the binary).
let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-deb-'));
});
afterEach(() => {
  fs.rmSync(home, { recursive: true, force: true });
  delete process.env.HUMPBACK_FAKETOOL;
});

function fakeExtracted(pkg: string, binary: string): string {
  const bin = path.join(debianPackageDir(pkg, home), 'root', 'usr', 'bin', binary);
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  fs.writeFileSync(bin, '#!/bin/sh\n', { mode: 0o755 });
  return bin;
}

describe('ensureDebianBinary', () => {
  it('names the override variable after the binary', () => {
    expect(overrideEnvVar('promtool')).toBe('HUMPBACK_PROMTOOL');
    expect(overrideEnvVar('prometheus')).toBe('HUMPBACK_PROMETHEUS');
  });

  it('returns an already extracted binary without downloading', async () => {
    const bin = fakeExtracted('fakepkg', 'faketool');
    await expect(ensureDebianBinary('fakepkg', 'faketool', { home })).resolves.toBe(bin);
  });

  it('fails at once when the cached package lacks the binary', async () => {
    fakeExtracted('fakepkg', 'other');
    await expect(ensureDebianBinary('fakepkg', 'faketool', { home })).rejects.toThrow(/has no executable usr\/bin\/faketool\. Fix: .*HUMPBACK_FAKETOOL/);
  });

  it('uses HUMPBACK_<BINARY> when set, and rejects one that is not executable', async () => {
    const bin = fakeExtracted('elsewhere', 'faketool');
    process.env.HUMPBACK_FAKETOOL = bin;
    await expect(ensureDebianBinary('fakepkg', 'faketool', { home })).resolves.toBe(bin);
    process.env.HUMPBACK_FAKETOOL = path.join(home, 'missing');
    await expect(ensureDebianBinary('fakepkg', 'faketool', { home })).rejects.toBeInstanceOf(ConfigError);
  });
});
