import { describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../errors.js';
import { parseCommandFlags } from './flags.js';

describe('parseCommandFlags', () => {
  it('returns the values and positionals it was asked for', () => {
    const parsed = parseCommandFlags(['--db', 'x.db', 'a', 'b'], { db: { type: 'string' } }, 'usage', true);
    expect(parsed).not.toBe('help');
    if (parsed === 'help') return;
    expect(parsed.values.db).toBe('x.db');
    expect(parsed.positionals).toEqual(['a', 'b']);
  });

  it('turns an unknown flag or a stray positional into a UsageError pointing at --help', () => {
    const unknown = () => parseCommandFlags(['--nope'], { db: { type: 'string' } }, 'usage');
    expect(unknown).toThrow(UsageError);
    expect(unknown).toThrow(/'--nope'.*; see --help$/);
    expect(() => parseCommandFlags(['stray'], {}, 'usage')).toThrow(/; see --help$/);
  });

  it('prints the help text for --help and -h and signals it', () => {
    for (const flag of ['--help', '-h']) {
      let out = '';
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        out += String(chunk);
        return true;
      });
      try {
        expect(parseCommandFlags([flag], {}, 'usage: klaxon x')).toBe('help');
      } finally {
        spy.mockRestore();
      }
      expect(out).toBe('usage: klaxon x\n');
    }
  });
});
