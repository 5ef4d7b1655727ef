import type { DocumentRecord } from '../records/types';
import { mb } from './limits';
import { displayName } from './source';
import type { ReadItem, ReadProblem } from './types';

/** Where in an input something is, for messages: `file:12` (line) or `file@3456` (byte offset). */
export function where(file: string | null, at: { line?: number; offset?: number }): string {
  const name = displayName(file);
  if (at.line !== undefined) return `${name}:${at.line}`;
  if (at.offset !== undefined) return `${name} at byte offset ${at.offset}`;
  return name;
}

export function problem(reason: string, file: string | null, at: { line?: number; offset?: number; sample?: Buffer }, what: string): ReadItem {
  const p: ReadProblem = { reason, message: `${where(file, at)}: ${what}`, file, ...at };
  return { kind: 'problem', problem: p };
}

export function tooLarge(file: string | null, at: { line?: number; offset?: number; sample?: Buffer }, seen: number, cap: number, what = 'document'): ReadItem {
  return problem('ingest.too-large', file, at, `${what} is larger than the ${mb(cap)} cap (more than ${seen} bytes seen, stopped reading it). Fix: raise --max-document-mb if it is wanted`);
}

export function documentItem(document: DocumentRecord): ReadItem {
  return { kind: 'document', document };
}

export function skipped(reason: string): ReadItem {
  return { kind: 'skipped', reason };
}
