import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../core/logger';
import { decodePrefixes, encodePrefixes, KEY_BYTES } from './keys';
import { fsyncPath } from '../util/durable';

/**
 * `<outDir>/.index`: the 64-bit key prefixes of every example in the folder's snapshots, so a new
 * snapshot can drop what an earlier one holds without reading old shards. Append-only blocks, one per
 * snapshot: [u32 id length][id][u32 key count][count x 8 bytes]. It is a cache of the snapshots'
 * keys.bin files: a torn last block is cut off, and snapshots it does not list (a crash between the
 * rename and the append, or a deleted .index) are appended again from their keys.bin at open.
 */
export const INDEX_FILE = '.index';

export class KeyIndex {
  private readonly keys = new Set<bigint>();
  private readonly covered = new Set<string>();

  private constructor(private readonly file: string) {}

  /** Loads the index and adds the keys of any snapshot it does not cover yet. */
  static open(outDir: string, snapshotIds: readonly string[], logger: Logger): KeyIndex {
    const index = new KeyIndex(path.join(outDir, INDEX_FILE));
    index.load(logger);
    for (const id of snapshotIds) {
      if (index.covered.has(id)) continue;
      const keysFile = path.join(outDir, id, 'keys.bin');
      if (!fs.existsSync(keysFile)) {
        logger.warn('snapshot has no keys.bin: its examples cannot be recognised as duplicates', { snapshot: id });
        continue;
      }
      index.append(id, decodePrefixes(fs.readFileSync(keysFile)));
      logger.info('index: added keys of a snapshot it did not cover', { snapshot: id });
    }
    return index;
  }

  has(prefix: bigint): boolean {
    return this.keys.has(prefix);
  }

  get size(): number {
    return this.keys.size;
  }

  /** Records a written snapshot's keys; fsynced, so a restart sees them. */
  append(snapshotId: string, prefixes: readonly bigint[]): void {
    const id = Buffer.from(snapshotId, 'utf8');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(id.length);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(prefixes.length);
    for (const p of prefixes) this.keys.add(p);
    this.covered.add(snapshotId);
    const size = fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
    const fd = fs.openSync(this.file, 'a');
    try {
      fs.writeSync(fd, Buffer.concat([head, id, count, encodePrefixes(prefixes)]));
      fs.fsyncSync(fd);
    } catch (err) {
      // A half-written block followed by later ones would garble the file: cut it (open re-adds the snapshot).
      fs.ftruncateSync(fd, size);
      throw err;
    } finally {
      fs.closeSync(fd);
    }
  }

  private load(logger: Logger): void {
    if (!fs.existsSync(this.file)) return;
    const buf = fs.readFileSync(this.file);
    let at = 0;
    while (at + 4 <= buf.length) {
      const idLength = buf.readUInt32BE(at);
      const countAt = at + 4 + idLength;
      if (countAt + 4 > buf.length) break;
      const count = buf.readUInt32BE(countAt);
      const end = countAt + 4 + count * KEY_BYTES;
      if (end > buf.length) break;
      this.covered.add(buf.toString('utf8', at + 4, countAt));
      for (const p of decodePrefixes(buf.subarray(countAt + 4, end))) this.keys.add(p);
      at = end;
    }
    if (at < buf.length) {
      // A crash mid-append: the block is incomplete; its snapshot is re-added from keys.bin.
      logger.warn('index: cutting off a torn last block', { file: this.file, bytes: buf.length - at });
      fs.truncateSync(this.file, at);
      fsyncPath(this.file);
    }
  }
}
