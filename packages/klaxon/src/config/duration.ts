import { ConfigError } from './errors.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** One or more `<number><unit>` parts, largest first or not: `500ms`, `30s`, `1h30m`, `1.5h`, `7d`. */
export const DURATION_PATTERN = '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+$';
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** What a duration looks like, for error messages. */
export const DURATION_HINT = 'expected a duration such as 500ms, 30s, 5m, 24h, 7d or 1h30m';

/**
 * Converts a duration (`"500ms"`, `"30s"`, `"5m"`, `"24h"`, `"7d"`, `"1w"`, compound `"1h30m"`) to
 * whole milliseconds; a number is taken as milliseconds already. Throws ConfigError otherwise.
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text >= 0) return Math.round(text);
    throw new ConfigError([{ path: '', message: `invalid duration ${text}: ${DURATION_HINT}` }]);
  }
  // The length cap keeps the regex linear on hostile input; no real duration is that long.
  if (text.length > 64 || !DURATION_RE.test(text)) {
    throw new ConfigError([{ path: '', message: `invalid duration '${text}': ${DURATION_HINT}` }]);
  }
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART_RE)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  // A duration longer than Number.MAX_SAFE_INTEGER ms (285,000 years) is a typo, not a setting.
  if (!Number.isSafeInteger(Math.round(total))) {
    throw new ConfigError([{ path: '', message: `invalid duration '${text}': too long` }]);
  }
  return Math.round(total);
}

/** True when `text` is a duration `parseDuration` accepts. */
export function isDuration(text: string): boolean {
  return text.length <= 64 && DURATION_RE.test(text);
}
