import { TransformError } from './errors.js';

/** One step of an EventBridge JSON path: an object key, an array index, or `*`. */
export type PathSegment =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' };

/** What a path picked out of an event: nothing, or one JSON value (a list when the path has `*`). */
export type PathSelection = { readonly found: false } | { readonly found: true; readonly value: unknown };

/** Longest path EventBridge accepts as an InputPathsMap value or an InputPath. */
export const MAX_PATH_LENGTH = 256;

// EventBridge documents the subset it evaluates: dot notation with alphanumerics, dashes,
// underscores and forward slashes in names, array indices and `*`. Bracketed names (`['a b']`)
// are not part of it ("You must use JSON dot notation, not bracket notation").
const SEGMENT = /\.([A-Za-z0-9_\-/]+|\*)|\[(\d+|\*)\]/y;

/** Parses an EventBridge JSON path (`$`, `$.detail.id`, `$.resources[0]`, `$.detail.items[*].id`); throws TransformError naming the path. */
export function parsePath(path: string, what = 'path'): readonly PathSegment[] {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TransformError(
      `${what} must be a non-empty JSON path starting with "$", got ${describe(path)}.`,
    );
  }
  if (path.length > MAX_PATH_LENGTH) {
    throw new TransformError(
      `${what} is ${path.length} characters long; at most ${MAX_PATH_LENGTH} are allowed.`,
    );
  }
  if (path[0] !== '$') {
    throw new TransformError(
      `${what} ${JSON.stringify(path)} is not a valid JSON path: it must start with "$".`,
    );
  }
  const segments: PathSegment[] = [];
  let at = 1;
  while (at < path.length) {
    SEGMENT.lastIndex = at;
    const m = SEGMENT.exec(path);
    if (m === null) {
      throw new TransformError(
        `${what} ${JSON.stringify(path)} is not a valid JSON path at character ${at + 1}: EventBridge accepts ` +
          '".name" (letters, digits, "-", "_", "/"), "[index]" and "*" steps.',
      );
    }
    const name = m[1];
    const index = m[2];
    if (name === '*' || index === '*') segments.push({ kind: 'wildcard' });
    else if (name !== undefined) segments.push({ kind: 'key', key: name });
    else segments.push({ kind: 'index', index: Number(index) });
    at = SEGMENT.lastIndex;
  }
  return segments;
}

/**
 * Evaluates parsed path segments against a value. Without `*` the result is the one value found;
 * with `*` it is the flat list of every match (possibly empty), as Jayway JsonPath answers.
 */
export function selectPath(root: unknown, segments: readonly PathSegment[]): PathSelection {
  const hasWildcard = segments.some((s) => s.kind === 'wildcard');
  let current: unknown[] = [root];
  for (const segment of segments) {
    const next: unknown[] = [];
    for (const value of current) step(value, segment, next);
    current = next;
    if (current.length === 0) break;
  }
  if (hasWildcard) return { found: true, value: current };
  const [only] = current;
  return current.length === 1 && only !== undefined ? { found: true, value: only } : { found: false };
}

function step(value: unknown, segment: PathSegment, out: unknown[]): void {
  if (typeof value !== 'object' || value === null) return;
  if (segment.kind === 'index') {
    if (Array.isArray(value) && segment.index < value.length) pushDefined(out, value[segment.index]);
    return;
  }
  if (segment.kind === 'key') {
    // Own properties only: a path must never reach Object.prototype (`$.constructor`, `$.__proto__`).
    if (!Array.isArray(value) && Object.hasOwn(value, segment.key)) {
      pushDefined(out, (value as Record<string, unknown>)[segment.key]);
    }
    return;
  }
  for (const child of Array.isArray(value) ? value : Object.values(value)) pushDefined(out, child);
}

function pushDefined(out: unknown[], v: unknown): void {
  // `undefined` cannot come from JSON; treating it as absent keeps in-process callers honest.
  if (v !== undefined) out.push(v);
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : typeof v;
}

/** JSON text of a value taken from an event; throws TransformError for what JSON cannot hold (BigInt, cycles, functions). */
export function toJson(v: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(v);
  } catch (err) {
    throw new TransformError('the event holds a value that cannot be written as JSON.', { cause: err });
  }
  if (json === undefined) throw new TransformError('the event holds a value that cannot be written as JSON.');
  return json;
}
