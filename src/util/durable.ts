import fs from 'node:fs';
import path from 'node:path';

/**
 * Small durability helpers: data reaches the disk (fsync) before anything that depends on it, and a
 * file or folder becomes visible under its final name only complete (write elsewhere, then rename).
 */

/** fsync a file or a directory (a directory's fsync makes the names in it, e.g. a rename, durable). */
export function fsyncPath(target: string): void {
  const fd = fs.openSync(target, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes a new file and fsyncs it; fails if it exists (temp folders are fresh). */
export function writeFileSynced(file: string, data: string | Buffer): void {
  const fd = fs.openSync(file, 'wx');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Replaces `file` atomically: readers see the old content or the new, never a mix. */
export function replaceFileAtomically(file: string, data: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.rmSync(temp, { force: true });
  writeFileSynced(temp, data);
  fs.renameSync(temp, file);
  fsyncPath(path.dirname(file));
}
