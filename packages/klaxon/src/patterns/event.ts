import { EventTextError } from './errors.js';
import type { Leaf } from './operators.js';

/**
 * Where a leaf sits with respect to the arrays above it: pairs of (array id, element index), outermost
 * first. Two leaves may be used together by one branch only if they agree on every array they share,
 * that is, they come from the same element of each array of objects above both.
 */
export type Membership = readonly number[];

/** One leaf of an event, under its dotted path (array indexes are not part of the path). */
export interface EventField {
  readonly value: Leaf;
  readonly membership: Membership;
}

/** Leaves of an event grouped by dotted path. */
export type EventFields = Map<string, EventField[]>;

const NO_MEMBERSHIP: Membership = [];

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

  const visit = (value: unknown, path: string, membership: Membership): void => {
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
      list.push({ value, membership });
      return;
    }
    if (typeof value !== 'object') return;
    if (Array.isArray(value)) {
      const id = nextArrayId++;
      for (let i = 0; i < value.length; i++) visit(value[i], path, [...membership, id, i]);
      return;
    }
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const child = `${path}.${key}`;
      if (wanted === undefined || wanted.has(child))
        visit((value as Record<string, unknown>)[key], child, membership);
    }
  };

  for (const key in root) {
    if (!Object.hasOwn(root, key)) continue;
    if (wanted === undefined || wanted.has(key))
      visit((root as Record<string, unknown>)[key], key, NO_MEMBERSHIP);
  }
  return fields;
}

/**
 * Combines two memberships if they agree on every shared array; undefined when they conflict
 * (the two leaves come from different elements of one array).
 */
export function joinMembership(a: Membership, b: Membership): Membership | undefined {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  let extra: number[] | undefined;
  for (let j = 0; j < b.length; j += 2) {
    let shared = false;
    for (let i = 0; i < a.length; i += 2) {
      if (a[i] === b[j]) {
        if (a[i + 1] !== b[j + 1]) return undefined;
        shared = true;
        break;
      }
    }
    if (!shared) {
      extra ??= [...a];
      extra.push(b[j] as number, b[j + 1] as number);
    }
  }
  return extra ?? a;
}
