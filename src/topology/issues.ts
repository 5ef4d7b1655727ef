import { z } from 'zod';
import { closest, formatPath, listOf, type PathKey } from './names';
import type { RuleIssue } from './rules';

/**
 * Turns zod issues into problems a person can fix: what is wrong at which path, and a specific hint
 * (the allowed keys and the closest one, the allowed values, the expected type). zod's own messages
 * are generic, so each issue code gets its own wording here.
 */
export type Problem = RuleIssue;

export function describeIssues(issues: readonly z.core.$ZodIssue[], schema: z.core.$ZodType, input: unknown): Problem[] {
  return issues.flatMap((issue) => describeIssue(issue, schema, input));
}

function describeIssue(issue: z.core.$ZodIssue, schema: z.core.$ZodType, input: unknown): Problem[] {
  const path = issue.path.filter((k): k is PathKey => typeof k !== 'symbol');
  const value = valueAt(input, path);
  const key = String(path[path.length - 1] ?? '');
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = Object.keys(shapeAt(schema, path, input) ?? {});
      return issue.keys.map((k) => {
        const match = closest(k, allowed);
        const fix = match === undefined ? 'remove it' : `rename it to "${match}" (closest match) or remove it`;
        return { path: [...path, k], problem: `unknown key "${k}"`, hint: `${fix}; allowed keys here: ${listOf(allowed)}` };
      });
    }
    case 'invalid_type':
      if (value === undefined || (value === null && path.length === 0)) {
        if (path.length === 0) return [{ path, problem: 'the file is empty', hint: 'start with "version: 1", then name, topics and stages' }];
        return [{ path, problem: `missing required field "${key}"`, hint: `add "${key}: <${issue.expected}>" to ${formatPath(path.slice(0, -1))}` }];
      }
      return [{ path, problem: `expected ${article(issue.expected)}, got ${describe(value)}`, hint: typeHint(key, issue.expected) }];
    case 'invalid_value': {
      const allowed = issue.values.map((v) => String(v));
      if (allowed.length === 1) return [{ path, problem: `${describe(value)} is not supported`, hint: `write "${key}: ${allowed[0]}"` }];
      return [{ path, problem: `${describe(value)} is not allowed here`, hint: oneOf(value, allowed) }];
    }
    case 'invalid_union':
      if (issue.discriminator !== undefined) {
        // zod reports the discriminator's choices at run time, though its issue type omits them.
        const options: unknown = (issue as { options?: unknown }).options;
        const allowed = Array.isArray(options) ? options.map((v: unknown) => String(v)) : [];
        const problem = value === undefined ? `missing ${issue.discriminator}` : `unknown stage type ${describe(value)}`;
        return [{ path, problem, hint: oneOf(value, allowed, 'registered stage types') }];
      }
      return [{ path, problem: issue.message, hint: 'check the value against the documented options' }];
    case 'too_small':
    case 'too_big': {
      const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      if (issue.origin === 'string' && issue.code === 'too_small') return [{ path, problem: 'must not be empty', hint: `give ${key} a value` }];
      const size = issue.origin === 'number' ? '' : ' in length';
      return [{ path, problem: `${describe(value)} is out of range`, hint: `use a value${size} ${op} ${String(bound)}` }];
    }
    case 'custom': {
      const hint = (issue.params as { hint?: unknown } | undefined)?.hint;
      return [{ path, problem: issue.message, hint: typeof hint === 'string' ? hint : 'see the topology documentation' }];
    }
    default:
      return [{ path, problem: issue.message, hint: 'see the topology documentation' }];
  }
}

/** `did you mean "b"? Allowed: a, b, c` when a choice is close, else `use one of: a, b, c`. */
function oneOf(value: unknown, allowed: readonly string[], what = 'allowed values'): string {
  const match = typeof value === 'string' ? closest(value, allowed) : undefined;
  return match === undefined ? `use one of the ${what}: ${listOf(allowed)}` : `did you mean "${match}"? ${capital(what)}: ${listOf(allowed)}`;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function typeHint(key: string, expected: string): string {
  switch (expected) {
    case 'int':
      return `write a whole number, e.g. "${key}: 4"`;
    case 'number':
      return `write a number without quotes, e.g. "${key}: 4"`;
    case 'boolean':
      return `write true or false without quotes`;
    case 'array':
      return `write a YAML list ("- item" lines) under ${key}`;
    case 'object':
      return `write a mapping ("key: value" lines) under ${key || 'the top level'}`;
    default:
      return `write ${article(expected)}`;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** A value as the user wrote it, for messages: strings quoted, others with their kind. */
function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a YAML scalar (number, boolean) by now
  return `${typeof value} ${String(value)}`;
}

export function valueAt(input: unknown, path: readonly PathKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PathKey, unknown>)[key];
  }
  return node;
}

/**
 * The object shape the schema expects at `path`, so an unknown-key error can list the allowed keys.
 * Walks wrappers (optional, default), arrays and, for a discriminated union, the option the input
 * selects with its discriminator.
 */
export function shapeAt(schema: z.core.$ZodType, path: readonly PathKey[], input: unknown): Record<string, z.core.$ZodType> | undefined {
  let node: z.core.$ZodType = schema;
  let value: unknown = input;
  for (let depth = 0; ; ) {
    if (node instanceof z.ZodOptional || node instanceof z.ZodNullable || node instanceof z.ZodDefault || node instanceof z.ZodPrefault) {
      node = node.unwrap();
    } else if (node instanceof z.ZodDiscriminatedUnion) {
      const key = node.def.discriminator;
      const disc = valueAt(value, [key]);
      const option = node.options.find((o) => o instanceof z.ZodObject && literalValues(o.shape[key]).includes(disc));
      if (!option) return undefined;
      node = option;
    } else if (depth === path.length) {
      return node instanceof z.ZodObject ? (node.shape) : undefined;
    } else if (node instanceof z.ZodArray) {
      node = node.element;
      value = valueAt(value, [path[depth]]);
      depth++;
    } else if (node instanceof z.ZodObject) {
      const child = (node.shape as Record<string, z.core.$ZodType | undefined>)[String(path[depth])];
      if (!child) return undefined;
      node = child;
      value = valueAt(value, [path[depth]]);
      depth++;
    } else {
      return undefined;
    }
  }
}

function literalValues(schema: unknown): unknown[] {
  return schema instanceof z.ZodLiteral ? [...schema.values] : [];
}
