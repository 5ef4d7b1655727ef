/**
 * The fake OpenAI server (test/helpers/fakeOpenAiServer.ts, a test double) in a worker thread, like
 * a real server in its own process: sharing the client's event loop would charge the server's JSON
 * and HTTP work to the client (or to the stage being measured). Every request gets `answer`.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FakeOpenAiServer, FakeServerOptions } from '../test/helpers/fakeOpenAiServer';

export type ServerOptions = Omit<FakeServerOptions, 'respond'>;

/** A fake server in a worker thread, driven by messages. */
export interface RemoteServer {
  url: string;
  stats(): Promise<FakeOpenAiServer['stats']>;
  close(): Promise<void>;
}

/** A fixed instruction the backtranslate stage accepts (not empty, not copied from the segment). */
export const FAKE_QUESTION = 'What does this section explain?';

export async function startFakeServer(opts: ServerOptions, answer: string = FAKE_QUESTION): Promise<RemoteServer> {
  const helper = path.join(__dirname, '..', 'test', 'helpers', 'fakeOpenAiServer.js');
  // The request log is cleared as it grows: a long benchmark would otherwise keep every prompt.
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { startFakeOpenAiServer } = require(${JSON.stringify(helper)});
    const { answer, ...opts } = workerData;
    startFakeOpenAiServer({ ...opts, respond: () => answer }).then((s) => {
      setInterval(() => { s.requests.length = 0; }, 1000).unref();
      parentPort.postMessage({ url: s.url });
      parentPort.on('message', async (m) => {
        if (m === 'stats') parentPort.postMessage({ stats: s.stats });
        if (m === 'close') { await s.close(); parentPort.postMessage({ closed: true }); }
      });
    });`;
  const worker = new Worker(code, { eval: true, workerData: { ...opts, answer } });
  const next = <T>(): Promise<T> => new Promise((resolve) => worker.once('message', resolve));
  const { url } = await next<{ url: string }>();
  return {
    url,
    stats: async () => {
      worker.postMessage('stats');
      return (await next<{ stats: FakeOpenAiServer['stats'] }>()).stats;
    },
    close: async () => {
      worker.postMessage('close');
      await next();
      await worker.terminate();
    },
  };
}
