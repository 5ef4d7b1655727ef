import { Readable, PassThrough } from 'node:stream';
import { PoisonRecordError } from '../../src/core/errors';
import { runOffline, type Checked } from '../../src/runtime/offline';
import { retryPolicy } from '../../src/core/retryPolicy';
import type { Projection } from '../../src/runtime/projection';

interface Rec {
  id: string;
  n: number;
}
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && 'id' in v && typeof v.id === 'string' && 'n' in v && typeof v.n === 'number';
const check = (v: unknown): Checked<Rec> => (isRec(v) ? { ok: true, value: v } : { ok: false, problems: ['expected {id: string, n: number}'] });

async function run(lines: string[], project: Projection<Rec, Rec>, concurrency = 4) {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString()));
  const reports: string[] = [];
  const summary = await runOffline([{ name: 'in.jsonl', stream: Readable.from(lines.map((l) => l + '\n')) }], {
    project,
    check,
    policy: retryPolicy(0),
    concurrency,
    out,
    report: (l) => reports.push(l),
  });
  const written = chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);
  return { summary, written, reports };
}

describe('offline stage runner (JSON lines in, JSON lines out)', () => {
  it('keeps input order even when later records finish first', async () => {
    const slowFirst: Projection<Rec, Rec> = (r) => new Promise((resolve) => setTimeout(() => resolve([{ key: r.id, value: r }]), r.n === 1 ? 30 : 1));
    const lines = [1, 2, 3, 4, 5].map((n) => JSON.stringify({ id: `r${n}`, n }));
    const { written } = await run(lines, slowFirst);
    expect(written.map((r) => r.n)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reports each bad line by file and line number and processes the others', async () => {
    const failOnThree: Projection<Rec, Rec> = (r) => {
      if (r.n === 3) throw new PoisonRecordError('test.rejected', 'three is rejected');
      return [{ key: r.id, value: r }];
    };
    const lines = [
      JSON.stringify({ id: 'a', n: 1 }),
      '{"id": "broken',
      '',
      JSON.stringify({ id: 'c', n: 3 }),
      JSON.stringify({ id: 'd' }),
      JSON.stringify({ id: 'e', n: 5 }),
    ];
    const { summary, written, reports } = await run(lines, failOnThree);
    expect(written.map((r) => r.id)).toEqual(['a', 'e']);
    expect(reports).toEqual([
      expect.stringMatching(/^in\.jsonl:2: input\.malformed-json: /),
      'in.jsonl:4: test.rejected: three is rejected',
      'in.jsonl:5: input.invalid-record: expected {id: string, n: number}',
    ]);
    expect(summary).toEqual({ read: 5, written: 2, failed: 3, failedByReason: { 'input.malformed-json': 1, 'test.rejected': 1, 'input.invalid-record': 1 } });
  });
});
