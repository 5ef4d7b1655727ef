// @ts-check
/**
 * TEST FAULT INJECTION AND DIAGNOSTICS, preloaded into every `humpback` child process of the fault
 * suite with NODE_OPTIONS="--require test/faults/crashHook.js" (nothing in src/ knows about it).
 *
 * FAULT_CRASH=<point>:<n> kills the process with SIGKILL (no clean-up, no flush: a power cut as far
 * as the process can tell) the n-th time it reaches <point>:
 *   before-produce  the n-th producer.sendBatch, before the records go out
 *   after-produce   the n-th producer.sendBatch, after the broker acknowledged it, before the stage
 *                   learns of it (so before the offsets past those records can be committed)
 *   after-commit    the n-th consumer.commitOffsets, after it succeeded
 *   fsync           the n-th fs.fsyncSync (the trainer fsyncs every snapshot file, then the folders)
 *   before-rename   the n-th rename of a finished temp snapshot folder to its final name
 * (The trainer's own points after the rename and after the commit are HUMPBACK_TRAINER_CRASH_AFTER.)
 *
 * FAULT_LINGER_MS=<ms>: a process still alive that long after it logged "stopped cleanly" prints what
 * keeps its event loop busy, and for each open kafkajs socket the requests it sent (which client it is).
 *
 * Plain JavaScript: node loads it before the CLI, without the TypeScript compiler.
 */
'use strict';

const spec = process.env.FAULT_CRASH;
if (spec) {
  const [point, nText] = spec.split(':');
  const n = Number(nText);
  if (!Number.isInteger(n) || n < 1) throw new Error(`FAULT_CRASH=${spec}: expected <point>:<n> with n >= 1`);
  let count = 0;
  /** @param {string} what */
  const reached = (what) => {
    count += 1;
    if (count !== n) return;
    process.stderr.write(`fault-injection: SIGKILL at ${point} #${n} (${what})\n`);
    process.kill(process.pid, 'SIGKILL');
  };

  if (point === 'before-produce' || point === 'after-produce' || point === 'after-commit') {
    const Kafka = require('kafkajs').Kafka;
    const producer = Kafka.prototype.producer;
    const consumer = Kafka.prototype.consumer;
    /** @param {...unknown} args */
    Kafka.prototype.producer = function (...args) {
      const p = producer.apply(this, args);
      const sendBatch = p.sendBatch;
      /** @param {{ topicMessages?: Array<{ topic: string, messages: unknown[] }> }} batch */
      p.sendBatch = async (batch) => {
        const what = (batch.topicMessages ?? []).map((t) => `${t.topic}:${t.messages.length}`).join(',');
        if (point === 'before-produce') reached(what);
        const result = await sendBatch(batch);
        if (point === 'after-produce') reached(what);
        return result;
      };
      return p;
    };
    /** @param {...unknown} args */
    Kafka.prototype.consumer = function (...args) {
      const c = consumer.apply(this, args);
      const commitOffsets = c.commitOffsets;
      /** @param {Array<{ topic: string, partition: number, offset: string }>} offsets */
      c.commitOffsets = async (offsets) => {
        const result = await commitOffsets(offsets);
        if (point === 'after-commit') reached(offsets.map((o) => `${o.topic}:${o.partition}@${o.offset}`).join(','));
        return result;
      };
      return c;
    };
  } else if (point === 'fsync') {
    const fs = require('node:fs');
    const fsyncSync = fs.fsyncSync;
    fs.fsyncSync = (fd) => {
      fsyncSync(fd);
      reached(`fd ${fd}`);
    };
  } else if (point === 'before-rename') {
    const fs = require('node:fs');
    const renameSync = fs.renameSync;
    fs.renameSync = (from, to) => {
      if (String(from).includes('/.tmp-')) reached(`${String(from)} -> ${String(to)}`);
      renameSync(from, to);
    };
  } else {
    throw new Error(`FAULT_CRASH=${spec}: unknown point ${point}`);
  }
}

const lingerMs = Number(process.env.FAULT_LINGER_MS ?? '');
if (lingerMs > 0) {
  // The requests each kafkajs connection sent, by socket: tells which client an open socket belongs to.
  // (kafkajs internals: without them the report lists the open resources only.)
  /** @type {WeakMap<object, string[]>} */
  const sent = new WeakMap();
  try {
    const Connection = require('kafkajs/src/network/connection');
    const send = Connection.prototype.send;
    /** @param {{ request: { apiName: string } }} req */
    Connection.prototype.send = function (req) {
      if (this.socket) {
        const names = sent.get(this.socket) ?? [];
        if (!names.includes(req.request.apiName)) names.push(req.request.apiName);
        sent.set(this.socket, names);
      }
      return send.call(this, req);
    };
  } catch {
    // another kafkajs layout
  }
  const write = process.stderr.write;
  let armed = false;
  const report = () => {
    /** @param {string} line */
    const out = (line) => write.call(process.stderr, `fault-injection: ${line}\n`);
    out(`still alive ${lingerMs} ms after stopping; active resources: ${JSON.stringify(process.getActiveResourcesInfo())}`);
    // @ts-ignore internal API, for diagnostics only
    for (const h of process._getActiveHandles()) {
      const names = sent.get(h);
      if (names) out(`open kafkajs socket ${h.localPort} -> ${h.remoteAddress}:${h.remotePort} sent ${JSON.stringify(names)}`);
    }
  };
  /** @param {unknown} chunk @param {...unknown} rest */
  process.stderr.write = /** @type {typeof process.stderr.write} */ ((chunk, ...rest) => {
    if (!armed && /stopped cleanly|drained and stopped/.test(String(chunk))) {
      armed = true;
      setTimeout(report, lingerMs).unref(); // never keeps the process alive by itself
    }
    // @ts-ignore pass-through
    return write.call(process.stderr, chunk, ...rest);
  });
}
