/**
 * TEST DOUBLE: a fake OpenAI-compatible inference server (node:http on 127.0.0.1, random port).
 * It is not a model; it answers what the test scripts, so LLM backends, the endpoint pool and the
 * stages can be tested and benchmarked without a GPU or a paid API.
 *
 * Speaks POST /v1/chat/completions, POST /v1/completions and GET /v1/models, with:
 * - scripted answers: `respond(req)` (a function of the request, e.g. matching prompt content) and a
 *   FIFO of one-shot actions (`enqueue`) consumed first;
 * - fixed latency per request and a capacity C: requests beyond C wait in a queue or get 429;
 * - injected failures: any HTTP status (500, 429 with Retry-After, 401...), `hang` (never answer, until
 *   the client gives up) and `reset` (`socket.destroy()`, seen by clients as ECONNRESET);
 * - hostile transfers: `trickle` (200 and headers at once, then one byte of body every 50 ms, never
 *   ending) and `flood` (a 200 body of `bytes` bytes, gzip-compressed or not, streamed as fast as the
 *   client reads; `stats.floodBytesSent` counts what left the server), and `raw` (any status, content
 *   type and body: an HTML page from a proxy, broken JSON, an empty 204), and `truncate` (a 200 whose
 *   connection drops after the first bytes of its body);
 * - hostile outputs (`HOSTILE`): score 10, two Score lines, no Score line, an echo of the prompt;
 * - a request log (`requests`: prompts, bodies, auth header) and usage token counts (words);
 * - token log-probabilities like vLLM or OpenAI (`logprobs: true` in the options; off by default, as
 *   on servers that ignore the request's `logprobs`): chat answers to requests that ask for them carry
 *   `logprobs.content`, one entry per word or punctuation piece; a digit right after "Score:" gets
 *   the answer's `scoreProbs` (probabilities of 1-5) as its top alternatives.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export interface FakeRequest {
  seq: number;
  path: string;
  model: string;
  /** chat: the messages' contents joined by "\n"; completions: the prompt. */
  prompt: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
}

export type FakeAction =
  | { kind: 'answer'; text: string | null; finishReason?: string; usage?: false; model?: string; scoreProbs?: number[] }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'trickle' }
  | { kind: 'truncate' }
  | { kind: 'raw'; status: number; contentType?: string; body: string }
  | { kind: 'flood'; bytes: number; gzip?: boolean }
  | { kind: 'noChoices' };

export type Responder = (req: FakeRequest) => FakeAction | string | Promise<FakeAction | string>;

export interface FakeServerOptions {
  latencyMs?: number;
  /** Requests served at once; the rest wait (`queue`) or are refused with 429 (`reject429`). */
  capacity?: number;
  overCapacity?: 'queue' | 'reject429';
  /** Retry-After (seconds) sent with capacity 429s. */
  retryAfterSeconds?: number;
  respond?: Responder;
  models?: string[];
  /** Answer requests that ask for `logprobs` with token log-probabilities (chat API). */
  logprobs?: boolean;
}

/** Outputs a careless parser gets wrong (docs/method.md: parse robustly, count failures). */
export const HOSTILE = {
  scoreTen: 'The answer is thorough.\nScore: 10',
  twoScores: 'Score: 5\nOn reflection the answer is weak.\nScore: 2',
  noScore: 'The answer is fine, I would rate it highly.',
  echo: (req: FakeRequest): string => req.prompt,
} as const;

const words = (s: string): number => (s.match(/\S+/g) ?? []).length;

export class FakeOpenAiServer {
  readonly requests: FakeRequest[] = [];
  readonly stats = { inFlight: 0, maxInFlight: 0, served: 0, rejected: 0, floodBytesSent: 0 };
  private readonly script: FakeAction[] = [];
  private readonly waiting: Array<() => void> = [];
  private readonly sockets = new Set<Socket>();
  private server?: http.Server;
  private port = 0;
  private busy = 0;
  latencyMs: number;
  respond: Responder;

  constructor(private readonly opts: FakeServerOptions = {}) {
    this.latencyMs = opts.latencyMs ?? 0;
    this.respond = opts.respond ?? (() => 'ok');
  }

  /** Base URL including `/v1`, as OpenAI clients expect. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** One-shot actions for the next requests, in order, before `respond` is consulted. */
  enqueue(...actions: FakeAction[]): void {
    this.script.push(...actions);
  }

  count(path?: string): number {
    return path === undefined ? this.requests.length : this.requests.filter((r) => r.path.endsWith(path)).length;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy(); // hung requests would keep close() waiting
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = req.url ?? '';
    if (req.method === 'GET' && url.endsWith('/models')) {
      return json(res, 200, { object: 'list', data: (this.opts.models ?? ['fake-model']).map((id) => ({ id, object: 'model', owned_by: 'fake' })) });
    }
    const isChat = url.endsWith('/chat/completions');
    if (req.method !== 'POST' || !(isChat || url.endsWith('/completions'))) return json(res, 404, { error: { message: `no route ${req.method} ${url}` } });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return json(res, 400, { error: { message: 'body is not JSON' } });
    }
    const prompt = isChat ? ((body.messages as Array<{ content: string }> | undefined) ?? []).map((m) => m.content).join('\n') : (typeof body.prompt === 'string' ? body.prompt : '');
    const entry: FakeRequest = { seq: this.requests.length, path: url, model: typeof body.model === 'string' ? body.model : '', prompt, body, authorization: req.headers.authorization };
    this.requests.push(entry);

    const capacity = this.opts.capacity ?? Infinity;
    if (this.busy >= capacity) {
      if (this.opts.overCapacity === 'reject429') {
        this.stats.rejected += 1;
        return json(res, 429, { error: { message: 'server busy' } }, { 'retry-after': String(this.opts.retryAfterSeconds ?? 0) });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.busy += 1;
    this.stats.inFlight += 1;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.stats.inFlight);
    try {
      const scripted = this.script.shift();
      const action = toAction(scripted ?? (await Promise.resolve(this.respond(entry)).catch((err: unknown) => ({ kind: 'status', status: 500, body: { error: { message: `responder threw: ${String(err)}` } } }) as const)));
      if (action.kind === 'hang') return await new Promise<void>((resolve) => res.on('close', resolve));
      if (action.kind === 'trickle') return await trickle(res);
      if (action.kind === 'flood') return await this.flood(res, action);
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      this.reply(res, action, entry, isChat);
    } finally {
      this.stats.inFlight -= 1;
      const next = this.waiting.shift();
      if (next) next(); // hand the slot over; busy stays the same
      else this.busy -= 1;
    }
  }

  /** A JSON-looking body that never closes its string, written as fast as the client reads it. */
  private async flood(res: http.ServerResponse, action: { bytes: number; gzip?: boolean }): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/json', ...(action.gzip ? { 'content-encoding': 'gzip' } : {}) });
    const out: NodeJS.WritableStream = action.gzip ? zlib.createGzip() : res;
    if (action.gzip) (out as zlib.Gzip).pipe(res);
    const chunk = Buffer.alloc(64 * 1024, 'a');
    out.write('{"choices":[{"message":{"content":"');
    for (let sent = 0; sent < action.bytes && !res.destroyed; sent += chunk.length) {
      this.stats.floodBytesSent += chunk.length;
      if (!out.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            out.removeListener('drain', done);
            res.removeListener('close', done);
            resolve();
          };
          out.once('drain', done);
          res.once('close', done);
        });
      }
    }
    out.end();
  }

  private reply(res: http.ServerResponse, action: FakeAction, req: FakeRequest, isChat: boolean): void {
    switch (action.kind) {
      case 'reset':
        res.socket?.destroy();
        return;
      case 'truncate':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"choices": [');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      case 'raw':
        res.writeHead(action.status, action.contentType ? { 'content-type': action.contentType } : {});
        res.end(action.status === 204 ? undefined : action.body);
        return;
      case 'status':
        return json(res, action.status, action.body ?? { error: { message: `injected ${action.status}` } }, action.headers);
      case 'noChoices':
        this.stats.served += 1;
        return json(res, 200, { id: `fake-${req.seq}`, object: isChat ? 'chat.completion' : 'text_completion', created: 0, model: req.model, choices: [] });
      case 'answer': {
        this.stats.served += 1;
        const text = action.text;
        const wantsLogprobs = isChat && this.opts.logprobs === true && req.body.logprobs === true;
        const choice = isChat
          ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: action.finishReason ?? 'stop', ...(wantsLogprobs ? { logprobs: { content: tokenLogprobs(text ?? '', action.scoreProbs) } } : {}) }
          : { index: 0, text, finish_reason: action.finishReason ?? 'stop' };
        const usage = action.usage === false ? undefined : { prompt_tokens: words(req.prompt), completion_tokens: words(text ?? ''), total_tokens: words(req.prompt) + words(text ?? '') };
        return json(res, 200, { id: `fake-${req.seq}`, object: isChat ? 'chat.completion' : 'text_completion', created: 0, model: action.model ?? req.model, choices: [choice], usage });
      }
      default:
        return json(res, 500, { error: { message: 'unhandled action' } });
    }
  }
}

/** Chat `logprobs.content` for a text: words, spaces and punctuation as tokens; the score digit gets `scoreProbs`. */
function tokenLogprobs(text: string, scoreProbs?: number[]): Array<{ token: string; logprob: number; top_logprobs: Array<{ token: string; logprob: number }> }> {
  let before = '';
  return (text.match(/\s+|\w+|[^\s\w]/g) ?? []).map((token) => {
    const atScore = /^[1-5]$/.test(token) && /score\s*:\s*$/i.test(before) && scoreProbs;
    before += token;
    if (!atScore) return { token, logprob: -0.05, top_logprobs: [{ token, logprob: -0.05 }] };
    const top = scoreProbs.map((p, i) => ({ token: String(i + 1), logprob: Math.log(p) })).sort((a, b) => b.logprob - a.logprob);
    return { token, logprob: Math.log(scoreProbs[Number(token) - 1]), top_logprobs: top };
  });
}

async function trickle(res: http.ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{');
  while (!res.destroyed) {
    await new Promise((r) => setTimeout(r, 50));
    res.write(' ');
  }
}

function toAction(a: FakeAction | string): FakeAction {
  return typeof a === 'string' ? { kind: 'answer', text: a } : a;
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakeOpenAiServer(opts: FakeServerOptions = {}): Promise<FakeOpenAiServer> {
  return new FakeOpenAiServer(opts).start();
}
