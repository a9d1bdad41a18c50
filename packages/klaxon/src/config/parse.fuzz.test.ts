// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are literal config text here
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, parseConfig } from './index.js';

const good = readFileSync(new URL('./testdata/good.yaml', import.meta.url), 'utf8');

/** parseConfig must either return a config or throw ConfigError: nothing else, ever. */
function onlyConfigErrors(text: string): void {
  try {
    parseConfig(text, 'fuzz.yaml');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    expect(err.issues.length).toBeGreaterThan(0);
    for (const issue of err.issues) expect(typeof issue.message).toBe('string');
  }
}

// Values that reach deep into the schema: real keys and plausible values mixed with junk.
const scalar = fc.oneof(
  fc.constantFrom(
    'console',
    'file',
    'webhook',
    'aws.guardduty',
    '30s',
    '0s',
    '${env:X}',
    '$${',
    '${',
    'sg-0123456789abcdef0',
  ),
  fc.constantFrom(
    '2026-12-31T00:00:00Z',
    'NOTIFIED',
    'ec2-isolate',
    'account',
    '__proto__',
    'constructor',
    '{{finding.title}}',
  ),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(
      fc.constantFrom(
        'type',
        'name',
        'pattern',
        'notify',
        'source',
        'numeric',
        'prefix',
        'path',
        'url',
        'until',
        'reason',
        'inputTemplate',
        'inputPathsMap',
        'inputPath',
        'by',
        'wait',
        'on',
        'every',
        'x',
      ),
      tie('node'),
      { maxKeys: 4 },
    ),
  ),
})).node;
const document = fc.record(
  {
    accounts: fc.dictionary(fc.string({ maxLength: 13 }), scalar, { maxKeys: 2 }),
    outputs: fc.dictionary(fc.constantFrom('a', 'b', 'sec ops'), value, { maxKeys: 3 }),
    rules: fc.array(value, { maxLength: 3 }),
    silences: fc.array(value, { maxLength: 2 }),
    settings: value,
  },
  { requiredKeys: [] },
);

describe('parseConfig fuzz', () => {
  it('arbitrary text throws only ConfigError', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), onlyConfigErrors), { numRuns: 200 });
  });

  it('arbitrary YAML documents throw only ConfigError', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => onlyConfigErrors(stringify(v) ?? '')),
      { numRuns: 150 },
    );
  });

  it('config-shaped documents throw only ConfigError', () => {
    fc.assert(
      fc.property(document, (doc) => onlyConfigErrors(stringify(doc))),
      { numRuns: 200 },
    );
  });

  it('mutations of good.yaml throw only ConfigError', () => {
    const edit = fc.record({
      at: fc.nat({ max: good.length }),
      cut: fc.nat({ max: 20 }),
      insert: fc.oneof(
        fc.constantFrom(
          ':',
          '- ',
          '{',
          '}',
          '[',
          ']',
          '"',
          "'",
          '\n  ',
          '&a ',
          '*a ',
          '!!str ',
          '#',
          '${',
          '<<: ',
        ),
        fc.string({ maxLength: 5 }),
      ),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let text = good;
        for (const e of edits) text = text.slice(0, e.at) + e.insert + text.slice(e.at + e.cut);
        onlyConfigErrors(text);
      }),
      { numRuns: 150 },
    );
  });

  it('a document of many aliases (billion laughs) is refused, not expanded', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    expect(() => parseConfig(lines.join('\n'), 'laughs.yaml')).toThrow(ConfigError);
  });
});
