import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeverityLabel } from '../findings/finding.js';
import { DeliveryError } from './errors.js';
import { PAGERDUTY_LIMITS, pagerDutyDedupKey, pagerDutyOutput, pagerDutySchema } from './pagerduty.js';
import { distinctFindings, golden, goldenCases, staleGoldens } from './testdata/golden-cases.js';
import { type LoopbackHttp, startLoopbackHttp } from './testdata/loopback-http.js';
import { HOSTILE_STRINGS, hostileFinding, testFinding, testNotification } from './testdata/notifications.js';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const ctx = { accountAliases: { '884003976652': 'prod' } };
// biome-ignore lint/suspicious/noExplicitAny: rendered JSON bodies are probed field by field
type Body = Record<string, any>;

describe('pagerduty config', () => {
  it('accepts the documented shape and rejects unknown keys', () => {
    expect(pagerDutySchema.parse({ type: 'pagerduty', routingKey: ROUTING_KEY })).toEqual({
      type: 'pagerduty',
      routingKey: ROUTING_KEY,
    });
    expect(pagerDutySchema.safeParse({ type: 'pagerduty', routingKey: ROUTING_KEY, url: 'x' }).success).toBe(
      false,
    );
    expect(pagerDutySchema.safeParse({ type: 'pagerduty', routingKey: 'has space' }).success).toBe(false);
    expect(
      pagerDutySchema.safeParse({ type: 'pagerduty', routingKey: ROUTING_KEY, apiUrl: 'ftp://x/' }).success,
    ).toBe(false);
  });
});

describe('pagerduty render', () => {
  const config = { type: 'pagerduty' as const, routingKey: ROUTING_KEY };

  it('triggers an alert keyed by the finding, with summary, severity, links and details', () => {
    const body = pagerDutyOutput.render(testNotification(), config, ctx).body as Body;
    expect(body.event_action).toBe('trigger');
    expect(body.dedup_key).toBe(testFinding().key);
    expect(body.routing_key).toBeUndefined();
    expect(body.payload).toMatchObject({
      summary:
        'High GuardDuty finding in prod (884003976652) us-west-2: Unprotected port on EC2 instance i-0618726e20846a8dc is being probed.',
      source: 'i-0618726e20846a8dc (us-west-2)',
      severity: 'error',
      timestamp: '2019-10-24T21:23:59.078Z',
      component: 'Instance',
      group: 'prod (884003976652)',
      class: 'Recon:EC2/PortProbeUnprotectedPort',
    });
    expect(body.payload.custom_details).toMatchObject({
      rule: 'guardduty-high',
      count: '3',
      account: 'prod (884003976652)',
      resources: ['Instance i-0618726e20846a8dc (production (NA))'],
    });
    expect(body.links).toEqual([{ href: testFinding().consoleUrl, text: 'Open in the GuardDuty console' }]);
  });

  it.each([
    ['CRITICAL', 'critical'],
    ['HIGH', 'error'],
    ['MEDIUM', 'warning'],
    ['LOW', 'info'],
    ['INFORMATIONAL', 'info'],
  ] as const)('maps %s to %s', (label: SeverityLabel, expected) => {
    const n = testNotification({ findings: [testFinding({ severity: { score: 5, label } })] });
    expect((pagerDutyOutput.render(n, config, ctx).body as Body).payload.severity).toBe(expected);
  });

  it.each(['new', 'escalation', 'update', 'repeat', 'action-result'] as const)('%s triggers', (kind) => {
    const n = testNotification({ kind, previous: { severity: { score: 5, label: 'MEDIUM' }, count: 1 } });
    const body = pagerDutyOutput.render(n, config, ctx).body as Body;
    expect(body.event_action).toBe('trigger');
    expect(body.dedup_key).toBe(testFinding().key);
  });

  it('says what changed on an escalation', () => {
    const n = testNotification({ kind: 'escalation', previous: { severity: { score: 5, label: 'MEDIUM' } } });
    expect((pagerDutyOutput.render(n, config, ctx).body as Body).payload.summary).toMatch(
      /^\[Severity raised: Medium 5\.0 → High 7\.2\] High GuardDuty finding/,
    );
  });

  it('resolves with only the dedup key', () => {
    const body = pagerDutyOutput.render(testNotification({ kind: 'resolved' }), config, ctx).body;
    expect(body).toEqual({ event_action: 'resolve', dedup_key: testFinding().key });
  });

  it('hashes keys longer than 255 characters, stably', () => {
    const long = `arn:aws:securityhub:us-east-1::product/aws/x|${'a'.repeat(300)}`;
    const key = pagerDutyDedupKey(long);
    expect(key).toMatch(/^klaxon-sha256:[0-9a-f]{64}$/);
    expect(pagerDutyDedupKey(long)).toBe(key);
    expect(pagerDutyDedupKey(`${long}b`)).not.toBe(key);
    expect(pagerDutyDedupKey('x'.repeat(255))).toBe('x'.repeat(255));
    expect(pagerDutyDedupKey('k\u202Eey')).toMatch(/^klaxon-sha256:[0-9a-f]{64}$/);
    const n = testNotification({ findings: [testFinding({ key: long })] });
    expect((pagerDutyOutput.render(n, config, ctx).body as Body).dedup_key).toBe(key);
  });

  it('renders a digest as one alert per group listing every finding, worst first', () => {
    const findings = [
      testFinding({ key: 'k1', title: 'low one', severity: { score: 2, label: 'LOW' } }),
      testFinding({ key: 'k2', title: 'critical one', severity: { score: 9.5, label: 'CRITICAL' } }),
    ];
    const n = testNotification({
      kind: 'digest',
      findings,
      group: { key: 'account=884003976652', labels: { account: '884003976652' } },
    });
    const body = pagerDutyOutput.render(n, config, ctx).body as Body;
    expect(body.dedup_key).toBe('klaxon-digest:guardduty-high:account=884003976652');
    expect(body.payload.severity).toBe('critical');
    expect(body.payload.summary).toBe(
      '2 findings, worst Critical (account=prod (884003976652)): critical one; low one',
    );
    expect(body.payload.custom_details.findings.map((f: Body) => f.title)).toEqual([
      'critical one',
      'low one',
    ]);
  });

  it('uses the rule template for the summary, as plain text', () => {
    const n = testNotification({
      template: 'SEV {{finding.severity.label}} on {{finding.resources.0.id}}\n{{rule}}',
    });
    expect((pagerDutyOutput.render(n, config, ctx).body as Body).payload.summary).toBe(
      'SEV HIGH on i-0618726e20846a8dc guardduty-high',
    );
  });

  it('falls back to the default summary when the template renders nothing', () => {
    const n = testNotification({ template: '{{finding.nothing}} \u202E' });
    expect((pagerDutyOutput.render(n, config, ctx).body as Body).payload.summary).toMatch(
      /^High GuardDuty finding in prod/,
    );
  });

  it('keeps hostile text inert: no controls, bounded sizes, no foreign links', () => {
    for (const hostile of [...HOSTILE_STRINGS, 'x'.repeat(100_000)]) {
      const finding = { ...hostileFinding(hostile), consoleUrl: `https://evil.example/${hostile}` };
      for (const kind of ['new', 'digest'] as const) {
        const body = pagerDutyOutput.render(testNotification({ kind, findings: [finding] }), config, ctx)
          .body as Body;
        const json = JSON.stringify(body);
        expect(json).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\r]/);
        expect(body.payload.summary.length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.summary);
        expect(body.payload.summary).not.toContain('\n');
        expect(body.dedup_key.length).toBeLessThanOrEqual(255);
        expect(body.links).toBeUndefined();
        expect(json.length).toBeLessThan(64_000);
      }
    }
  });
});

describe('pagerduty send (loopback Events API)', () => {
  let server: LoopbackHttp;
  beforeAll(async () => {
    server = await startLoopbackHttp();
  });
  afterAll(() => server.close());

  const send = (payloadBody: unknown) =>
    pagerDutyOutput.send(
      { body: payloadBody },
      { type: 'pagerduty', routingKey: ROUTING_KEY, apiUrl: `${server.origin}/v2/enqueue` },
      { idempotencyKey: 'idem-1', signal: AbortSignal.timeout(5000), fetch },
    );

  it('posts the event with the routing key and reads the dedup key from the 202', async () => {
    server.requests.length = 0;
    server.respond((req) => {
      const body = JSON.parse(req.body);
      const ok =
        req.method === 'POST' &&
        req.path === '/v2/enqueue' &&
        req.headers['content-type'] === 'application/json' &&
        body.routing_key === ROUTING_KEY &&
        ['trigger', 'resolve'].includes(body.event_action) &&
        (body.event_action === 'resolve' ||
          (typeof body.payload?.summary === 'string' && body.payload.source && body.payload.severity));
      return ok
        ? {
            status: 202,
            body: JSON.stringify({
              status: 'success',
              message: 'Event processed',
              dedup_key: body.dedup_key,
            }),
          }
        : {
            status: 400,
            body: JSON.stringify({ status: 'invalid event', message: 'Event object is invalid' }),
          };
    });
    const payload = pagerDutyOutput.render(
      testNotification(),
      { type: 'pagerduty', routingKey: ROUTING_KEY },
      ctx,
    );
    await expect(send(payload.body)).resolves.toEqual({ ref: testFinding().key });
    const resolved = pagerDutyOutput.render(
      testNotification({ kind: 'resolved' }),
      { type: 'pagerduty', routingKey: ROUTING_KEY },
      ctx,
    );
    await expect(send(resolved.body)).resolves.toEqual({ ref: testFinding().key });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]?.headers['idempotency-key']).toBe('idem-1');
    expect(JSON.parse(server.requests[1]?.body ?? '')).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: testFinding().key,
    });
  });

  it('maps 400 to final, 429 and 5xx to retryable, honouring Retry-After, never quoting the key', async () => {
    const cases = [
      { status: 400, retryable: false, headers: {} },
      { status: 429, retryable: true, headers: { 'retry-after': '30' }, retryAfterMs: 30_000 },
      { status: 500, retryable: true, headers: {} },
      { status: 503, retryable: true, headers: { 'retry-after': '2' }, retryAfterMs: 2000 },
    ];
    for (const c of cases) {
      server.respond({ status: c.status, headers: c.headers, body: `{"message":"echo ${ROUTING_KEY}"}` });
      const error = await send({ event_action: 'trigger' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeliveryError);
      const d = error as DeliveryError;
      expect({ status: d.status, retryable: d.retryable, retryAfterMs: d.retryAfterMs }).toEqual({
        status: c.status,
        retryable: c.retryable,
        retryAfterMs: c.retryAfterMs,
      });
      expect(d.message).toContain(`HTTP ${c.status}`);
      expect(d.message).not.toContain(ROUTING_KEY);
    }
  });

  it('treats a refused connection as retryable without leaking the key', async () => {
    const error = (await pagerDutyOutput
      .send(
        { body: { event_action: 'trigger' } },
        { type: 'pagerduty', routingKey: ROUTING_KEY, apiUrl: 'http://127.0.0.1:1/v2/enqueue' },
        { idempotencyKey: 'i', signal: AbortSignal.timeout(5000), fetch },
      )
      .catch((e: unknown) => e)) as DeliveryError;
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.retryable).toBe(true);
    expect(JSON.stringify([error.message, String(error.cause)])).not.toContain(ROUTING_KEY);
  });
});

describe('pagerduty golden files', () => {
  const cases = goldenCases({ generated: true });
  const config = { type: 'pagerduty' as const, routingKey: ROUTING_KEY };

  it('covers at least 30 findings and leaves no stale file', () => {
    expect(distinctFindings(cases)).toBeGreaterThanOrEqual(30);
    expect(staleGoldens('pagerduty', cases)).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const body = pagerDutyOutput.render(c.notification, config, c.ctx).body as Body;
    expect(body).toEqual(golden('pagerduty', name, body));
    expect(JSON.stringify(body)).not.toContain(ROUTING_KEY);
    if (body.event_action === 'trigger') {
      expect(body.payload.summary.length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.summary);
      expect(['critical', 'error', 'warning', 'info']).toContain(body.payload.severity);
    }
    expect(body.dedup_key.length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.dedupKey);
  });
});
