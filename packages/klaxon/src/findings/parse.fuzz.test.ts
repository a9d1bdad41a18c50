/** Fuzz: arbitrary JSON (and arbitrary mutations of real events) never crash the parser with anything but FindingError. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FindingError } from './errors.js';
import { parseFindings } from './parse.js';

const SAMPLES = fileURLToPath(new URL('../../../../../shared/samples/', import.meta.url));
const realEvents: unknown[] = ['guardduty', 'securityhub', 'securityhub-v2', 'securityhub-extra'].flatMap(
  (folder) =>
    readdirSync(`${SAMPLES}${folder}`).map((name) =>
      JSON.parse(readFileSync(`${SAMPLES}${folder}/${name}`, 'utf8')),
    ),
);

function parsesOrFindingError(value: unknown): void {
  try {
    const findings = parseFindings(value);
    for (const f of findings) {
      expect(typeof f.key).toBe('string');
      expect(Number.isFinite(f.severity.score)).toBe(true);
      // Every Finding must survive a JSON round trip (stores and renderers serialize it).
      JSON.stringify({ ...f, raw: undefined, event: undefined });
    }
  } catch (err) {
    if (!(err instanceof FindingError)) throw err;
  }
}

const detailTypes = fc.constantFrom(
  'GuardDuty Finding',
  'Security Hub Findings - Imported',
  'Security Hub Findings - Custom Action',
  'Findings Imported V2',
  'Something Else',
);

/** Replaces the value at a random path of `value` by `replacement`. */
function mutate(value: unknown, path: readonly number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const [head = 0, ...rest] = path;
  if (Array.isArray(value)) {
    if (value.length === 0) return replacement;
    const i = head % value.length;
    return value.map((v, j) => (j === i ? mutate(v, rest, replacement) : v));
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[head % keys.length]!;
  return { ...value, [key]: mutate((value as Record<string, unknown>)[key], rest, replacement) };
}

describe('parseFindings fuzz', () => {
  it('arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), parsesOrFindingError), { numRuns: 2000 });
  });

  it('envelopes of known detail-types with arbitrary details', () => {
    fc.assert(
      fc.property(detailTypes, fc.jsonValue(), (detailType, detail) =>
        parsesOrFindingError({
          id: 'x',
          'detail-type': detailType,
          source: 's',
          account: '1',
          time: 't',
          region: 'us-east-1',
          detail,
        }),
      ),
      { numRuns: 2000 },
    );
  });

  it('real events with one value anywhere replaced by arbitrary JSON', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...realEvents),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.jsonValue(),
        (event, path, replacement) => parsesOrFindingError(mutate(event, path, replacement)),
      ),
      { numRuns: 3000 },
    );
  });
});
