import { describe, expect, it } from 'vitest';
import { receiptId } from './receipt-id.js';

describe('receiptId', () => {
  it('is a UUID version 7 carrying the time, and ids of later milliseconds sort later', () => {
    const t = Date.UTC(2026, 10, 25, 19, 40, 0, 123);
    const id = receiptId(t);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(t);
    const ids = [t, t + 1, t + 1000, t + 86_400_000].map((ms) => receiptId(ms));
    expect([...ids].sort()).toEqual(ids);
  });

  it('is unique within one millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => receiptId(1_700_000_000_000)));
    expect(ids.size).toBe(10_000);
  });
});
