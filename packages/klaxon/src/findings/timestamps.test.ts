import { describe, expect, it } from 'vitest';
import { normalizeTimestamp } from './timestamps.js';

describe('normalizeTimestamp', () => {
  it.each([
    ['2019-10-24T21:23:59.078Z', '2019-10-24T21:23:59.078Z'],
    ['2019-03-29T23:03:32Z', '2019-03-29T23:03:32.000Z'],
    // Panther-normalized GuardDuty times: space separator, no zone (UTC), nanoseconds.
    ['2025-02-25 20:40:06.721', '2025-02-25T20:40:06.721Z'],
    ['2025-02-25 20:40:06.000000000', '2025-02-25T20:40:06.000Z'],
    ['2020-05-27T05:37:40+02:00', '2020-05-27T03:37:40.000Z'],
    ['2020-05-27T03:37:40-0130', '2020-05-27T05:07:40.000Z'],
    ['2023-01-01', '2023-01-01T00:00:00.000Z'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeTimestamp(input)).toBe(expected);
  });

  it('reads epoch seconds and epoch milliseconds', () => {
    expect(normalizeTimestamp(1672531200)).toBe('2023-01-01T00:00:00.000Z');
    expect(normalizeTimestamp(1513612691.551)).toBe('2017-12-18T15:58:11.551Z');
    expect(normalizeTimestamp(1492735675000)).toBe('2017-04-21T00:47:55.000Z');
  });

  it('keeps unparseable product text verbatim and drops non-times', () => {
    expect(normalizeTimestamp('yesterday at noon')).toBe('yesterday at noon');
    expect(normalizeTimestamp('2021-02-31T00:00:00Z')).toBe('2021-02-31T00:00:00Z');
    expect(normalizeTimestamp('2021-13-01')).toBe('2021-13-01');
    expect(normalizeTimestamp('')).toBeUndefined();
    expect(normalizeTimestamp(null)).toBeUndefined();
    expect(normalizeTimestamp(-5)).toBeUndefined();
    expect(normalizeTimestamp({})).toBeUndefined();
  });

  it('does not depend on the local time zone of the machine', () => {
    const before = process.env.TZ;
    process.env.TZ = 'Asia/Kolkata';
    try {
      expect(normalizeTimestamp('2025-02-25 20:40:06.721')).toBe('2025-02-25T20:40:06.721Z');
    } finally {
      process.env.TZ = before;
    }
  });
});
