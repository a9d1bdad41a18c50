import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyInputPath,
  applyInputTransformer,
  findUndeliverableTemplate,
  type InputTransformer,
  TransformError,
} from './index.js';

const ctx = {
  ruleName: 'r',
  ruleArn: 'arn:aws:events:us-east-1:111122223333:rule/r',
  ingestionTime: '2026-01-01T00:00:00Z',
};

const keys = fc.constantFrom('a', 'b', 'detail-type', 'x_1', 'AWS.x', 'a b', '__proto__', 'constructor');
const paths = fc.oneof(
  fc.constantFrom(
    '$',
    '$.a',
    '$.a.b',
    '$.a[0]',
    '$.a[*].b',
    '$.*',
    '$.__proto__',
    '$.a..b',
    'a',
    "$['a']",
    '$.a[1]',
  ),
  fc.string({ maxLength: 20 }),
);
const fragment = fc.oneof(
  fc.constantFrom('{', '}', '[', ']', '"', ':', ',', ' ', '\\', '\n', 'x', '"k": ', '<', '>'),
  keys.map((k) => `<${k}>`),
  fc.constantFrom(
    '<aws.events.event>',
    '<aws.events.event.json>',
    '<aws.events.rule-name>',
    '<aws.events.event.ingestion-time>',
  ),
  fc.string({ maxLength: 6 }),
);
const template = fc.array(fragment, { maxLength: 16 }).map((parts) => parts.join(''));
const transformer: fc.Arbitrary<InputTransformer> = fc.record(
  { inputPathsMap: fc.dictionary(keys, paths, { maxKeys: 5 }), inputTemplate: template },
  { requiredKeys: ['inputTemplate'] },
);
const events = fc.oneof(
  fc.jsonValue(),
  fc.record({ a: fc.jsonValue(), b: fc.jsonValue(), 'detail-type': fc.string(), id: fc.string() }),
);

function onlyTransformErrors(f: () => void): void {
  try {
    f();
  } catch (err) {
    if (!(err instanceof TransformError)) throw err;
  }
}

describe('input transformer fuzz', () => {
  it('arbitrary events and transformers never throw anything but TransformError', () => {
    fc.assert(
      fc.property(events, transformer, (event, t) => {
        onlyTransformErrors(() => {
          const r = applyInputTransformer(event, t, ctx);
          // A JSON-template body is always JSON; a not-delivered result always says why.
          if (r.delivered && /^\s*[{[]/.test(t.inputTemplate)) JSON.parse(r.body);
          if (!r.delivered) expect(r.reason.length).toBeGreaterThan(0);
        });
        onlyTransformErrors(() => void findUndeliverableTemplate(t));
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary InputPaths never throw anything but TransformError, and deliver JSON', () => {
    fc.assert(
      fc.property(events, fc.option(paths, { nil: null }), (event, path) => {
        onlyTransformErrors(() => void JSON.parse(applyInputPath(event, path)));
      }),
      { numRuns: 1000 },
    );
  });

  it('any string value survives a JSON template unchanged, quoted or not', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite' }), (value) => {
        const r = applyInputTransformer(
          { detail: { v: value } },
          {
            inputPathsMap: { v: '$.detail.v' },
            inputTemplate: '{"raw": <v>, "quoted": "<v>", "both": "[<v>]"}',
          },
          ctx,
        );
        expect(r.delivered).toBe(true);
        if (r.delivered)
          expect(JSON.parse(r.body)).toEqual({ raw: value, quoted: value, both: `[${value}]` });
      }),
      { numRuns: 500 },
    );
  });

  it('a template that findUndeliverableTemplate passes and that validates delivers scalar events', () => {
    fc.assert(
      fc.property(transformer, fc.record({ a: fc.string(), b: fc.double() }), (t, event) => {
        if (findUndeliverableTemplate(t) !== undefined) return;
        let r: ReturnType<typeof applyInputTransformer>;
        try {
          r = applyInputTransformer(event, t, ctx);
        } catch (err) {
          if (err instanceof TransformError) return;
          throw err;
        }
        // Paths into this event only reach strings and numbers, or `$`/`*` (statically flagged when quoted).
        if (!r.delivered) expect(r.reason).toMatch(/inside a quoted JSON string/);
      }),
      { numRuns: 2000 },
    );
  });
});
