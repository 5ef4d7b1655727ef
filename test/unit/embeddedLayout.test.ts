import { embeddedLayout } from '../../src/llm/embeddedBackend';

describe('embeddedLayout (contexts and threads of the embedded model)', () => {
  it('splits the cores between the contexts', () => {
    expect(embeddedLayout(2, { contexts: 2 })).toEqual({ contexts: 2, threads: 1 });
    expect(embeddedLayout(16, { contexts: 2 })).toEqual({ contexts: 2, threads: 8 });
    expect(embeddedLayout(8, {})).toEqual({ contexts: 1, threads: 8 });
  });

  it('never runs more contexts than cores, so no thread waits for a core (the default topology asks for 2)', () => {
    expect(embeddedLayout(1, { contexts: 2 })).toEqual({ contexts: 1, threads: 1 });
    expect(embeddedLayout(3, { contexts: 8 })).toEqual({ contexts: 3, threads: 1 });
  });

  it('keeps an explicit thread count as given (the operator decided)', () => {
    expect(embeddedLayout(2, { contexts: 4, threads: 1 })).toEqual({ contexts: 4, threads: 1 });
  });
});
