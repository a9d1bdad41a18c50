import { describe, expect, it } from 'vitest';
import { formatPath } from './path.js';

describe('formatPath', () => {
  it('writes paths the way users write them', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['rules', 2, 'pattern', 'detail-type'])).toBe('rules[2].pattern.detail-type');
    expect(formatPath(['accounts', '111122223333'])).toBe('accounts.111122223333');
    expect(formatPath(['outputs', 'sec ops', 'url'])).toBe('outputs["sec ops"].url');
    expect(formatPath(['a.b', 'c\nd'])).toBe('["a.b"]["c\\nd"]');
  });

  it('cuts a pathological key', () => {
    expect(formatPath(['x'.repeat(500)])).toBe(`["${'x'.repeat(80)}…"]`);
  });
});
