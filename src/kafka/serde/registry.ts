import type { Type } from 'avsc';
import { ConfigError, InfrastructureError, PoisonRecordError, errorMessage } from '../../core/errors';
import { parseSchemaText, schemaText } from './schemas';
import { MAX_SCHEMA_ID } from './wire';

/** Maps writer schemas to the ids in the wire header and back. */
export interface SchemaIdResolver {
  /** Id to put in the header of records written with `type` to `topic` (registers it if needed). */
  idFor(type: Type, topic: string): Promise<number>;
  /**
   * Writer schema of an id read from a header; undefined when the id is unknown (the caller
   * dead-letters the record). May throw InfrastructureError when the lookup itself failed.
   */
  typeFor(id: number): Promise<Type | undefined>;
}

// ---------------------------------------------------------------------------------------------------
// Local, serverless ids
// ---------------------------------------------------------------------------------------------------

/**
 * Deterministic id of a schema: 30 bits of the SHA-256 of its canonical form (avsc's `schema()`
 * drops docs, defaults, aliases and logical types, as Avro's Parsing Canonical Form does), with bit 30
 * set. Setting bit 30 keeps local ids (>= 2^30) apart from a real registry's, which count up from 1, so
 * a topic written in local mode and later read with a registry fails as `unknown id` rather than
 * silently picking some other schema.
 */
export function localSchemaId(type: Type): number {
  return (type.fingerprint('sha256').readUInt32BE(0) & 0x3fffffff) | 0x40000000;
}

export interface LocalSchemaIdsOptions {
  /** Id derivation; tests inject a degenerate one to exercise collision detection. */
  idOf?: (type: Type) => number;
}

/**
 * Schema ids without a server: every known schema (current and history) gets its fingerprint id, the
 * same on every machine and run, so producers and consumers agree without coordination.
 * Schemas with the same canonical form share an id (their binary encodings are identical).
 */
export class LocalSchemaIds implements SchemaIdResolver {
  private readonly byId = new Map<number, { type: Type; canonical: string; origin: string }>();
  private readonly idCache = new WeakMap<Type, number>();
  private readonly idOf: (type: Type) => number;

  constructor(schemas: Iterable<{ type: Type; file?: string }>, opts: LocalSchemaIdsOptions = {}) {
    this.idOf = opts.idOf ?? localSchemaId;
    for (const s of schemas) this.register(s.type, s.file ?? s.type.name ?? s.type.typeName);
  }

  /** Known ids (for diagnostics and tests). */
  ids(): number[] {
    return [...this.byId.keys()];
  }

  private register(type: Type, origin: string): number {
    const cached = this.idCache.get(type);
    if (cached !== undefined) return cached;
    const id = this.idOf(type);
    const canonical = JSON.stringify(type.schema());
    const known = this.byId.get(id);
    if (known === undefined) {
      this.byId.set(id, { type, canonical, origin });
    } else if (known.canonical !== canonical) {
      // Unlikely (30 bits, a few dozen schemas), but two schemas under one id would decode records as the wrong type.
      throw new ConfigError(
        `schema id collision: ${origin} and ${known.origin} both map to local id ${id}; ` +
          'rename or adjust one of them, or use a schema registry (SCHEMA_REGISTRY_URL)',
      );
    }
    this.idCache.set(type, id);
    return id;
  }

  async idFor(type: Type): Promise<number> {
    // One id per schema whatever the topic: there are no subjects without a registry.
    return this.register(type, type.name ?? type.typeName);
  }

  async typeFor(id: number): Promise<Type | undefined> {
    return this.byId.get(id)?.type;
  }
}

// ---------------------------------------------------------------------------------------------------
// Confluent Schema Registry client
// ---------------------------------------------------------------------------------------------------

/** The subject a record value is registered under (Confluent's subject name strategies). */
export type SubjectNameStrategy = (topic: string, recordFullName: string) => string;

export const SUBJECT_NAME_STRATEGIES = {
  /** `<topic>-value`: Confluent's default, what tools that look a topic's schema up expect. */
  TopicNameStrategy: (topic) => `${topic}-value`,
  /** `<fully.qualified.Name>`: one subject per record type, whatever topic it travels on. */
  RecordNameStrategy: (_topic, name) => name,
  /** `<topic>-<fully.qualified.Name>`. */
  TopicRecordNameStrategy: (topic, name) => `${topic}-${name}`,
} satisfies Record<string, SubjectNameStrategy>;
export type SubjectNameStrategyName = keyof typeof SUBJECT_NAME_STRATEGIES;

/**
 * The strategy named by SCHEMA_REGISTRY_SUBJECT_STRATEGY: a short name or Confluent's class name
 * (`io.confluent.kafka.serializers.subject.RecordNameStrategy`); default TopicNameStrategy.
 */
export function subjectNameStrategy(value: string | undefined): SubjectNameStrategy {
  if (value === undefined || value.trim() === '') return SUBJECT_NAME_STRATEGIES.TopicNameStrategy;
  const short = value.trim().split('.').pop() ?? '';
  const found = Object.entries(SUBJECT_NAME_STRATEGIES).find(([name]) => name === short);
  if (found) return found[1];
  throw new ConfigError(`SCHEMA_REGISTRY_SUBJECT_STRATEGY "${value}" is not a subject name strategy. Fix: use ${Object.keys(SUBJECT_NAME_STRATEGIES).join(', ')} (default TopicNameStrategy)`);
}

export interface ConfluentRegistryOptions {
  /** Base URL, e.g. `http://localhost:8081`; may carry `user:password@` (never logged). */
  url: string;
  /** Default TopicNameStrategy (`<topic>-value`), as Confluent's serializers do. */
  subjectNameStrategy?: SubjectNameStrategy;
  /** Where SCHEMA_REGISTRY_USER / SCHEMA_REGISTRY_PASSWORD are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /**
   * How long an unknown id stays unknown before we ask again (default 30 s): a burst of records with a
   * bogus id must not hit the registry once each, but an id registered moments ago must show up.
   */
  unknownIdTtlMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
/** Confluent error codes of a 404: no such subject, no such schema (under the subject, or id). */
const SUBJECT_NOT_FOUND = 40401;
const SCHEMA_NOT_FOUND = 40403;

function field(body: unknown, key: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
}

/**
 * Client of the Confluent Schema Registry REST API (the subset a serde needs), on Node's global fetch.
 * Both directions are cached for the life of the process: a schema id is immutable once assigned.
 * A subject it creates gets compatibility BACKWARD (consumers with the new schema read old records),
 * set explicitly: a registry whose global level is NONE (Apicurio's default) would take any change.
 */
export class ConfluentRegistry implements SchemaIdResolver {
  /** Base URL without credentials: safe to put in messages. */
  readonly baseUrl: string;
  // A private field: util.inspect and JSON.stringify of the client do not show it.
  readonly #authorization: string | undefined;
  private readonly subjectOf: SubjectNameStrategy;
  private readonly timeoutMs: number;
  private readonly unknownIdTtlMs: number;
  private readonly now: () => number;
  private readonly fetchFn: typeof fetch;
  private readonly ids = new Map<string, Promise<number>>();
  private readonly types = new Map<number, Promise<Type | undefined>>();
  private readonly unknownUntil = new Map<number, number>();

  constructor(opts: ConfluentRegistryOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch (err) {
      // Do not echo the value: it may hold a password.
      throw new ConfigError('schema registry URL is not a valid absolute URL (check SCHEMA_REGISTRY_URL)', { cause: err });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`schema registry URL must be http or https, got ${url.protocol}`);
    }
    const env = opts.env ?? process.env;
    let user: string | undefined;
    let password: string | undefined;
    if (url.username !== '' || url.password !== '') {
      user = decodeURIComponent(url.username);
      password = decodeURIComponent(url.password);
    } else if (env.SCHEMA_REGISTRY_USER !== undefined && env.SCHEMA_REGISTRY_USER !== '') {
      user = env.SCHEMA_REGISTRY_USER;
      password = env.SCHEMA_REGISTRY_PASSWORD;
      if (password === undefined) {
        throw new ConfigError('SCHEMA_REGISTRY_USER is set but SCHEMA_REGISTRY_PASSWORD is not');
      }
    }
    this.#authorization =
      user === undefined ? undefined : 'Basic ' + Buffer.from(`${user}:${password ?? ''}`, 'utf8').toString('base64');
    // fetch refuses URLs with credentials anyway; strip them, and a trailing slash, once.
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    this.baseUrl = url.toString().replace(/\/+$/, '');
    this.subjectOf = opts.subjectNameStrategy ?? SUBJECT_NAME_STRATEGIES.TopicNameStrategy;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.unknownIdTtlMs = opts.unknownIdTtlMs ?? 30_000;
    this.now = opts.now ?? Date.now;
    this.fetchFn = opts.fetch ?? fetch;
  }

  idFor(type: Type, topic: string): Promise<number> {
    const name = type.name;
    if (name === undefined) return Promise.reject(new TypeError('only named types can be registered'));
    const subject = this.subjectOf(topic, name);
    const text = schemaText(type);
    const key = `${subject}\n${text}`;
    let pending = this.ids.get(key);
    if (pending === undefined) {
      // Cache the promise, so concurrent first encodes make one request; forget it if it failed.
      pending = this.register(subject, text, type);
      this.ids.set(key, pending);
      pending.catch(() => this.ids.delete(key));
    }
    return pending;
  }

  private async register(subject: string, text: string, type: Type): Promise<number> {
    const path = `/subjects/${encodeURIComponent(subject)}`;
    const known = await this.request('POST', path, { schema: text }, [SUBJECT_NOT_FOUND, SCHEMA_NOT_FOUND]);
    if (known.absent === SUBJECT_NOT_FOUND) await this.request('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: 'BACKWARD' });
    const body = known.absent === undefined ? known.body : (await this.request('POST', `${path}/versions`, { schema: text })).body;
    const id = field(body, 'id');
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_SCHEMA_ID) {
      throw new ConfigError(`schema registry ${this.baseUrl} answered a registration without a valid id`);
    }
    // We know this id's schema already: decoding our own records needs no lookup.
    if (!this.types.has(id)) this.types.set(id, Promise.resolve(type));
    return id;
  }

  typeFor(id: number): Promise<Type | undefined> {
    const cached = this.types.get(id);
    if (cached !== undefined) return cached;
    const until = this.unknownIdTtlMs > 0 ? this.unknownUntil.get(id) : undefined;
    if (until !== undefined && this.now() < until) return Promise.resolve(undefined);
    const pending = this.lookup(id);
    this.types.set(id, pending);
    pending.then(
      (type) => {
        if (type === undefined) {
          this.types.delete(id);
          this.unknownUntil.set(id, this.now() + this.unknownIdTtlMs);
        }
      },
      // A schema we cannot use stays unusable (ids are immutable); anything else is asked again.
      (err: unknown) => {
        if (!(err instanceof PoisonRecordError)) this.types.delete(id);
      },
    );
    return pending;
  }

  private async lookup(id: number): Promise<Type | undefined> {
    const answer = await this.request('GET', `/schemas/ids/${id}`, undefined, [SCHEMA_NOT_FOUND]);
    if (answer.absent !== undefined) return undefined;
    const body = answer.body;
    const schemaType = field(body, 'schemaType');
    if (schemaType !== undefined && schemaType !== 'AVRO') {
      throw new PoisonRecordError('decode.incompatible-schema', `schema id ${id} is a ${JSON.stringify(schemaType)} schema, not Avro`);
    }
    const references = field(body, 'references');
    if (Array.isArray(references) && references.length > 0) {
      throw new PoisonRecordError('decode.incompatible-schema', `schema id ${id} uses schema references, which this client does not resolve`);
    }
    const text = field(body, 'schema');
    if (typeof text !== 'string') {
      throw new ConfigError(`schema registry ${this.baseUrl} answered GET /schemas/ids/${id} without a schema`);
    }
    try {
      return parseSchemaText(text, `schema id ${id}`);
    } catch (err) {
      // The registry accepted it, we cannot parse it: records written with it cannot be read here.
      throw new PoisonRecordError('decode.incompatible-schema', errorMessage(err), { cause: err });
    }
  }

  /**
   * One REST call. Network trouble, timeouts, 5xx, 408 and 429 -> InfrastructureError; other 4xx ->
   * ConfigError with the server's message. `absentCodes`: Confluent error codes (40401 subject, 40403
   * schema) that mean "not found" and come back as `absent`; any other 404 is a misconfigured URL.
   */
  private async request(method: 'GET' | 'POST' | 'PUT', path: string, payload?: unknown, absentCodes: readonly number[] = []): Promise<{ body: unknown; absent?: number }> {
    const headers: Record<string, string> = { accept: CONTENT_TYPE };
    if (payload !== undefined) headers['content-type'] = CONTENT_TYPE;
    if (this.#authorization !== undefined) headers.authorization = this.#authorization;
    const what = `${method} ${this.baseUrl}${path}`;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(this.baseUrl + path, {
        method,
        headers,
        body: payload === undefined ? undefined : JSON.stringify(payload),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const name = field(err, 'name');
      const reason =
        name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${this.timeoutMs} ms` : networkReason(err);
      throw new InfrastructureError(`schema registry unreachable: ${what}: ${reason}`, { cause: err });
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (res.ok) {
      if (body === undefined) throw new ConfigError(`${what} answered ${res.status} without JSON: is this a schema registry?`);
      return { body };
    }
    const code = field(body, 'error_code');
    const message = field(body, 'message');
    const server =
      typeof message === 'string'
        ? `${message}${typeof code === 'number' ? ` (error_code ${code})` : ''}`
        : text.slice(0, 200) || res.statusText;
    if (res.status === 404 && typeof code === 'number' && absentCodes.includes(code)) return { body, absent: code };
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      throw new InfrastructureError(`schema registry failed: ${what}: ${res.status} ${server}`);
    }
    const hint =
      res.status === 401 || res.status === 403
        ? ' (check SCHEMA_REGISTRY_USER/SCHEMA_REGISTRY_PASSWORD or the user info in SCHEMA_REGISTRY_URL)'
        : res.status === 404
          ? ' (is the URL a schema registry?)'
          : res.status === 409
            ? " (the subject's compatibility rule refuses this schema: evolve a schema by adding fields with defaults)"
            : '';
    throw new ConfigError(`schema registry rejected ${what}: ${res.status} ${server}${hint}`);
  }
}

/**
 * undici reports `fetch failed` and keeps the useful part (ECONNREFUSED, ENOTFOUND) in `cause`.
 * Duck-typed rather than `instanceof Error`: fetch's errors may come from another realm (jest's VM).
 */
function networkReason(err: unknown): string {
  const message = field(err, 'message');
  const text = typeof message === 'string' ? message : String(err);
  const cause = field(err, 'cause');
  const code = field(cause, 'code');
  if (typeof code === 'string') return `${text} (${code})`;
  const causeMessage = field(cause, 'message');
  return typeof causeMessage === 'string' ? `${text}: ${causeMessage}` : text;
}
