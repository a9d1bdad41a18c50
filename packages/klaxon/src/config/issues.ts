import { z } from 'zod';
import type { ConfigIssue } from './errors.js';
import { type ConfigPath, formatPath } from './path.js';

/**
 * Turns zod issues into Klaxon's config issues: one per problem, located by a path users can read
 * (`rules[0].notfiy`), in plain words (`unknown key (did you mean 'notify'?)`). Values from the
 * document are quoted only where they are names the user typed (types, keys), never whole strings,
 * so a secret in a wrong place is not echoed back.
 */
export function toConfigIssues(error: z.ZodError, document: unknown, schema: z.ZodType): LocatedIssue[] {
  const found: LocatedIssue[] = [];
  for (const issue of error.issues) collect(issue as z.core.$ZodIssue, [], document, schema, found);
  return found;
}

/** A problem at a path not yet formatted, so that problems can be put in the order of the document. */
export interface LocatedIssue {
  readonly path: ConfigPath;
  readonly message: string;
}

/**
 * Sorts problems by where they are in the document (zod reports unknown keys after an object's
 * fields, and cross-checks run section by section; users read top to bottom), then formats paths.
 * Problems at the same place keep their order; a path the document lacks sorts after its siblings.
 */
export function inDocumentOrder(document: unknown, issues: readonly LocatedIssue[]): ConfigIssue[] {
  const keyed = issues.map((issue, i) => ({ issue, i, order: documentOrder(document, issue.path) }));
  keyed.sort((a, b) => compareOrder(a.order, b.order) || a.i - b.i);
  return keyed.map(({ issue }) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** The position of each step of `path` among its siblings, in the order the document wrote them. */
function documentOrder(document: unknown, path: ConfigPath): number[] {
  const order: number[] = [];
  let at: unknown = document;
  for (const key of path) {
    if (Array.isArray(at) && typeof key === 'number') {
      order.push(key);
      at = at[key];
    } else if (at !== null && typeof at === 'object' && !Array.isArray(at)) {
      const index = Object.keys(at).indexOf(String(key));
      order.push(index < 0 ? Number.MAX_SAFE_INTEGER : index);
      at = index < 0 ? undefined : (at as Record<string, unknown>)[String(key)];
    } else {
      order.push(Number.MAX_SAFE_INTEGER);
      at = undefined;
    }
  }
  return order;
}

function compareOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function collect(
  issue: z.core.$ZodIssue,
  base: ConfigPath,
  document: unknown,
  schema: z.ZodType,
  out: LocatedIssue[],
): void {
  const path: ConfigPath = [...base, ...(issue.path as PropertyKey[])];
  const value = valueAt(document, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schema, document, path);
      for (const key of issue.keys) {
        const hint = suggestion(key, known);
        out.push({ path: [...path, key], message: `unknown key${hint}` });
      }
      return;
    }
    case 'invalid_type': {
      if (value === undefined) {
        out.push({ path, message: 'required' });
      } else {
        out.push({
          path,
          message: customOr(issue, `expected ${article(issue.expected)}, got ${kindOf(value)}`),
        });
      }
      return;
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => String(v)).join(', ');
      out.push({ path, message: customOr(issue, `expected one of: ${allowed}`) });
      return;
    }
    case 'invalid_union': {
      const disc = (issue as { discriminator?: string }).discriminator;
      const options = (issue as { options?: unknown[] }).options;
      if (disc !== undefined && options !== undefined) {
        const allowed = options.map(String).join(', ');
        const what = path.includes('actions') ? 'action type' : path[0] === 'outputs' ? 'output type' : disc;
        const message =
          value === undefined
            ? `required; one of: ${allowed}`
            : typeof value === 'string'
              ? `unknown ${what} '${clip(value)}'; expected one of: ${allowed}`
              : `expected one of: ${allowed}, got ${kindOf(value)}`;
        out.push({ path, message });
        return;
      }
      out.push({ path, message: issue.message });
      return;
    }
    case 'invalid_key': {
      for (const inner of issue.issues) {
        out.push({ path, message: (inner as { message: string }).message });
      }
      return;
    }
    case 'invalid_element': {
      for (const inner of issue.issues) collect(inner, path, document, schema, out);
      return;
    }
    case 'too_small':
    case 'too_big':
      out.push({ path, message: customOr(issue, sizeMessage(issue, value)) });
      return;
    default:
      out.push({ path, message: issue.message });
  }
}

// zod puts its own default text in `message` unless the schema gave one; ours never start with these.
function customOr(issue: z.core.$ZodIssue, fallback: string): string {
  return /^(Invalid|Too (small|big))/.test(issue.message) ? fallback : issue.message;
}

function sizeMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, value: unknown): string {
  const small = issue.code === 'too_small';
  const bound = small
    ? (issue as z.core.$ZodIssueTooSmall).minimum
    : (issue as z.core.$ZodIssueTooBig).maximum;
  const inclusive = issue.inclusive !== false;
  const cmp = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
  if (typeof value === 'string') return `must be ${cmp} ${bound} characters long`;
  if (Array.isArray(value)) return `must have ${cmp} ${bound} items`;
  return `must be ${cmp} ${bound}`;
}

function article(expected: string): string {
  const words: Record<string, string> = {
    object: 'a mapping',
    record: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    never: 'nothing (no output types are registered)',
  };
  return words[expected] ?? expected;
}

/** What a YAML/JSON value is, in the words of the document's author. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'object':
      return 'a mapping';
    case 'string':
      return 'a string';
    case 'number':
      return Number.isInteger(value) ? 'a whole number' : 'a number';
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return typeof value;
  }
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function valueAt(document: unknown, path: ConfigPath): unknown {
  let at: unknown = document;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    if (!Object.hasOwn(at, key)) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

/** The keys a strict object at `path` allows, found by walking the schema alongside the document. */
function knownKeys(schema: z.ZodType, document: unknown, path: ConfigPath): string[] {
  let at: z.ZodType | undefined = schema;
  let value: unknown = document;
  for (let i = 0; i <= path.length && at !== undefined; i++) {
    at = unwrap(at, value);
    if (i === path.length) break;
    const key = path[i] as PropertyKey;
    value =
      value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    if (at instanceof z.ZodObject) at = (at.shape as Record<PropertyKey, z.ZodType>)[key];
    else if (at instanceof z.ZodArray) at = at.element as z.ZodType;
    else if (at instanceof z.ZodRecord) at = at.valueType as z.ZodType;
    else at = undefined;
  }
  return at instanceof z.ZodObject ? Object.keys(at.shape) : [];
}

// Looks through wrappers (optional, default, pipe…) and picks the discriminated-union member `value` selects.
function unwrap(schema: z.ZodType, value: unknown): z.ZodType | undefined {
  let at: z.ZodType | undefined = schema;
  for (let depth = 0; depth < 16 && at !== undefined; depth++) {
    const def = (at as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    if ('innerType' in def) at = def.innerType as z.ZodType;
    else if (def.type === 'pipe') at = def.in as z.ZodType;
    else if (at instanceof z.ZodDiscriminatedUnion) {
      const disc = def.discriminator as string;
      const tag =
        value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[disc] : undefined;
      at = (at.options as z.ZodType[]).find(
        (option) => option instanceof z.ZodObject && literalOf(option.shape[disc]) === tag,
      );
    } else return at;
  }
  return at;
}

function literalOf(schema: unknown): unknown {
  return schema instanceof z.ZodLiteral ? schema.value : undefined;
}

/** ` (did you mean 'notify'?)` for a near miss, else the allowed keys. */
function suggestion(key: string, known: readonly string[]): string {
  if (known.length === 0) return '';
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3))) {
    return ` (did you mean '${best}'?)`;
  }
  return `; expected one of: ${known.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
