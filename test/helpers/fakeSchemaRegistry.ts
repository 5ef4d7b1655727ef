/**
 * TEST DOUBLE of the Confluent Schema Registry: no registry server can be installed here, so this
 * small node:http server on 127.0.0.1 (port 0) speaks the subset of its REST API our client uses:
 *
 *   POST /subjects/{subject}/versions  {"schema": "<json>"} -> {"id": n}
 *        same schema text (any subject) -> same id, as the real registry dedups globally; new -> next id
 *        invalid Avro -> 422 {"error_code": 42201, ...}
 *   POST /subjects/{subject}           {"schema": "<json>"} -> {"id", "subject", "version", "schema"}
 *        | 404 40401 (no such subject) | 404 40403 (the schema is not under the subject)
 *   PUT  /config/{subject}             {"compatibility": "BACKWARD"} -> the same; kept in `compatibility`
 *   GET  /schemas/ids/{id}             -> {"schema": "<json>"} | 404 {"error_code": 40403, "message": "Schema not found"}
 *   GET  /subjects                     -> ["subject", ...]
 *
 * It logs every request, can require basic auth, and can be told to fail the next requests.
 * It is NOT a registry: no compatibility checks, no versions API, no persistence (the suite runs a
 * real Apicurio Registry for those: test/integration/schemaRegistryApicurio.test.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Type } from 'avsc';

export interface LoggedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
  /** Status sent, or 0 when the connection was dropped. */
  status: number;
}

/** What the next matching request gets instead of a normal answer. */
export type InjectedFailure =
  | { status: number; body?: unknown; times?: number; match?: (method: string, path: string) => boolean }
  | { reset: true; times?: number; match?: (method: string, path: string) => boolean };

export interface FakeSchemaRegistry {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly requests: LoggedRequest[];
  /** Schemas by id as stored (the registered text). */
  readonly schemas: ReadonlyMap<number, string>;
  /** Compatibility levels set by PUT /config/{subject}. */
  readonly compatibility: ReadonlyMap<string, string>;
  /** Queue a failure for the next `times` (default 1) matching requests. */
  fail(failure: InjectedFailure): void;
  /** Store a schema under an explicit id without a request (e.g. to simulate another producer). */
  put(id: number, schema: string, extra?: Record<string, unknown>): void;
  count(method: string, pathPrefix?: string): number;
  close(): Promise<void>;
}

export interface FakeSchemaRegistryOptions {
  /** Require `Authorization: Basic base64(user:password)`, else 401 {"error_code": 40101}. */
  auth?: { user: string; password: string };
  /** First id handed out (the real registry starts at 1). */
  firstId?: number;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startFakeSchemaRegistry(opts: FakeSchemaRegistryOptions = {}): Promise<FakeSchemaRegistry> {
  const requests: LoggedRequest[] = [];
  const schemas = new Map<number, string>();
  const extras = new Map<number, Record<string, unknown>>();
  const idByText = new Map<string, number>();
  const subjects = new Map<string, Set<number>>();
  const compatibility = new Map<string, string>();
  const failures: Array<InjectedFailure & { left: number }> = [];
  let nextId = opts.firstId ?? 1;
  const expectedAuth =
    opts.auth && 'Basic ' + Buffer.from(`${opts.auth.user}:${opts.auth.password}`, 'utf8').toString('base64');

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = decodeURI((req.url ?? '/').split('?')[0]);
      const entry: LoggedRequest = {
        method,
        path,
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
        status: 0,
      };
      requests.push(entry);
      const reply = (status: number, body: unknown): void => {
        entry.status = status;
        send(res, status, body);
      };

      const failure = failures.find((f) => f.left > 0 && (f.match?.(method, path) ?? true));
      if (failure) {
        failure.left -= 1;
        if ('reset' in failure) {
          req.socket.destroy();
          return;
        }
        reply(failure.status, failure.body ?? { error_code: failure.status * 100, message: `injected ${failure.status}` });
        return;
      }
      if (expectedAuth !== undefined && req.headers.authorization !== expectedAuth) {
        reply(401, { error_code: 40101, message: 'Unauthorized' });
        return;
      }

      const config = /^\/config\/([^/]+)$/.exec(path);
      if (method === 'PUT' && config) {
        const level = (JSON.parse(entry.body || '{}') as { compatibility?: unknown }).compatibility;
        compatibility.set(config[1], String(level));
        reply(200, { compatibility: level });
        return;
      }
      const register = /^\/subjects\/([^/]+)(\/versions)?$/.exec(path);
      if (method === 'POST' && register) {
        let schema: unknown;
        try {
          schema = (JSON.parse(entry.body) as { schema?: unknown }).schema;
        } catch {
          reply(400, { error_code: 400, message: 'Unrecognized JSON body' });
          return;
        }
        if (typeof schema !== 'string') {
          reply(422, { error_code: 42201, message: 'Missing schema' });
          return;
        }
        let normalised: string;
        try {
          Type.forSchema(JSON.parse(schema) as Parameters<typeof Type.forSchema>[0], { registry: {} });
          normalised = JSON.stringify(JSON.parse(schema));
        } catch (err) {
          reply(422, { error_code: 42201, message: `Invalid schema: ${err instanceof Error ? err.message : String(err)}` });
          return;
        }
        if (register[2] === undefined) {
          const under = subjects.get(register[1]);
          const known = idByText.get(normalised);
          if (under === undefined) reply(404, { error_code: 40401, message: `Subject '${register[1]}' not found.` });
          else if (known === undefined || !under.has(known)) reply(404, { error_code: 40403, message: 'Schema not found' });
          else reply(200, { subject: register[1], id: known, version: [...under].indexOf(known) + 1, schema });
          return;
        }
        let id = idByText.get(normalised);
        if (id === undefined) {
          id = nextId++;
          idByText.set(normalised, id);
          schemas.set(id, schema);
        }
        const subject = register[1];
        if (!subjects.has(subject)) subjects.set(subject, new Set());
        subjects.get(subject)?.add(id);
        reply(200, { id });
        return;
      }
      const byId = /^\/schemas\/ids\/(\d+)$/.exec(path);
      if (method === 'GET' && byId) {
        const id = Number(byId[1]);
        const schema = schemas.get(id);
        if (schema === undefined) reply(404, { error_code: 40403, message: 'Schema not found' });
        else reply(200, { schema, ...extras.get(id) });
        return;
      }
      if (method === 'GET' && path === '/subjects') {
        reply(200, [...subjects.keys()]);
        return;
      }
      reply(404, { error_code: 404, message: 'HTTP 404 Not Found' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    schemas,
    compatibility,
    fail(failure) {
      failures.push({ ...failure, left: failure.times ?? 1 });
    },
    put(id, schema, extra) {
      schemas.set(id, schema);
      if (extra) extras.set(id, extra);
    },
    count(method, pathPrefix = '') {
      return requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections(); // fetch keeps sockets alive; do not wait for them
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
