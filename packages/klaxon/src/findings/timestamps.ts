/**
 * Finding times arrive in several spellings: ISO-8601 (`2019-10-24T21:23:59.078Z`), ISO with a
 * space and no zone (`2025-02-25 20:40:06.721`, Panther-normalized GuardDuty), nanosecond
 * fractions (`2025-02-25 20:40:06.000000000`), epoch seconds (OCSF `time`, S3 `createdAt`) and
 * epoch milliseconds (GuardDuty `launchTime`, OCSF `*_time`). We turn every parseable one into
 * `Date.prototype.toISOString()` form so times sort and compare as text, and keep anything else
 * verbatim, because a responder would rather see the product's text than nothing.
 */
import { text } from './json-reader.js';

const ISO_LIKE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

// Epoch values below this are seconds, above are milliseconds: 1e11 s is the year 5138, 1e11 ms is 1973.
const MILLISECONDS_THRESHOLD = 1e11;

/** ISO-8601 (UTC, millisecond precision) when `value` is a recognizable time, the product's text otherwise. */
export function normalizeTimestamp(value: unknown): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined;
    const ms = value >= MILLISECONDS_THRESHOLD ? value : value * 1000;
    const date = new Date(Math.trunc(ms));
    return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
  }
  const raw = text(value);
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return parseIsoLike(trimmed) ?? trimmed;
}

function parseIsoLike(value: string): string | undefined {
  const m = ISO_LIKE.exec(value);
  if (m === null) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  // Fractions beyond milliseconds (nanoseconds in some exports) are truncated, not rounded.
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  let epoch = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(epoch);
  // Date.UTC silently rolls 31 February over into March; such a value is text, not a time.
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined;
  // No zone means UTC: every AWS security product writes UTC, and local time would make the
  // result depend on the machine running Klaxon.
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMinutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    epoch -= sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  const date = new Date(epoch);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
