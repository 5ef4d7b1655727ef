/**
 * The fetch the OpenAI client uses: the whole exchange, body included, within a deadline and a byte
 * cap. The client's own timeout stops at the response headers, so a server that sends headers and
 * then trickles (or never ends) its body would hold a request slot forever, and one that streams a
 * huge body would be buffered whole. Both end here as a ResponseLimitError: the attempt fails like a
 * timeout, the retry policy tries the record again and, past the stage's retries, dead-letters it.
 */
export class ResponseLimitError extends Error {
  constructor(
    readonly limit: 'deadline' | 'size',
    message: string,
  ) {
    super(message);
    this.name = 'ResponseLimitError';
  }
}

export interface FetchLimits {
  /** From the request to the last byte of the body. */
  timeoutMs: number;
  maxBytes: number;
}

export function boundedFetch(limits: FetchLimits, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new ResponseLimitError('deadline', `no complete answer within ${limits.timeoutMs} ms`)), limits.timeoutMs);
    timer.unref();
    const done = (): void => clearTimeout(timer);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
    let res: Response;
    try {
      res = await inner(input, { ...init, signal });
    } catch (err) {
      done();
      throw deadline.signal.aborted ? deadline.signal.reason : err;
    }
    const tooLarge = (n: number): ResponseLimitError => new ResponseLimitError('size', `answer of ${n}+ bytes is over the ${limits.maxBytes}-byte cap`);
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > limits.maxBytes) {
      done();
      deadline.abort(tooLarge(declared));
      throw deadline.signal.reason;
    }
    if (!res.body) {
      done();
      return res;
    }
    let seen = 0;
    const capped = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen <= limits.maxBytes) return controller.enqueue(chunk);
          done();
          const err = tooLarge(seen);
          controller.error(err);
          deadline.abort(err); // closes the connection: the rest of the body is never read
        },
        flush: done,
      }),
      { signal: deadline.signal },
    );
    return new Response(capped, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}
