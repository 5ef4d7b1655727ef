import { KeyedSerializer } from '../../src/runtime/keyedSerializer';
import { Semaphore } from '../../src/runtime/semaphore';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('Semaphore', () => {
  it('never lets more than its capacity run at once', async () => {
    const sem = new Semaphore(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sem.withPermit(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, i % 3));
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(sem.inUse).toBe(0);
  });

  it('acquireWithin gives up after its deadline without leaking a permit', async () => {
    const sem = new Semaphore(1);
    await sem.acquire();
    await expect(sem.acquireWithin(10)).resolves.toBe(false);
    sem.release();
    expect(sem.inUse).toBe(0);
    await expect(sem.acquireWithin(10)).resolves.toBe(true);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new Semaphore(0)).toThrow(/positive integer/);
  });
});

describe('KeyedSerializer', () => {
  it('runs tasks of one key in order and tasks of other keys concurrently', async () => {
    const k = new KeyedSerializer();
    const log: string[] = [];
    const gateA1 = deferred();
    const a1 = k.run('a', async () => {
      await gateA1.promise;
      log.push('a1');
    });
    const a2 = k.run('a', async () => {
      log.push('a2');
    });
    const b1 = k.run('b', async () => {
      log.push('b1');
    });
    await b1;
    expect(log).toEqual(['b1']); // b is not blocked by a
    gateA1.resolve();
    await Promise.all([a1, a2]);
    expect(log).toEqual(['b1', 'a1', 'a2']);
  });

  it('keeps going after a failed task and forgets idle keys', async () => {
    const k = new KeyedSerializer();
    await expect(k.run('x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(k.run('x', async () => 'ok')).resolves.toBe('ok');
    await new Promise((r) => setImmediate(r));
    expect(k.activeKeys).toBe(0);
  });
});
