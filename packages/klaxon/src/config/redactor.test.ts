import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Redactor } from './redactor.js';

describe('Redactor', () => {
  it('masks every occurrence of every secret', () => {
    const r = new Redactor(['xoxb-123-secret', 'hunter22']);
    expect(r.redact('token xoxb-123-secret, again xoxb-123-secret; pw hunter22')).toBe(
      'token ***, again ***; pw ***',
    );
  });

  it('masks the URL-encoded and JSON-escaped forms', () => {
    const secret = 'p@ss/w rd"+\\';
    const r = new Redactor([secret]);
    expect(r.redact(`https://x.example/?k=${encodeURIComponent(secret)}`)).toBe('https://x.example/?k=***');
    expect(r.redact(JSON.stringify({ k: secret }))).toBe('{"k":"***"}');
    expect(r.redact(`raw ${secret}`)).toBe('raw ***');
  });

  it('masks a secret containing another one whole', () => {
    const r = new Redactor(['abcd', 'xxabcdxx']);
    expect(r.redact('xxabcdxx abcd')).toBe('*** ***');
  });

  it('treats regex metacharacters literally', () => {
    const r = new Redactor(['a.b*c']);
    expect(r.redact('aXbbbc a.b*c')).toBe('aXbbbc ***');
  });

  it('leaves text alone without secrets, and ignores values too short to be secrets', () => {
    expect(new Redactor().redact('hello')).toBe('hello');
    const r = new Redactor(['', 'a', 'abc']);
    expect(r.size).toBe(0);
    expect(r.redact('a abc')).toBe('a abc');
  });

  it('with() adds secrets without forgetting the old ones', () => {
    const r = new Redactor(['first-secret']).with(['second-secret']);
    expect(r.redact('first-secret second-secret')).toBe('*** ***');
    expect(r.size).toBe(2);
  });

  it('never leaves a secret in any text (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4, maxLength: 30 }), fc.array(fc.string()), (secret, parts) => {
        const text = parts.join(secret);
        expect(new Redactor([secret]).redact(text).includes(secret)).toBe(false);
      }),
    );
  });
});
