import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';
import { ConfigError } from './errors.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1w', 604_800_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['0s', 0],
    ['1m1ms', 60_001],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('takes a number as milliseconds', () => {
    expect(parseDuration(1500)).toBe(1500);
    expect(parseDuration(0)).toBe(0);
  });

  it.each([
    '',
    '30',
    's',
    '30 s',
    '-5s',
    '1.s',
    '5M',
    '1y',
    '30sec',
    'PT30S',
    '1h 30m',
    `${'9'.repeat(70)}s`,
  ])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(ConfigError);
    expect(() => parseDuration(text)).toThrow(/^invalid duration/);
  });

  it('rejects negative, infinite and absurdly long values', () => {
    expect(() => parseDuration(-1)).toThrow(ConfigError);
    expect(() => parseDuration(Number.POSITIVE_INFINITY)).toThrow(ConfigError);
    expect(() => parseDuration('99999999999999w')).toThrow("invalid duration '99999999999999w': too long");
  });
});
