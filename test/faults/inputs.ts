/**
 * A trial's input: keyed Segment records with a sequence number per key (segment_index), and poison
 * records of every kind mixed in at seeded positions. Each input has an id the verifier finds again in
 * candidates, snapshots and dead letters, and an expected outcome: curated, or dead-lettered with a reason.
 */
import crypto from 'node:crypto';
import type { Serde } from '../../src/kafka/serde/avroSerde';
import type { SegmentRecord } from '../../src/records/types';
import type { Rng } from './prng';

/** Poison records: undecodable bytes (the runtime dead-letters them) and records a real stage rejects. */
export const POISON_KINDS = ['bad-magic-byte', 'unknown-schema-id', 'truncated-body', 'truncated-header', 'trailing-bytes', 'wrong-schema', 'tombstone', 'llm-400', 'unscorable'] as const;
export type PoisonKind = (typeof POISON_KINDS)[number];

/** Where each kind of poison must end up: the dead-letter topic of that stage, with that reason. */
export const POISON_EXPECTED: Record<PoisonKind, { stage: 'backtranslate' | 'score'; reason: string }> = {
  'bad-magic-byte': { stage: 'backtranslate', reason: 'decode.bad-magic-byte' },
  'unknown-schema-id': { stage: 'backtranslate', reason: 'decode.unknown-schema-id' },
  'truncated-body': { stage: 'backtranslate', reason: 'decode.truncated' },
  'truncated-header': { stage: 'backtranslate', reason: 'decode.truncated' },
  'trailing-bytes': { stage: 'backtranslate', reason: 'decode.corrupt' },
  'wrong-schema': { stage: 'backtranslate', reason: 'decode.incompatible-schema' },
  tombstone: { stage: 'backtranslate', reason: 'decode.empty' },
  // The fake LLM refuses this record's prompt with HTTP 400: the backend's "the server refused this content".
  'llm-400': { stage: 'backtranslate', reason: 'llm.bad-request' },
  // The fake scorer never writes a Score line for it: re-sampled, then dead-lettered with the raw answers.
  unscorable: { stage: 'score', reason: 'score.missing' },
};

/** Markers in a segment's text that the fake LLM reacts to. */
export const MARK_400 = 'POISON-400';
export const MARK_UNSCORABLE = 'POISON-NOSCORE';

export interface InputRecord {
  /** `k03.2` (key k03, sequence 2) for keyed records; `p-<kind>-<n>` for undecodable poison. */
  id: string;
  /** The Kafka key. */
  key: string;
  /** Sequence number within the key (keyed records only). */
  seq: number | undefined;
  poison: PoisonKind | undefined;
  /** The Segment (keyed records), for the verifier's content check. */
  segment: SegmentRecord | undefined;
  /** The bytes produced: null is a tombstone. */
  value: Buffer | null;
}

/** The id written into every keyed record's text, found again in prompts, candidates and snapshot lines. */
const ID_MARK = /REC\[([a-z0-9.-]+)\]/;

export function idInText(text: string): string | undefined {
  return ID_MARK.exec(text)?.[1];
}

const FILLER = [
  'Offsets are committed only past records whose outputs the broker acknowledged.',
  'A consumer group shares the partitions of a topic among its members.',
  'Dead letters keep the original bytes, the reason and the source offset.',
  'Snapshots are written to a temporary folder, synced and renamed into place.',
  'Records with the same key are processed one after another.',
  'An idempotent producer never writes a retried batch twice.',
];

export interface InputPlan {
  /** Keyed records (poison of the two stage kinds included). */
  keyed: number;
  /** Records per key on average. */
  perKey: number;
  /** Poison records of each kind. */
  poisonPerKind: number;
}

/** The trial's inputs in production order. */
export async function buildInputs(ns: string, plan: InputPlan, r: Rng, serde: Serde): Promise<InputRecord[]> {
  const keys = Math.max(1, Math.round(plan.keyed / plan.perKey));
  const nextSeq = new Map<string, number>();
  const keyed: InputRecord[] = [];
  for (let i = 0; i < plan.keyed; i++) {
    const key = `k${String(r.int(0, keys - 1)).padStart(2, '0')}`;
    const seq = nextSeq.get(key) ?? 0;
    nextSeq.set(key, seq + 1);
    keyed.push({ id: `${key}.${seq}`, key, seq, poison: undefined, segment: undefined, value: null });
  }
  // Stage poison rides inside the keyed sequences: it must not hold up the records after it.
  const stagePoison: PoisonKind[] = ['llm-400', 'unscorable'];
  const chosen = r.shuffle(keyed.map((_, i) => i)).slice(0, stagePoison.length * plan.poisonPerKind);
  chosen.forEach((index, n) => (keyed[index].poison = stagePoison[n % stagePoison.length]));
  for (const rec of keyed) {
    const mark = rec.poison === 'llm-400' ? ` ${MARK_400}` : rec.poison === 'unscorable' ? ` ${MARK_UNSCORABLE}` : '';
    const body = r.shuffle(FILLER).slice(0, 3).join(' ');
    const text = `REC[${rec.id}] Fault-suite segment ${rec.seq ?? 0} of key ${rec.key} in ${ns}.${mark} ${body}`;
    rec.segment = {
      segment_id: crypto.createHash('sha256').update(`${ns}\u0000${rec.id}`).digest('hex'),
      doc_id: crypto.createHash('sha256').update(`${ns}\u0000${rec.key}`).digest('hex'),
      segment_index: rec.seq ?? 0,
      url: `https://faults.example/${ns}/${rec.key}`,
      source_file: null,
      source_offset: null,
      source_line: null,
      heading: `Key ${rec.key}`,
      heading_path: [ns, rec.key],
      text,
      char_count: text.length,
      language: 'eng',
      created_at: Date.now(),
    };
    rec.value = await serde.encode('humpback.Segment', rec.segment, `${ns}.segments`);
  }

  const undecodable: InputRecord[] = [];
  const sample = keyed.find((k) => k.value !== null)?.value;
  if (!sample) throw new Error('a trial needs at least one keyed record');
  for (const kind of POISON_KINDS.filter((k) => !stagePoison.includes(k))) {
    for (let n = 0; n < plan.poisonPerKind; n++) {
      undecodable.push({ id: `p-${kind}-${n}`, key: `p-${kind}-${n}`, seq: undefined, poison: kind, segment: undefined, value: await poisonBytes(kind, sample, serde) });
    }
  }
  // Undecodable records go in at random places among the keyed ones.
  const out = [...keyed];
  for (const p of undecodable) out.splice(r.int(0, out.length), 0, p);
  return out;
}

async function poisonBytes(kind: PoisonKind, valid: Buffer, serde: Serde): Promise<Buffer | null> {
  switch (kind) {
    case 'bad-magic-byte':
      return Buffer.from(JSON.stringify({ text: 'plain JSON, no wire header' }));
    case 'unknown-schema-id': {
      const b = Buffer.from(valid);
      b.writeUInt32BE(0x7ffffff0, 1);
      return b;
    }
    case 'truncated-body':
      return valid.subarray(0, Math.floor(valid.length / 2));
    case 'truncated-header':
      return valid.subarray(0, 3);
    case 'trailing-bytes':
      return Buffer.concat([valid, Buffer.from([1, 2, 3])]);
    case 'wrong-schema':
      return serde.encode('humpback.DeadLetter', {
        stage: 'elsewhere',
        reason: 'not a segment',
        message: 'a record of another type on the segments topic',
        detail: null,
        attempts: 1,
        source_topic: 'x',
        source_partition: 0,
        source_offset: 0,
        key: null,
        value: null,
        failed_at: Date.now(),
      }, 'segments');
    case 'tombstone':
      return null;
    default:
      throw new Error(`${kind} is not an undecodable poison kind`);
  }
}
