import { describe, expect, it } from 'vitest';
import { Redactor } from '../config/redactor.js';
import {
  isRetryableStatus,
  networkDeliveryError,
  parseRetryAfter,
  redactedCause,
} from './delivery-failure.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 1.5 ', NOW)).toBe(1500);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', NOW)).toBe(30_000);
    // A date in the past means "now", never a negative wait.
    expect(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', NOW)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    for (const bad of [null, undefined, '', '-5', '5s', 'soon', '12abc', 'Tomorrow-ish']) {
      expect(parseRetryAfter(bad, NOW)).toBeUndefined();
    }
  });
});

describe('isRetryableStatus', () => {
  it('retries timeouts, throttling and server errors only', () => {
    const retryable = [400, 401, 403, 404, 408, 409, 413, 422, 425, 429, 500, 502, 503, 504].filter(
      isRetryableStatus,
    );
    expect(retryable).toEqual([408, 425, 429, 500, 502, 503, 504]);
  });
});

describe('redactedCause', () => {
  it('keeps name, code and chain while masking secrets everywhere, stack included', () => {
    const inner = Object.assign(new Error('connect to https://h/x?token=SECRET-TOKEN-1 refused'), {
      code: 'ECONNREFUSED',
    });
    const outer = new TypeError('fetch failed for SECRET-TOKEN-1', { cause: inner });
    const safe = redactedCause(outer, new Redactor(['SECRET-TOKEN-1']));
    expect(safe.name).toBe('TypeError');
    expect(safe.message).toBe('fetch failed for ***');
    expect((safe.cause as Error & { code: string }).code).toBe('ECONNREFUSED');
    expect(
      JSON.stringify([safe.stack, (safe.cause as Error).stack, (safe.cause as Error).message]),
    ).not.toContain('SECRET-TOKEN-1');
  });

  it('turns a network failure into a retryable error naming the underlying cause', () => {
    const error = networkDeliveryError(
      new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }),
      'pagerduty',
      [],
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('pagerduty: request failed: fetch failed (connect ECONNREFUSED 127.0.0.1:9)');
  });
});
