import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  applyInputPath,
  applyInputTransformer,
  compileInputTransformer,
  findUndeliverableTemplate,
  type InputTransformer,
  type TransformContext,
  TransformError,
  validateInputTransformer,
  validateTargetInput,
} from './index.js';

const ctx: TransformContext = {
  ruleName: 'gd-high',
  ruleArn: 'arn:aws:events:eu-west-1:111122223333:rule/gd-high',
  ingestionTime: '2026-01-02T03:04:05Z',
};

const event = {
  version: '0',
  id: 'e-1',
  'detail-type': 'GuardDuty Finding',
  source: 'aws.guardduty',
  account: '111122223333',
  time: '2026-01-02T03:04:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:ec2:eu-west-1:111122223333:instance/i-1'],
  detail: {
    severity: 7.5,
    count: 3,
    archived: false,
    nothing: null,
    type: 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom',
    ua: 'curl "quoted" \\ back\nslash\u2028',
    tags: [{ key: 'Name', value: 'web "1"' }],
    'aws/guardduty': { path: 'slash-key' },
  },
};

function body(t: InputTransformer, e: unknown = event): string {
  const r = applyInputTransformer(e, t, ctx);
  if (!r.delivered) throw new Error(`not delivered: ${r.reason}`);
  return r.body;
}

function rejection(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(TransformError);
    return (err as Error).message;
  }
  throw new Error('expected a TransformError');
}

describe('validateInputTransformer', () => {
  it('accepts 100 map entries and refuses 101', () => {
    const map = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, '$.id']));
    expect(() => validateInputTransformer({ inputPathsMap: map(100), inputTemplate: '"x"' })).not.toThrow();
    expect(
      rejection(() => validateInputTransformer({ inputPathsMap: map(101), inputTemplate: '"x"' }, 't1')),
    ).toBe('InputPathsMap for target t1 has 101 entries; at most 100 are allowed.');
  });

  it('refuses keys that start with AWS. in any case, and keys outside [A-Za-z0-9_-]', () => {
    for (const key of ['AWS.x', 'aws.events.rule-name']) {
      expect(
        rejection(() => validateInputTransformer({ inputPathsMap: { [key]: '$.id' }, inputTemplate: '"x"' })),
      ).toMatch(/is reserved: keys cannot start with "AWS\."/);
    }
    for (const key of ['a b', 'a.b', 'é', 'x'.repeat(257), '']) {
      expect(
        rejection(() => validateInputTransformer({ inputPathsMap: { [key]: '$.id' }, inputTemplate: '"x"' })),
      ).toMatch(/is not valid: use 1 to 256 characters/);
    }
    expect(() =>
      validateInputTransformer({
        inputPathsMap: { [`A-z_0${'x'.repeat(251)}`]: '$.id' },
        inputTemplate: '"x"',
      }),
    ).not.toThrow();
  });

  it('refuses values that are not EventBridge JSON paths, or longer than 256', () => {
    for (const path of [
      'detail.id',
      '$.',
      '$..id',
      "$['id']",
      '$.a b',
      '$.a[x]',
      '$.a[-1]',
      `$.${'a'.repeat(255)}`,
    ]) {
      expect(
        rejection(() =>
          validateInputTransformer({ inputPathsMap: { k: path }, inputTemplate: '"<k>"' }, 't'),
        ),
      ).toMatch(/^InputPathsMap value for key "k" of target t /);
    }
    for (const path of [
      '$',
      '$.detail-type',
      '$.resources[0]',
      '$.detail.tags[*].value',
      '$.detail.aws/guardduty.path',
      '$.*',
    ]) {
      expect(() =>
        validateInputTransformer({ inputPathsMap: { k: path }, inputTemplate: '"<k>"' }),
      ).not.toThrow();
    }
  });

  it('limits the template to 1..8192 characters', () => {
    expect(rejection(() => validateInputTransformer({ inputTemplate: '' }, 't'))).toBe(
      'InputTemplate for target t must be 1 to 8192 characters long, got 0.',
    );
    expect(() => validateInputTransformer({ inputTemplate: `"${'a'.repeat(8190)}"` })).not.toThrow();
    expect(rejection(() => validateInputTransformer({ inputTemplate: `"${'a'.repeat(8191)}"` }))).toMatch(
      /got 8193\./,
    );
  });

  it("reports the first unknown placeholder with AWS's exact text; predefined variables need no map", () => {
    expect(
      rejection(() =>
        validateInputTransformer({ inputPathsMap: { a: '$.id' }, inputTemplate: '"<a> <b> <c>"' }, 'tg-9'),
      ),
    ).toBe('InputTemplate for target tg-9 contains invalid placeholder b.');
    expect(rejection(() => validateInputTransformer({ inputTemplate: '"<aws.events.rule-ARN>"' }, 'x'))).toBe(
      'InputTemplate for target x contains invalid placeholder aws.events.rule-ARN.',
    );
    // HTML-ish text is a placeholder too: `<` and `>` cannot be escaped in a template.
    expect(rejection(() => validateInputTransformer({ inputTemplate: '"<b>bold</b>"' }, 'x'))).toMatch(
      /placeholder b\.$/,
    );
    expect(() =>
      validateInputTransformer({
        inputTemplate:
          '{"a": <aws.events.rule-name>, "b": <aws.events.rule-arn>, "c": <aws.events.event>, "d": <aws.events.event.json>, "e": <aws.events.event.ingestion-time>}',
      }),
    ).not.toThrow();
  });

  it('refuses a placeholder used as an object key, quoted or not', () => {
    for (const inputTemplate of ['{<k>: 1}', '{"<k>": 1}', '{"a": {"x-<k>": 1}}']) {
      expect(
        rejection(() => validateInputTransformer({ inputPathsMap: { k: '$.id' }, inputTemplate }, 't')),
      ).toBe(
        'InputTemplate for target t uses placeholder k as an object key, which EventBridge does not allow in a JSON template.',
      );
    }
  });

  it('refuses non-object shapes from untyped callers with a TransformError', () => {
    expect(rejection(() => validateInputTransformer(null as never))).toMatch(/must be an object/);
    expect(rejection(() => validateInputTransformer({ inputTemplate: 5 } as never))).toMatch(
      /must be a string/,
    );
    expect(
      rejection(() => validateInputTransformer({ inputPathsMap: [] as never, inputTemplate: '"x"' })),
    ).toMatch(/must be an object/);
    expect(
      rejection(() => validateInputTransformer({ inputPathsMap: { k: 1 } as never, inputTemplate: '"x"' })),
    ).toMatch(/must be a JSON path string/);
  });
});

describe('string templates', () => {
  const map = {
    sev: '$.detail.severity',
    count: '$.detail.count',
    archived: '$.detail.archived',
    nothing: '$.detail.nothing',
    ua: '$.detail.ua',
    tags: '$.detail.tags',
    res: '$.resources',
    missing: '$.detail.nope',
    slash: '$.detail.aws/guardduty.path',
  };

  it('writes scalars as their JSON text, missing as nothing, and strings raw', () => {
    expect(
      body({ inputPathsMap: map, inputTemplate: '"<sev>|<count>|<archived>|<nothing>|<missing>|<slash>"' }),
    ).toBe('"7.5|3|false|null||slash-key"');
    // Raw means raw: a string template is not JSON and EventBridge does not escape (R3).
    expect(body({ inputPathsMap: map, inputTemplate: '"UA: <ua>"' })).toBe(`"UA: ${event.detail.ua}"`);
  });

  it('writes objects and lists as compact JSON with every double quote removed (R5, R6)', () => {
    expect(body({ inputPathsMap: map, inputTemplate: '"<tags> / <res>"' })).toBe(
      '"[{key:Name,value:web \\1\\}] / [arn:aws:ec2:eu-west-1:111122223333:instance/i-1]"',
    );
  });

  it('keeps text verbatim, also unquoted text and several lines', () => {
    expect(body({ inputPathsMap: map, inputTemplate: 'Severity <sev>\n  on <aws.events.rule-name>' })).toBe(
      'Severity 7.5\n  on gd-high',
    );
  });
});

describe('JSON templates', () => {
  const map = {
    sev: '$.detail.severity',
    archived: '$.detail.archived',
    nothing: '$.detail.nothing',
    ua: '$.detail.ua',
    tags: '$.detail.tags',
    missing: '$.detail.nope',
    type: '$.detail.type',
    values: '$.detail.tags[*].value',
  };

  it('inserts unquoted values as JSON, keeping the template text around them', () => {
    const out = body({
      inputPathsMap: map,
      inputTemplate:
        '{ "sev" :  <sev>, "a": <archived>, "n": <nothing>, "m": <missing>, "t": <tags>, "v": <values> }',
    });
    expect(out).toBe(
      '{ "sev" :  7.5, "a": false, "n": null, "m": "", "t": [{"key":"Name","value":"web \\"1\\""}], "v": ["web \\"1\\""] }',
    );
  });

  it('escapes strings with quotes, backslashes, newlines and U+2028 so the output stays JSON (Klaxon choice)', () => {
    const out = body({ inputPathsMap: map, inputTemplate: '{"raw": <ua>, "in": "UA=<ua>;"}' });
    expect(JSON.parse(out)).toEqual({ raw: event.detail.ua, in: `UA=${event.detail.ua};` });
  });

  it('writes scalars inside quotes as their JSON text and missing as nothing', () => {
    const out = body({
      inputPathsMap: map,
      inputTemplate: '{"s": "<sev>/<archived>/<nothing>/<missing>/<type>"}',
    });
    expect(JSON.parse(out)).toEqual({ s: '7.5/false/null//UnauthorizedAccess:EC2/MaliciousIPCaller.Custom' });
  });

  it('does not deliver when an object or list lands inside quotes (R12)', () => {
    const r = applyInputTransformer(
      event,
      { inputPathsMap: map, inputTemplate: '{"t": "tags: <tags>"}' },
      ctx,
    );
    expect(r).toEqual({
      delivered: false,
      reason:
        'placeholder <tags> is inside a quoted JSON string and its value is a list; EventBridge does not deliver such events.',
    });
    const e = applyInputTransformer(event, { inputTemplate: '{"e": "<aws.events.event>"}' }, ctx);
    expect(e.delivered).toBe(false);
  });

  it('does not deliver a template that is not JSON after substitution', () => {
    const r = applyInputTransformer(event, { inputPathsMap: map, inputTemplate: '{"sev": <sev>' }, ctx);
    expect(r.delivered).toBe(false);
    if (!r.delivered) expect(r.reason).toMatch(/^the transformed input is not valid JSON/);
  });

  it('gives <aws.events.event> the envelope in AWS key order, and the predefined strings', () => {
    const out = body({
      inputTemplate:
        '{"e": <aws.events.event>, "n": <aws.events.rule-name>, "arn": "<aws.events.rule-arn>", "t": <aws.events.event.ingestion-time>}',
    });
    expect(out).toBe(
      '{"e": {"id":"e-1","account":"111122223333","detailType":"GuardDuty Finding","time":"2026-01-02T03:04:00Z","source":"aws.guardduty","region":"eu-west-1","resources":["arn:aws:ec2:eu-west-1:111122223333:instance/i-1"],"version":"0"}, "n": "gd-high", "arn": "arn:aws:events:eu-west-1:111122223333:rule/gd-high", "t": "2026-01-02T03:04:05Z"}',
    );
    expect(JSON.parse(body({ inputTemplate: '[<aws.events.event.json>]' }))).toEqual([event]);
  });

  it('never reads inherited properties of the event', () => {
    const out = body({
      inputPathsMap: { c: '$.constructor', p: '$.__proto__' },
      inputTemplate: '{"c": <c>, "p": <p>}',
    });
    expect(JSON.parse(out)).toEqual({ c: '', p: '' });
  });
});

describe('findUndeliverableTemplate', () => {
  it('finds templates that can never produce JSON', () => {
    expect(findUndeliverableTemplate({ inputTemplate: '{"a": 1' })).toMatch(/not valid JSON/);
    expect(
      findUndeliverableTemplate({ inputPathsMap: { a: '$.id' }, inputTemplate: '{"a": <a> <a>}' }),
    ).toMatch(/not valid JSON/);
  });

  it('finds a quoted placeholder whose value is always an object or list', () => {
    for (const [map, tpl] of [
      [{ d: '$.detail' }, '{"x": "<d>"}'],
      [{ r: '$.resources' }, '{"x": "r=<r>"}'],
      [{ w: '$.detail.findings[*].Id' }, '{"x": "<w>"}'],
      [{ all: '$' }, '["<all>"]'],
      [undefined, '{"x": "<aws.events.event.json>"}'],
    ] as const) {
      const t = map === undefined ? { inputTemplate: tpl } : { inputPathsMap: map, inputTemplate: tpl };
      expect(findUndeliverableTemplate(t), tpl).toMatch(/inside a quoted JSON string/);
    }
  });

  it('passes string templates and JSON templates that can deliver', () => {
    expect(
      findUndeliverableTemplate({ inputPathsMap: { d: '$.detail' }, inputTemplate: '"<d>"' }),
    ).toBeUndefined();
    expect(
      findUndeliverableTemplate({
        inputPathsMap: { d: '$.detail', id: '$.detail.id' },
        inputTemplate: '{"d": <d>, "p": "x/<id>"}',
      }),
    ).toBeUndefined();
  });
});

describe('InputPath and target input', () => {
  it('sends the selection as JSON, the whole event without a path, and null for nothing', () => {
    expect(applyInputPath(event, '$.detail.type')).toBe('"UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"');
    expect(applyInputPath(event, '$.detail.severity')).toBe('7.5');
    expect(applyInputPath(event, '$.resources[0]')).toBe('"arn:aws:ec2:eu-west-1:111122223333:instance/i-1"');
    expect(JSON.parse(applyInputPath(event, null))).toEqual(event);
    expect(applyInputPath(event, '$.detail.nope')).toBe('null');
    expect(rejection(() => applyInputPath(event, 'detail'))).toMatch(/must start with "\$"/);
  });

  it("refuses more than one of Input, InputPath, InputTransformer with AWS's text", () => {
    expect(rejection(() => validateTargetInput({ input: '{}', inputPath: '$.detail' }, 'T'))).toBe(
      'Only one of Input, InputPath, or InputTransformer must be provided for target T.',
    );
    expect(rejection(() => validateTargetInput({ input: '{nope' }, 'T'))).toBe(
      'Input of target T must be valid JSON text.',
    );
    expect(() => validateTargetInput({ inputPath: '$.detail', input: null })).not.toThrow();
  });

  it('compiles once and applies to many events', () => {
    const c = compileInputTransformer({ inputPathsMap: { id: '$.id' }, inputTemplate: '{"id": <id>}' });
    expect(c.templateKind).toBe('json');
    expect(c.apply({ id: 'a' }, ctx)).toEqual({ delivered: true, body: '{"id": "a"}' });
    expect(c.apply({ id: 2 }, ctx)).toEqual({ delivered: true, body: '{"id": 2}' });
    expect(() => c.apply({ id: 10n }, ctx)).toThrow(TransformError);
  });
});

describe('real GuardDuty events (../shared/samples/guardduty)', () => {
  const dir = fileURLToPath(new URL('../../../../../shared/samples/guardduty/', import.meta.url));
  const samples = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map(
      (f) =>
        [
          f,
          JSON.parse(readFileSync(join(dir, f), 'utf8')) as { detail: { type: string; severity: number } },
        ] as const,
    );

  // The shape of system S3 in DESIGN.md: a readable text with a console link, for SNS e-mail.
  const email: InputTransformer = {
    inputPathsMap: {
      type: '$.detail.type',
      sev: '$.detail.severity',
      account: '$.account',
      region: '$.region',
      id: '$.detail.id',
      title: '$.detail.title',
    },
    inputTemplate:
      '"GuardDuty finding <type> (severity <sev>) in account <account>, <region>: <title>"\n"https://<region>.console.aws.amazon.com/guardduty/home?region=<region>#/findings?search=id%3D<id>"',
  };
  const webhook: InputTransformer = {
    inputPathsMap: {
      type: '$.detail.type',
      sev: '$.detail.severity',
      resource: '$.detail.resource',
      service: '$.detail.service',
    },
    inputTemplate:
      '{"type": <type>, "severity": <sev>, "resource": <resource>, "service": <service>, "rule": "<aws.events.rule-name>"}',
  };

  it('has samples to read', () => expect(samples.length).toBeGreaterThan(10));

  it('finds, given sample events, a quoted placeholder that reaches an object in one of them', () => {
    const t: InputTransformer = {
      inputPathsMap: { id: '$.detail.id', res: '$.detail.resource' },
      inputTemplate: '{"id": "<id>", "resource": "<res>"}',
    };
    expect(findUndeliverableTemplate(t)).toBeUndefined(); // nothing provable from the template alone
    const reason = findUndeliverableTemplate(
      t,
      samples.map(([, e]) => e),
    );
    expect(reason).toMatch(
      /^EventBridge would silently drop some events, for example a "GuardDuty Finding" ".+" event: placeholder <res> is inside a quoted JSON string and its value is an object;/,
    );
    expect(
      findUndeliverableTemplate(
        email,
        samples.map(([, e]) => e),
      ),
    ).toBeUndefined();
    expect(
      findUndeliverableTemplate(
        webhook,
        samples.map(([, e]) => e),
      ),
    ).toBeUndefined();
  });

  it('delivers the e-mail text and the JSON webhook body for every sample', () => {
    expect(findUndeliverableTemplate(email)).toBeUndefined();
    expect(findUndeliverableTemplate(webhook)).toBeUndefined();
    for (const [file, e] of samples) {
      const text = body(email, e);
      expect(text, file).toContain(
        `GuardDuty finding ${e.detail.type} (severity ${e.detail.severity}) in account `,
      );
      const json = JSON.parse(body(webhook, e)) as Record<string, unknown>;
      expect(json.type, file).toBe(e.detail.type);
      expect(json.severity, file).toBe(e.detail.severity);
      expect(json.rule).toBe('gd-high');
    }
  });
});
