import { createRequire } from 'node:module';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../findings/finding.js';
import type { Payload } from './output.js';
import { TRUNCATED } from './render/finding-text.js';
import { escapeTeams, TEAMS_MAX_BYTES, type TeamsConfig, teamsConfigSchema, teamsOutput } from './teams.js';
import { deliveryFailure } from './testdata/delivery-failures.js';
import { golden, goldenCases, staleGoldens } from './testdata/golden-cases.js';
import { type LoopbackHttp, startLoopbackHttp } from './testdata/loopback-http.js';
import { HOSTILE_STRINGS, hostileFinding, testFinding, testNotification } from './testdata/notifications.js';

// The package's ESM build imports without file extensions, which Node cannot resolve; its UMD
// bundle is the same code and parses/validates cards without a DOM.
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js');

const SIG = 'q1W2e3R4t5Y6u7I8o9P0aSdFgHjKlZxCvBnM';
const URL_PATH = `/workflows/3f0c/triggers/manual/paths/invoke?api-version=1&sig=${SIG}`;
const config: TeamsConfig = {
  type: 'teams',
  url: `https://prod-00.westeurope.logic.azure.com:443${URL_PATH}`,
};
const legacy: TeamsConfig = { ...config, format: 'messagecard' };
const ctx = { accountAliases: { '884003976652': 'prod' } };
// biome-ignore lint/suspicious/noExplicitAny: rendered JSON bodies are probed field by field
type Body = Record<string, any>;
const BIDI = /[\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

/** Parse and validation messages the Adaptive Cards SDK reports for `card` (empty = valid). */
export function adaptiveCardProblems(card: unknown): string[] {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
  for (const e of parsed.validateProperties().validationEvents) problems.push(e.message);
  return problems;
}

function card(body: Body): Body {
  expect(body.type).toBe('message');
  expect(body.attachments).toHaveLength(1);
  expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
  expect(body.attachments[0].contentUrl).toBeNull();
  return body.attachments[0].content;
}

/** Every string a reader sees in a card or MessageCard (text, fact values, titles). */
function visibleTexts(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) visibleTexts(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (
        typeof v === 'string' &&
        ['text', 'value', 'title', 'name', 'activityTitle', 'activitySubtitle', 'summary'].includes(k)
      ) {
        out.push(v);
      } else visibleTexts(v, out);
    }
  }
  return out;
}

function digest(findings: Finding[]) {
  return testNotification({
    kind: 'digest',
    findings,
    group: { key: 'g', labels: { account: '884003976652', type: 'Recon:EC2/PortProbeUnprotectedPort' } },
  });
}

describe('teams config', () => {
  it('accepts a workflow URL, a reference, and the messagecard format', () => {
    expect(teamsConfigSchema.parse(config)).toEqual(config);
    expect(teamsConfigSchema.parse(legacy)).toEqual(legacy);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a config secret reference, not a JS template
    const ref = { type: 'teams', url: '${env:TEAMS_WORKFLOW_URL}' };
    expect(teamsConfigSchema.parse(ref)).toEqual(ref);
  });

  it.each([
    [{ type: 'teams' }, 'expected the Workflows webhook URL'],
    [{ ...config, url: 'http://example.com/hook' }, 'an https:// URL (http:// only to localhost)'],
    [{ ...config, format: 'html' }, 'expected adaptive or messagecard'],
    [{ ...config, webhook: 'x' }, 'Unrecognized key: "webhook"'],
  ])('rejects %j', (value, message) => {
    const result = teamsConfigSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join('\n')).toContain(message);
  });
});

describe('teams adaptive card', () => {
  it('the validator does catch a broken card (so a pass below means something)', () => {
    expect(
      adaptiveCardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Bogus' }] }),
    ).not.toEqual([]);
  });

  it('renders the Workflows envelope with a valid AdaptiveCard 1.5', () => {
    const c = card(teamsOutput.render(testNotification(), config, ctx).body as Body);
    expect(c).toMatchObject({
      type: 'AdaptiveCard',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      version: '1.5',
    });
    expect(adaptiveCardProblems(c)).toEqual([]);
    expect(c.body[0]).toMatchObject({ type: 'Container', style: 'attention' });
    expect(c.body[0].items[0]).toMatchObject({ text: 'HIGH 7.2 · GuardDuty', color: 'attention' });
    expect(c.body[0].items[1].text).toBe(
      'Unprotected port on EC2 instance i-0618726e20846a8dc is being probed.',
    );
    const facts = c.body.find((e: Body) => e.type === 'FactSet').facts;
    expect(facts.map((f: Body) => f.title)).toEqual([
      'Type',
      'Description',
      'Severity',
      'First seen',
      'Last seen',
      'Count',
      'Account',
      'Region',
      'Resource',
      'Actor',
    ]);
    expect(facts[6].value).toBe('prod (884003976652)');
    expect(c.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open in GuardDuty', url: testFinding().consoleUrl },
    ]);
  });

  it.each([
    ['CRITICAL', 9.5, 'attention', 'attention'],
    ['HIGH', 7, 'attention', 'attention'],
    ['MEDIUM', 5, 'warning', 'warning'],
    ['LOW', 2, 'accent', 'accent'],
    ['INFORMATIONAL', 0, 'emphasis', 'default'],
  ] as const)('colours %s', (label, score, style, colour) => {
    const f = testFinding({ severity: { score, label } });
    const c = card(teamsOutput.render(testNotification({ findings: [f] }), config, ctx).body as Body);
    expect(c.body[0].style).toBe(style);
    expect(c.body[0].items[0].color).toBe(colour);
    expect(adaptiveCardProblems(c)).toEqual([]);
  });

  it('says what happened for every kind, and every card validates', () => {
    const kinds = {
      escalation: 'Severity raised: Medium 5.0 → High 7.2',
      update: 'Seen again: count 1 → 3',
      repeat: 'Still active (reminder)',
      resolved: 'Resolved',
      'action-result': 'Action ec2-isolate failed: sg-0123 not found',
    };
    for (const [kind, text] of Object.entries(kinds)) {
      const n = testNotification({
        kind: kind as 'update',
        previous: { count: 1, severity: { score: 5, label: 'MEDIUM' } },
        action: { type: 'ec2-isolate', dryRun: false, status: 'failed', summary: 'sg-0123 not found' },
      });
      const c = card(teamsOutput.render(n, config, ctx).body as Body);
      expect(c.body[0].items[2].text, kind).toBe(text);
      expect(adaptiveCardProblems(c), kind).toEqual([]);
    }
  });

  it('renders a digest worst-first with +N more, under 28 KB', () => {
    const findings = Array.from({ length: 400 }, (_, i) =>
      testFinding({
        key: `k${i}`,
        title: `Finding ${i} ${'y'.repeat(150)}`,
        severity: i === 9 ? { score: 8.9, label: 'HIGH' } : { score: 3, label: 'LOW' },
      }),
    );
    const body = teamsOutput.render(digest(findings), config, ctx).body as Body;
    expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    const c = card(body);
    expect(adaptiveCardProblems(c)).toEqual([]);
    expect(c.body[0].style).toBe('attention');
    expect(c.body[0].items.map((t: Body) => t.text)).toEqual([
      'DIGEST · 400 findings',
      'account=prod (884003976652), type=Recon:EC2/PortProbeUnprotectedPort',
    ]);
    const rows = c.body.filter((e: Body) => e.type === 'ColumnSet');
    expect(rows[0].columns[0].items[0].text).toBe('High 8.9');
    expect(rows[0].selectAction.url).toBe(testFinding().consoleUrl);
    expect(c.body.at(-2).text).toBe(`+${400 - rows.length} more not listed`);
  });

  it('truncates 100 KB strings visibly and stays under 28 KB', () => {
    const big = '€'.repeat(100_000);
    const f = testFinding({
      title: big,
      description: big,
      type: big,
      key: big,
      resources: Array.from({ length: 30 }, () => ({ kind: big, id: big, name: big, details: {} })),
    });
    for (const cfg of [config, legacy]) {
      const body = teamsOutput.render(testNotification({ findings: [f], kind: 'update' }), cfg, ctx)
        .body as Body;
      expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
      expect(JSON.stringify(body)).toContain(TRUNCATED);
      if (cfg === config) expect(adaptiveCardProblems(card(body))).toEqual([]);
    }
  });

  it('is deterministic', () => {
    const n = testNotification();
    expect(JSON.stringify(teamsOutput.render(n, config, ctx))).toBe(
      JSON.stringify(teamsOutput.render(n, config, ctx)),
    );
  });

  it('never links a console URL that is not an AWS console', () => {
    const f = testFinding({ consoleUrl: 'javascript:alert(1)//us-west-2.console.aws.amazon.com' });
    const c = card(teamsOutput.render(testNotification({ findings: [f] }), config, ctx).body as Body);
    expect(c.actions).toBeUndefined();
    expect(JSON.stringify(c)).not.toContain('javascript:');
  });
});

describe('teams messagecard', () => {
  it('renders the legacy connector card with theme colour, facts and an OpenUri action', () => {
    const body = teamsOutput.render(testNotification(), legacy, ctx).body as Body;
    expect(body).toMatchObject({
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      themeColor: 'D13438',
      summary: 'High: Unprotected port on EC2 instance i-0618726e20846a8dc is being probed.',
    });
    expect(body.sections[0].facts[0]).toEqual({ name: 'Type', value: 'Recon:EC2/PortProbeUnprotectedPort' });
    expect(body.potentialAction).toEqual([
      {
        '@type': 'OpenUri',
        name: 'Open in GuardDuty',
        targets: [{ os: 'default', uri: testFinding().consoleUrl }],
      },
    ]);
  });

  it('renders a digest as sections with +N more', () => {
    const findings = Array.from({ length: 60 }, (_, i) => testFinding({ key: `k${i}` }));
    const body = teamsOutput.render(digest(findings), legacy, ctx).body as Body;
    expect(body.title).toBe(
      '60 findings — account=prod (884003976652), type=Recon:EC2/PortProbeUnprotectedPort',
    );
    expect(body.sections.at(-1).text).toBe(`+${60 - (body.sections.length - 1)} more not listed`);
  });
});

describe('teams escaping', () => {
  it.each(HOSTILE_STRINGS)('renders %j inert', (text) => {
    for (const cfg of [config, legacy]) {
      for (const kind of ['new', 'digest', 'action-result'] as const) {
        const n = testNotification({
          kind,
          findings: [hostileFinding(text)],
          group: { key: 'g', labels: { type: text } },
          action: { type: 'ec2-isolate', dryRun: false, status: 'failed', summary: text },
        });
        const body = teamsOutput.render(n, cfg, ctx).body as Body;
        expect(JSON.stringify(body)).not.toMatch(BIDI);
        for (const t of visibleTexts(body)) {
          expect(t).not.toMatch(/[<>[\]*`]/);
          expect(t).not.toMatch(/&#?[A-Za-z0-9]+;/);
          expect(t).not.toMatch(/(?<![\p{L}\p{N}])_it_/u);
        }
        if (cfg === config) expect(adaptiveCardProblems(card(body))).toEqual([]);
      }
    }
  });

  it('keeps 100 KB of hostile text inert and under 28 KB', () => {
    const text = '[click](https://evil.example) <script>x</script> **b** &#8238; \u202E'.repeat(1600);
    expect(text.length).toBeGreaterThan(100_000);
    for (const cfg of [config, legacy]) {
      for (const kind of ['new', 'update', 'digest'] as const) {
        const n = testNotification({
          kind,
          findings: [hostileFinding(text)],
          group: { key: 'g', labels: { type: text } },
        });
        const body = teamsOutput.render(n, cfg, ctx).body as Body;
        expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
        expect(JSON.stringify(body)).not.toMatch(BIDI);
        for (const t of visibleTexts(body)) expect(t).not.toMatch(/[<>[\]*`]|&#?[A-Za-z0-9]+;/);
        if (cfg === config) expect(adaptiveCardProblems(card(body))).toEqual([]);
      }
    }
  });

  it('neutralises links, emphasis, HTML, entities and bidi controls', () => {
    expect(escapeTeams('[click](https://evil.example)')).toBe('［click］(https://evil.example)');
    expect(escapeTeams('<script>x</script> <https://evil.example>')).toBe(
      '＜script＞x＜/script＞ ＜https://evil.example＞',
    );
    expect(escapeTeams('**b** _i_ snake_case a*b ~~s~~')).toBe('∗∗b∗∗ ˍiˍ snake_case a∗b ∼∼s∼∼');
    expect(escapeTeams('AT&T &#8238; &lt;')).toBe('AT&T ＆#8238; ＆lt;');
    expect(escapeTeams('a\u202Eb\u2067c\u200E')).toBe('abc');
  });

  it('never leaves markup characters, entities or bidi controls (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const out = escapeTeams(s);
        expect(out).not.toMatch(/[<>[\]*`]/);
        expect(out).not.toMatch(/&#?[A-Za-z0-9]+;/);
        expect(out).not.toMatch(BIDI);
        expect(out).not.toMatch(/(?<![\p{L}\p{N}])[_~]|[_~](?![\p{L}\p{N}])/u);
      }),
      { numRuns: 300 },
    );
  });
});

describe('teams send (loopback)', () => {
  let server: LoopbackHttp;
  beforeAll(async () => {
    server = await startLoopbackHttp({ status: 202 });
  });
  afterAll(() => server.close());

  const local = (): TeamsConfig => ({ type: 'teams', url: `${server.origin}${URL_PATH}` });
  const send = (payload: Payload, cfg: TeamsConfig) =>
    teamsOutput.send(payload, cfg, { idempotencyKey: 'n-0002', signal: new AbortController().signal, fetch });

  /** Runs `fn`, which must throw a DeliveryError; checks the workflow URL and its signature do not leak. */
  const failure = (fn: () => Promise<unknown>) => deliveryFailure(fn, [SIG, server.origin + URL_PATH]);

  it.each([202, 200])('POSTs the card as JSON and treats HTTP %i as sent', async (status) => {
    server.respond({ status });
    const payload = teamsOutput.render(testNotification(), local(), ctx);
    expect(await send(payload, local())).toEqual({});
    const req = server.requests.at(-1);
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe(URL_PATH);
    expect(req?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req?.headers['idempotency-key']).toBe('n-0002');
    expect(JSON.parse(req?.body ?? '')).toEqual(payload.body);
  });

  it.each([
    [429, { 'retry-after': '12' }, true, 12_000],
    [408, {}, true, undefined],
    [500, {}, true, undefined],
    [502, {}, true, undefined],
    [400, {}, false, undefined],
    [401, {}, false, undefined],
    [404, {}, false, undefined],
    [413, {}, false, undefined],
  ])('maps HTTP %i', async (status, headers, retryable, retryAfterMs) => {
    // A far side that echoes the URL must not get it into the error.
    server.respond({
      status,
      headers,
      body: `{"error":{"message":"bad request to ${local().url} sig=${SIG}"}}`,
    });
    const e = await failure(() => send(teamsOutput.render(testNotification(), local(), ctx), local()));
    expect(e.status).toBe(status);
    expect(e.retryable).toBe(retryable);
    expect(e.retryAfterMs).toBe(retryAfterMs);
  });

  it('treats a refused connection as retryable, without the URL', async () => {
    const closed = await startLoopbackHttp();
    const cfg: TeamsConfig = { type: 'teams', url: `${closed.origin}${URL_PATH}` };
    await closed.close();
    const e = await failure(() => send(teamsOutput.render(testNotification(), cfg, ctx), cfg));
    expect(e.retryable).toBe(true);
  });

  it('masks the URL and its signature', () => {
    expect(teamsOutput.secrets(config)).toEqual([config.url, SIG]);
  });
});

describe('teams golden files', () => {
  const cases = goldenCases({ generated: true });

  it('has no stale golden files', () => {
    expect(staleGoldens('teams', cases)).toEqual([]);
    expect(staleGoldens('teams-messagecard', cases)).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const body = teamsOutput.render(c.notification, config, c.ctx).body as Body;
    expect(body).toEqual(golden('teams', name, body));
    expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    expect(adaptiveCardProblems(card(body))).toEqual([]);
    const legacyBody = teamsOutput.render(c.notification, legacy, c.ctx).body as Body;
    expect(legacyBody).toEqual(golden('teams-messagecard', name, legacyBody));
    expect(Buffer.byteLength(JSON.stringify(legacyBody))).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
  });
});
