/**
 * Reading untrusted JSON without trusting its shape. Every finding field comes from the network
 * (and partly from attackers), so nothing here assumes a type, and only own properties are read:
 * a key such as `constructor` or `__proto__` in an event must never reach Object.prototype.
 */
import { FindingError } from './errors.js';

/** A JSON object (not null, not an array). */
export type JsonObject = Readonly<Record<string, unknown>>;

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `keys` below `value` (own properties and array indices only), else undefined. */
export function at(value: unknown, ...keys: readonly (string | number)[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof key === 'number') {
      if (!Array.isArray(current) || key < 0 || key >= current.length) return undefined;
      current = current[key];
    } else {
      if (!isObject(current) || !Object.hasOwn(current, key)) return undefined;
      current = current[key];
    }
  }
  return current;
}

/** A non-blank string at `keys` (as given, not trimmed), else undefined. */
export function textAt(value: unknown, ...keys: readonly (string | number)[]): string | undefined {
  return text(at(value, ...keys));
}

/** `value` when it is a non-blank string, else undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** A string, finite number or boolean rendered as text (for fields products emit either way). */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return String(value);
  return text(value);
}

/** `value` when it is an array, else an empty list. */
export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A finite number, or a string holding one (some producers quote numbers), else undefined. */
export function numberValue(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** A whole number above zero (as numberValue reads it), else undefined: a count that means something. */
export function positiveInteger(value: unknown): number | undefined {
  const n = numberValue(value);
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** `true`/`false` or their string spellings in any case (MozDef-era events carry `"True"`). */
export function booleanValue(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

/** The JSON path of `key` below `base`, e.g. `detail.findings[1].Id`. */
export function childPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}

/** A required non-blank string, or a FindingError naming its path. */
export function requireText(value: JsonObject, key: string, base: string): string {
  const found = at(value, key);
  const path = childPath(base, key);
  if (found === undefined || found === null) throw new FindingError(path, 'required');
  const result = text(found);
  if (result === undefined)
    throw new FindingError(path, `must be a non-empty string, got ${describe(found)}`);
  return result;
}

/** A short, safe description of a received value for error messages (never the value itself). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.trim() === '' ? 'an empty string' : 'a string';
  return `a ${typeof value}`;
}
