import { EventTextError } from './errors.js';
import type { Leaf } from './operators.js';

/**
 * Where a leaf sits with respect to the arrays above it: the innermost array's id and the element's
 * index, linked to the same for the enclosing array (null outside any array). Two leaves may be used
 * together by one branch only if they agree on every array they share, that is, they come from the
 * same element of each array of objects above both. A linked node per array element is cheaper to
 * build than a copied list, and leaves of one element share their chain.
 */
export interface ArrayPosition {
  readonly array: number;
  readonly index: number;
  readonly outer: ArrayPosition | null;
}

/** The array elements a branch has committed to so far: flat (array id, index) pairs. */
export type Membership = readonly number[];

/** One leaf of an event, under its dotted path (array indexes are not part of the path). */
export interface EventField {
  readonly value: Leaf;
  readonly position: ArrayPosition | null;
}

/** Leaves of an event grouped by dotted path. */
export type EventFields = Map<string, EventField[]>;

/** Read-only leaves by dotted path: an EventFields map, or the slots an event's text was read into. */
export interface FieldsByPath extends Iterable<[string, EventField[]]> {
  get(path: string): EventField[] | undefined;
  readonly size: number;
}

/** Parses event JSON text; unreadable text is an error, not a non-match. */
export function readEvent(event: unknown): unknown {
  if (typeof event !== 'string') return event;
  try {
    return JSON.parse(event);
  } catch (err) {
    throw new EventTextError(`Event is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Flattens an event into leaves by dotted path. With `wanted`, only object keys whose path is in
 * the set are visited (the set holds every dot-prefix of every path some pattern uses), so parts of
 * the event no pattern can see cost one set lookup. A root that is not an object has no fields.
 */
export function flattenEvent(root: unknown, wanted?: ReadonlySet<string>): EventFields {
  const fields: EventFields = new Map();
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return fields;
  let nextArrayId = 0;

  const visit = (value: unknown, path: string, position: ArrayPosition | null): void => {
    if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      let list = fields.get(path);
      if (list === undefined) {
        list = [];
        fields.set(path, list);
      }
      list.push({ value, position });
      return;
    }
    if (typeof value !== 'object') return;
    if (Array.isArray(value)) {
      const id = nextArrayId++;
      for (let i = 0; i < value.length; i++) visit(value[i], path, { array: id, index: i, outer: position });
      return;
    }
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const child = `${path}.${key}`;
      if (wanted === undefined || wanted.has(child))
        visit((value as Record<string, unknown>)[key], child, position);
    }
  };

  for (const key in root) {
    if (!Object.hasOwn(root, key)) continue;
    if (wanted === undefined || wanted.has(key)) visit((root as Record<string, unknown>)[key], key, null);
  }
  return fields;
}

/**
 * Adds a leaf's array elements to those a branch committed to, if they agree on every shared array;
 * undefined when they conflict (the leaf comes from another element of an array already used).
 */
export function joinMembership(
  committed: Membership,
  position: ArrayPosition | null,
): Membership | undefined {
  let extra: number[] | undefined;
  for (let p = position; p !== null; p = p.outer) {
    let shared = false;
    for (let i = 0; i < committed.length; i += 2) {
      if (committed[i] === p.array) {
        if (committed[i + 1] !== p.index) return undefined;
        shared = true;
        break;
      }
    }
    if (!shared) {
      extra ??= [...committed];
      extra.push(p.array, p.index);
    }
  }
  return extra ?? committed;
}
