import fs from 'node:fs';
import path from 'node:path';
import { Type } from 'avsc';
import { ConfigError, errorMessage } from '../../core/errors';
import { projectRoot } from '../../util/paths';

/**
 * Loads `schemas/*.avsc` (the current reader/writer schemas) and `schemas/history/*.avsc` (older
 * writer versions, named `<Name>.v<N>.avsc`). History exists so that records written before a schema
 * evolved can still be decoded: with local ids the writer schema must be known by fingerprint, since
 * there is no registry to ask.
 */

/** One parsed schema file. */
export interface LoadedSchema {
  /** Avro full name, e.g. `humpback.Segment`. */
  readonly name: string;
  readonly type: Type;
  /** Absolute path of the file it came from (for error messages). */
  readonly file: string;
  /** False for files under `history/`. */
  readonly current: boolean;
}

export interface SchemaSet {
  readonly dir: string;
  /** Full name -> current type: the reader types, and the writer types for new records. */
  readonly current: ReadonlyMap<string, Type>;
  /** Current and historical schemas, current first; every schema whose records we can decode. */
  readonly all: readonly LoadedSchema[];
}

/**
 * Parse options shared by every place that builds a Type (files and registry answers), so a writer
 * fetched from a registry and one loaded from disk behave alike. Record methods are omitted so decoded
 * values behave as plain data (no `toBuffer`/`clone` on them).
 */
export const AVRO_TYPE_OPTIONS = { omitRecordMethods: true } as const;

/**
 * The schema text as written (minified), by Type. The registry must get this text, not
 * `type.schema({exportAttrs: true})`: avsc drops logical types it has no implementation for
 * (`timestamp-millis`), so the exported form would register plain longs.
 */
const sourceTexts = new WeakMap<Type, string>();

/** Text to register for a type: the original file's JSON when we loaded it, else avsc's export. */
export function schemaText(type: Type): string {
  return sourceTexts.get(type) ?? JSON.stringify(type.schema({ exportAttrs: true }));
}

export function defaultSchemaDir(): string {
  return path.join(projectRoot(), 'schemas');
}

/** Parse one schema from JSON text; `origin` names the file or registry id in errors. */
export function parseSchemaText(text: string, origin: string): Type {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${origin}: not valid JSON: ${errorMessage(err)}`, { cause: err, context: { path: origin } });
  }
  let type: Type;
  try {
    // A fresh registry per schema: history files redefine the same names (and nested enums).
    type = Type.forSchema(json as Parameters<typeof Type.forSchema>[0], { ...AVRO_TYPE_OPTIONS, registry: {} });
  } catch (err) {
    throw new ConfigError(`${origin}: invalid Avro schema: ${errorMessage(err)}`, { cause: err, context: { path: origin } });
  }
  sourceTexts.set(type, JSON.stringify(json));
  return type;
}

function avscFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.avsc'))
    .map((e) => e.name)
    .sort(); // readdir order is filesystem-dependent; ids and errors must not be
}

function loadFile(file: string, current: boolean): LoadedSchema {
  const type = parseSchemaText(fs.readFileSync(file, 'utf8'), file);
  const name = type.name;
  if (type.typeName !== 'record' || name === undefined) {
    throw new ConfigError(`${file}: expected a named record schema, got ${type.typeName}`, { context: { path: file } });
  }
  // File name = short record name (`Segment.avsc`, `history/Segment.v1.avsc`) keeps the folder navigable
  // and makes a copy-paste mistake (two files defining one record) visible.
  const base = path.basename(file, '.avsc');
  const expected = current ? base : base.replace(/\.v\d+$/, '');
  if (!current && expected === base) {
    throw new ConfigError(`${file}: history files are named <Name>.v<N>.avsc`, { context: { path: file } });
  }
  const shortName = name.slice(name.lastIndexOf('.') + 1);
  if (shortName !== expected) {
    throw new ConfigError(`${file}: defines record ${name}; the file name says ${expected}`, { context: { path: file } });
  }
  return { name, type, file, current };
}

/**
 * Load every schema under `dir` (default `<project>/schemas`) and `dir/history`. Throws ConfigError
 * naming the file on unreadable JSON, an invalid schema, a misnamed file or a duplicate record name.
 */
export function loadSchemas(dir: string = defaultSchemaDir()): SchemaSet {
  if (!fs.existsSync(dir)) throw new ConfigError(`schema directory ${dir} does not exist`, { context: { path: dir } });
  const current = new Map<string, Type>();
  const all: LoadedSchema[] = [];
  const fileOf = new Map<string, string>();
  for (const name of avscFiles(dir)) {
    const loaded = loadFile(path.join(dir, name), true);
    const previous = fileOf.get(loaded.name);
    if (previous !== undefined) {
      throw new ConfigError(`${loaded.file}: record ${loaded.name} is already defined by ${previous}`, {
        context: { path: loaded.file },
      });
    }
    fileOf.set(loaded.name, loaded.file);
    current.set(loaded.name, loaded.type);
    all.push(loaded);
  }
  const historyDir = path.join(dir, 'history');
  if (fs.existsSync(historyDir)) {
    for (const name of avscFiles(historyDir)) all.push(loadFile(path.join(historyDir, name), false));
  }
  return { dir, current, all };
}
