import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTransformCase, type TransformCase } from './conformance-cases.js';

interface RecordedCase extends TransformCase {
  readonly outcome: 'delivered' | 'not-delivered' | 'rejected';
  readonly expected?: string;
  readonly expectedJson?: unknown;
  readonly error?: string;
}

const file = fileURLToPath(
  new URL('../../../../../shared/conformance/input-transformer.aws.json', import.meta.url),
);
const cases = JSON.parse(readFileSync(file, 'utf8')) as RecordedCase[];

describe('input transformer conformance (recorded from AWS)', () => {
  it('reads all 34 cases of both kinds', () => {
    expect(cases).toHaveLength(34);
    expect(cases.filter((c) => c.kind === 'inputTransformer')).toHaveLength(28);
    expect(cases.filter((c) => c.kind === 'inputPath')).toHaveLength(6);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const got = runTransformCase(c);
    expect(got.outcome).toBe(c.outcome);
    if (c.outcome === 'rejected') {
      expect(got).toEqual({ outcome: 'rejected', error: c.error });
      return;
    }
    if (c.outcome === 'not-delivered') return;
    if (got.outcome !== 'delivered') throw new Error('unreachable: outcome checked above');
    if (c.expected !== undefined) {
      expect(got.output).toBe(c.expected); // byte-exact where AWS's raw body was kept
    } else {
      expect(c.expectedJson).toBeDefined();
      expect(JSON.parse(got.output)).toEqual(c.expectedJson);
    }
  });
});
