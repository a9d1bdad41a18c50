import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Payload } from './output.js';
import { TRUNCATED } from './render/finding-text.js';
import {
  escapeMrkdwn,
  SLACK_TEXT_BUDGET,
  SLACK_UPDATE_META,
  type SlackConfig,
  slackConfigSchema,
  slackOutput,
} from './slack.js';
import { deliveryFailure } from './testdata/delivery-failures.js';
import { distinctFindings, golden, goldenCases, staleGoldens } from './testdata/golden-cases.js';
import { type LoopbackHttp, startLoopbackHttp } from './testdata/loopback-http.js';
import { HOSTILE_STRINGS, hostileFinding, testFinding, testNotification } from './testdata/notifications.js';

const TOKEN = 'xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx';
const HOOK_SECRET = 'Zx9QwErTyUiOpAsDfGhJkL12';
const bot: SlackConfig = { type: 'slack', token: TOKEN, channel: 'C0123456' };
const hook = (origin = 'https://hooks.slack.com'): SlackConfig => ({
  type: 'slack',
  webhookUrl: `${origin}/services/T000/B000/${HOOK_SECRET}`,
});
const ctx = { accountAliases: { '884003976652': 'prod' } };
// biome-ignore lint/suspicious/noExplicitAny: rendered JSON bodies are probed field by field
type Body = Record<string, any>;

const BIDI = /[\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

/** Every text object in a message, with its type. */
function textObjects(body: Body): { type: string; text: string; verbatim?: boolean }[] {
  const out: { type: string; text: string; verbatim?: boolean }[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') {
        out.push(o as { type: string; text: string; verbatim?: boolean });
      } else Object.values(o).forEach(visit);
    }
  };
  visit(body.blocks);
  return out;
}

/**
 * Slack's documented Block Kit limits, checked block by block (Slack answers `invalid_blocks` when
 * one is broken): at most 50 blocks; header plain_text ≤ 150; section text ≤ 3,000, ≤ 10 fields of
 * ≤ 2,000; context ≤ 10 elements; button text ≤ 75 and URL ≤ 3,000; no empty text.
 */
function blockKitProblems(body: Body): string[] {
  const problems: string[] = [];
  const blocks: Body[] = body.blocks;
  if (blocks.length > 50) problems.push(`${blocks.length} blocks`);
  if (typeof body.text !== 'string' || body.text === '') problems.push('no fallback text');
  blocks.forEach((b, i) => {
    const at = `blocks[${i}] ${b.type}`;
    if (b.type === 'header') {
      if (b.text.type !== 'plain_text' || b.text.text.length > 150 || b.text.text === '') problems.push(at);
    } else if (b.type === 'section') {
      if (b.text === undefined && b.fields === undefined) problems.push(`${at}: empty`);
      if (b.text !== undefined && (b.text.text.length > 3000 || b.text.text === ''))
        problems.push(`${at}: text`);
      if (
        b.fields !== undefined &&
        (b.fields.length > 10 || b.fields.some((f: Body) => f.text.length > 2000))
      ) {
        problems.push(`${at}: fields`);
      }
    } else if (b.type === 'context') {
      if (b.elements.length > 10 || b.elements.some((e: Body) => e.text === '' || e.text.length > 3000))
        problems.push(at);
    } else if (b.type === 'actions') {
      for (const e of b.elements) {
        if (e.type !== 'button' || e.text.text.length > 75 || e.url.length > 3000) problems.push(at);
      }
    } else problems.push(`${at}: unexpected type`);
  });
  return problems;
}

function totalText(body: Body): number {
  return textObjects(body).reduce((n, t) => n + t.text.length, 0);
}

describe('slack config', () => {
  it('accepts a bot token and channel, or an incoming webhook, and secret references', () => {
    expect(slackConfigSchema.parse(bot)).toEqual(bot);
    expect(slackConfigSchema.parse(hook())).toEqual(hook());
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a config secret reference, not a JS template
    const refs = { type: 'slack', token: '${ssm:/klaxon/slack-token}', channel: '${env:SLACK_CHANNEL}' };
    expect(slackConfigSchema.parse(refs)).toEqual(refs);
    // With token rotation on, Slack's access tokens carry an `xoxe.` prefix.
    const rotating = { ...bot, token: 'xoxe.xoxb-1-MTIzNDU2Nzg5MC0xMjM0NTY3ODkw' };
    expect(slackConfigSchema.parse(rotating)).toEqual(rotating);
  });

  it.each([
    [{ type: 'slack' }, 'give token and channel (bot), or webhookUrl (incoming webhook)'],
    [{ type: 'slack', token: TOKEN }, 'channel is required with a bot token'],
    [{ type: 'slack', channel: 'C0123456' }, 'token is required with a bot token'],
    [{ ...bot, webhookUrl: hook().webhookUrl }, 'give either token and channel, or webhookUrl, not both'],
    [{ ...bot, chanel: 'C1' }, 'Unrecognized key: "chanel"'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a config secret reference, not a JS template
    [{ ...bot, token: 'not-a-token' }, 'expected a Slack bot token (xoxb-…) or a ${…} secret reference'],
    [
      { type: 'slack', webhookUrl: 'http://hooks.slack.com/services/x' },
      'an https:// URL (http:// only to localhost)',
    ],
    [{ ...hook(), apiUrl: 'https://slack.example/api' }, 'apiUrl applies to a bot token only'],
  ])('rejects %j', (config, message) => {
    const result = slackConfigSchema.safeParse(config);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join('\n')).toContain(message);
  });
});

describe('slack render', () => {
  it('the Block Kit limit check does catch a broken message (so a pass below means something)', () => {
    const body = slackOutput.render(testNotification(), bot, ctx).body as Body;
    expect(
      blockKitProblems({
        ...body,
        blocks: [...body.blocks, { type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }],
      }),
    ).toEqual([`blocks[5] header`]);
    expect(blockKitProblems({ ...body, blocks: Array(51).fill(body.blocks[4]) })).toEqual(['51 blocks']);
  });

  it('renders header, fields, description, console button, context and a fallback text', () => {
    const body = slackOutput.render(testNotification(), bot, ctx).body as Body;
    expect(body.channel).toBe('C0123456');
    expect(body.text).toBe(
      'High: Unprotected port on EC2 instance i-0618726e20846a8dc is being probed. (prod (884003976652), us-west-2)',
    );
    expect(body.link_names).toBe(false);
    expect(body.thread_ts).toBeUndefined();
    const types = body.blocks.map((b: Body) => b.type);
    expect(types).toEqual(['header', 'section', 'section', 'actions', 'context']);
    expect(body.blocks[0].text).toEqual({
      type: 'plain_text',
      text: '🟠 High: Unprotected port on EC2 instance i-0618726e20846a8dc is being probed.',
      emoji: false,
    });
    const fields = body.blocks[1].fields.map((f: Body) => f.text);
    expect(fields).toEqual([
      '*Severity*\nHigh 7.2',
      '*Account*\nprod (884003976652)',
      '*Region*\nus-west-2',
      '*Type*\nRecon:EC2/PortProbeUnprotectedPort',
      '*Resource*\nInstance i-0618726e20846a8dc (production (NA))',
      '*Actor*\n211.44.226.158 · South Korea · SK Broadband Co Ltd · PORT_PROBE',
      '*First seen*\n2019-03-29 23:17:43 UTC',
      '*Last seen*\n2019-10-24 21:23:59 UTC',
      '*Count*\n3',
    ]);
    expect(body.blocks[3].elements[0].url).toBe(testFinding().consoleUrl);
    expect(body.blocks[4].elements[0].text).toBe(`Rule guardduty-high · Finding ${testFinding().key}`);
    for (const t of textObjects(body)) if (t.type === 'mrkdwn') expect(t.verbatim).toBe(true);
  });

  it('is deterministic', () => {
    const n = testNotification();
    expect(JSON.stringify(slackOutput.render(n, bot, ctx))).toBe(
      JSON.stringify(slackOutput.render(n, bot, ctx)),
    );
  });

  it('posts later news as a thread reply, broadcast only for an escalation', () => {
    const withThread = { ...ctx, threadRef: '1700000000.123456' };
    const escalation = slackOutput.render(
      testNotification({ kind: 'escalation', previous: { severity: { score: 5, label: 'MEDIUM' } } }),
      bot,
      withThread,
    ).body as Body;
    expect(escalation.thread_ts).toBe('1700000000.123456');
    expect(escalation.reply_broadcast).toBe(true);
    expect(escalation.blocks[0].text.text).toBe(
      '*Severity raised: Medium 5.0 → High 7.2*\nUnprotected port on EC2 instance i-0618726e20846a8dc is being probed.',
    );
    expect(escalation.text).toContain('Severity raised: Medium 5.0 → High 7.2');

    for (const kind of ['update', 'repeat', 'resolved', 'action-result'] as const) {
      const body = slackOutput.render(testNotification({ kind }), bot, withThread).body as Body;
      expect(body.thread_ts, kind).toBe('1700000000.123456');
      expect(body.reply_broadcast, kind).toBeUndefined();
    }
    // A new finding or a digest starts its own message; a webhook cannot thread; a bad ref is ignored.
    expect((slackOutput.render(testNotification(), bot, withThread).body as Body).thread_ts).toBeUndefined();
    expect(
      (slackOutput.render(testNotification({ kind: 'update' }), hook(), withThread).body as Body).thread_ts,
    ).toBeUndefined();
    expect(
      (slackOutput.render(testNotification({ kind: 'update' }), bot, { ...ctx, threadRef: 'x' }).body as Body)
        .thread_ts,
    ).toBeUndefined();
  });

  it('says what happened for each kind when not in a thread', () => {
    const headlines = {
      update: 'Seen again: count 1 → 3',
      repeat: 'Still active (reminder)',
      resolved: 'Resolved (archived)',
      'action-result': 'Action ec2-isolate succeeded (dry run): moved i-0618726e20846a8dc to sg-0123',
    };
    for (const [kind, text] of Object.entries(headlines)) {
      const n = testNotification({
        kind: kind as 'update',
        previous: { count: 1 },
        findings: [testFinding(kind === 'resolved' ? { recordState: 'ARCHIVED' } : {})],
        action: {
          type: 'ec2-isolate',
          dryRun: true,
          status: 'succeeded',
          summary: 'moved i-0618726e20846a8dc to sg-0123',
        },
      });
      const body = slackOutput.render(n, bot, ctx).body as Body;
      expect(body.blocks[1].text.text, kind).toBe(`*${text}*`);
    }
  });

  it('uses the webhook shape without channel or thread', () => {
    const body = slackOutput.render(testNotification(), hook(), ctx).body as Body;
    expect(body.channel).toBeUndefined();
    expect(body.blocks.length).toBe(5);
  });

  it('truncates 100 KB strings visibly and stays within every Slack limit', () => {
    const big = 'A'.repeat(100_000);
    const f = testFinding({
      title: big,
      description: `${'<&>'.repeat(40_000)}`,
      type: big,
      resources: Array.from({ length: 40 }, (_, i) => ({ kind: 'Instance', id: `${i}${big}`, details: {} })),
    });
    const body = slackOutput.render(testNotification({ findings: [f] }), bot, ctx).body as Body;
    expect(blockKitProblems(body)).toEqual([]);
    expect(body.blocks[0].text.text.length).toBeLessThanOrEqual(150);
    expect(body.blocks[0].text.text.endsWith(TRUNCATED)).toBe(true);
    for (const t of textObjects(body)) expect(t.text.length).toBeLessThanOrEqual(3000);
    for (const b of body.blocks)
      for (const fl of b.fields ?? []) expect(fl.text.length).toBeLessThanOrEqual(2000);
    expect(totalText(body)).toBeLessThanOrEqual(SLACK_TEXT_BUDGET);
    expect(body.text.length).toBeLessThanOrEqual(1000);
    const description = body.blocks.find((b: Body) => b.type === 'section' && b.text)?.text.text as string;
    // Cut between escapes, never inside one.
    expect(description).toMatch(/^(?:&lt;&amp;&gt;)+… \(truncated\)$/);
  });

  it('renders a digest as one compact message with +N more', () => {
    const findings = Array.from({ length: 300 }, (_, i) =>
      testFinding({
        key: `k${i}`,
        title: `Finding ${i} ${'x'.repeat(200)}`,
        severity: i === 7 ? { score: 9.5, label: 'CRITICAL' } : { score: 5, label: 'MEDIUM' },
      }),
    );
    const n = testNotification({
      kind: 'digest',
      findings,
      group: { key: 'g', labels: { account: '884003976652', type: 'Recon:EC2/PortProbeUnprotectedPort' } },
    });
    const body = slackOutput.render(n, bot, ctx).body as Body;
    expect(blockKitProblems(body)).toEqual([]);
    expect(totalText(body)).toBeLessThanOrEqual(SLACK_TEXT_BUDGET);
    expect(body.blocks[0].text.text).toBe(
      '🔴 300 findings — account=prod (884003976652), type=Recon:EC2/PortProbeUnprotectedPort',
    );
    // Worst first.
    expect(body.blocks[1].text.text.startsWith('🔴 *Critical 9.5* <https://')).toBe(true);
    const shown = body.blocks
      .filter((b: Body) => b.type === 'section')
      .flatMap((b: Body) => b.text.text.split('\n'))
      .filter((line: string) => /^(?:🔴 \*Critical|🟡 \*Medium)/u.test(line)).length;
    expect(shown).toBeGreaterThanOrEqual(10);
    const context = body.blocks.at(-1);
    expect(context.elements[0].text).toBe(`+${300 - shown} more not listed`);
    expect(body.text).toBe(
      '300 findings (account=prod (884003976652), type=Recon:EC2/PortProbeUnprotectedPort)',
    );
  });

  it('never links a console URL that is not an AWS console', () => {
    const f = testFinding({ consoleUrl: 'https://evil.example/guardduty' });
    const body = slackOutput.render(testNotification({ findings: [f] }), bot, ctx).body as Body;
    expect(JSON.stringify(body)).not.toContain('evil.example');
    expect(body.blocks.some((b: Body) => b.type === 'actions')).toBe(false);
  });

  it('renders the rule template with escaped values, and the input transformer output', () => {
    const f = testFinding({ title: '<!channel> *now*' });
    const t = slackOutput.render(
      testNotification({ findings: [f], template: '*Alert* {{finding.title}} in {{accountAlias}}' }),
      bot,
      ctx,
    ).body as Body;
    expect(t.blocks.some((b: Body) => b.text?.text === '*Alert* &lt;!channel&gt; ∗now∗ in prod')).toBe(true);
    const x = slackOutput.render(testNotification({ transformed: '"Finding <id> *x*"' }), bot, ctx)
      .body as Body;
    expect(x.blocks.some((b: Body) => b.text?.text === '"Finding &lt;id&gt; ∗x∗"')).toBe(true);
  });
});

describe('slack escaping', () => {
  it.each(HOSTILE_STRINGS)('renders %j inert', (text) => {
    for (const kind of ['new', 'digest', 'action-result'] as const) {
      const n = testNotification({
        kind,
        findings: [hostileFinding(text)],
        group: { key: 'g', labels: { type: text } },
        action: { type: 'ec2-isolate', dryRun: false, status: 'failed', summary: text },
      });
      const body = slackOutput.render(n, bot, ctx).body as Body;
      expect(blockKitProblems(body)).toEqual([]);
      const json = JSON.stringify(body);
      expect(json).not.toMatch(BIDI);
      for (const t of textObjects(body)) {
        if (t.type === 'mrkdwn') {
          expect(t.verbatim).toBe(true);
          // The only `<` left is a console link Klaxon made itself.
          expect(
            t.text.replace(/<https:\/\/us-west-2\.console\.aws\.amazon\.com\/[^|>]*\|/g, ''),
          ).not.toMatch(/<[!@#h]/);
          expect(t.text).not.toMatch(/\*bold\*|_it_|`code`|~strike~/);
        }
      }
      expect(body.text).not.toMatch(/[<>]/);
    }
  });

  it('keeps 100 KB of hostile text inert and within Slack limits', () => {
    const text = '<!channel> <@U123> <https://evil.example|bank> *x* \u202E&'.repeat(2000);
    expect(text.length).toBeGreaterThan(100_000);
    for (const kind of ['new', 'update', 'digest'] as const) {
      const n = testNotification({
        kind,
        findings: [hostileFinding(text)],
        group: { key: 'g', labels: { type: text } },
      });
      const body = slackOutput.render(n, bot, { ...ctx, threadRef: '1700000000.000001' }).body as Body;
      expect(JSON.stringify(body)).not.toMatch(BIDI);
      expect(blockKitProblems(body)).toEqual([]);
      expect(totalText(body)).toBeLessThanOrEqual(SLACK_TEXT_BUDGET);
      for (const t of textObjects(body)) {
        expect(t.text.length).toBeLessThanOrEqual(3000);
        if (t.type === 'mrkdwn') expect(t.text).not.toMatch(/<[!@#]|<https:\/\/evil|&(?!amp;|lt;|gt;)/);
      }
      expect(body.blocks[0].type === 'header' ? body.blocks[0].text.text.length : 0).toBeLessThanOrEqual(150);
    }
  });

  it('neutralises mentions, spoofed links, emphasis and bidi controls', () => {
    expect(escapeMrkdwn('<!channel> <@U123> <#C123|general>')).toBe(
      '&lt;!channel&gt; &lt;@U123&gt; &lt;#C123|general&gt;',
    );
    expect(escapeMrkdwn('<https://evil.example|your bank>')).toBe('&lt;https://evil.example|your bank&gt;');
    expect(escapeMrkdwn('*bold* _it_ ~s~ `c` snake_case_name a*b')).toBe(
      '∗bold∗ ˍitˍ ∼s∼ ˋcˋ snake_case_name a*b',
    );
    expect(escapeMrkdwn('safe\u202Eexe.txt\u2066x\u200F')).toBe('safeexe.txtx');
    expect(escapeMrkdwn('AT&T &amp;')).toBe('AT&amp;T &amp;amp;');
  });

  it('never leaves a raw <, >, stray & or an edge formatting mark (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const out = escapeMrkdwn(s);
        expect(out).not.toMatch(/[<>]/);
        expect(out).not.toMatch(/&(?!amp;|lt;|gt;)/);
        expect(out).not.toMatch(BIDI);
        expect(out).not.toMatch(/(?<![\p{L}\p{N}])[*_~`]|[*_~`](?![\p{L}\p{N}])/u);
      }),
    );
  });
});

describe('slack send (loopback)', () => {
  let server: LoopbackHttp;
  beforeAll(async () => {
    server = await startLoopbackHttp();
  });
  afterAll(() => server.close());

  const send = (payload: Payload, config: SlackConfig, signal = new AbortController().signal) =>
    slackOutput.send(payload, config, { idempotencyKey: 'n-0001', signal, fetch });
  const api = () => ({ ...bot, apiUrl: `${server.origin}/api` });

  /** Runs `fn`, which must throw a DeliveryError; checks no secret leaks through it. */
  const failure = (fn: () => Promise<unknown>) => deliveryFailure(fn, [TOKEN, HOOK_SECRET]);

  it('posts chat.postMessage with the bearer token and returns the ts', async () => {
    server.respond({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"ok":true,"ts":"1700000001.000200","channel":"C0123456"}',
    });
    const payload = slackOutput.render(testNotification(), api(), ctx);
    const result = await send(payload, api());
    expect(result).toEqual({ ref: '1700000001.000200' });
    const req = server.requests.at(-1);
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/api/chat.postMessage');
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req?.headers['idempotency-key']).toBe('n-0001');
    expect(JSON.parse(req?.body ?? '')).toEqual(payload.body);
  });

  it('sends a reply with thread_ts and keeps the parent ts as the ref', async () => {
    server.respond({ status: 200, body: '{"ok":true,"ts":"1700000009.000900"}' });
    const payload = slackOutput.render(testNotification({ kind: 'escalation' }), api(), {
      ...ctx,
      threadRef: '1700000001.000200',
    });
    const result = await send(payload, api());
    const sent = JSON.parse(server.requests.at(-1)?.body ?? '');
    expect(sent.thread_ts).toBe('1700000001.000200');
    expect(sent.reply_broadcast).toBe(true);
    expect(result).toEqual({ ref: '1700000001.000200' });
  });

  it('on resolution replies in the thread, then rewrites the original as resolved (best effort)', async () => {
    const n = testNotification({ kind: 'resolved', findings: [testFinding({ recordState: 'ARCHIVED' })] });
    const payload = slackOutput.render(n, api(), { ...ctx, threadRef: '1700000001.000200' });
    const update = JSON.parse(payload.meta?.[SLACK_UPDATE_META] ?? '{}');
    expect(update.channel).toBe('C0123456');
    expect(update.ts).toBe('1700000001.000200');
    expect(update.blocks[0].text.text).toBe(
      '✅ High: Unprotected port on EC2 instance i-0618726e20846a8dc is being probed.',
    );
    expect(update.blocks[1].text.text).toBe('*Resolved (archived)*');

    for (const editAnswer of [
      { status: 200, body: '{"ok":true,"ts":"1700000001.000200"}' },
      { status: 200, body: '{"ok":false,"error":"message_not_found"}' },
      { status: 500, body: 'oops' },
    ]) {
      const before = server.requests.length;
      server.respond((req) =>
        req.path.endsWith('chat.update')
          ? editAnswer
          : { status: 200, body: '{"ok":true,"channel":"C0123456","ts":"1700000050.000001"}' },
      );
      expect(await send(payload, api())).toEqual({ ref: '1700000001.000200' });
      const [reply, edit] = server.requests.slice(before);
      expect(reply?.path).toBe('/api/chat.postMessage');
      expect(JSON.parse(reply?.body ?? '').thread_ts).toBe('1700000001.000200');
      expect(edit?.path).toBe('/api/chat.update');
      expect(edit?.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(JSON.parse(edit?.body ?? '')).toEqual(update);
    }

    // Config may name the channel; chat.update needs the id, taken from the reply's answer.
    const named = { ...api(), channel: '#secops' };
    server.respond((req) =>
      req.path.endsWith('chat.update')
        ? { status: 200, body: '{"ok":true}' }
        : { status: 200, body: '{"ok":true,"channel":"C0999999","ts":"1700000050.000002"}' },
    );
    const before0 = server.requests.length;
    await send(slackOutput.render(n, named, { ...ctx, threadRef: '1700000001.000200' }), named);
    expect(JSON.parse(server.requests[before0]?.body ?? '').channel).toBe('#secops');
    expect(JSON.parse(server.requests[before0 + 1]?.body ?? '').channel).toBe('C0999999');

    // No thread, no edit; and a failed reply is reported without touching the original.
    expect(slackOutput.render(n, api(), ctx).meta).toBeUndefined();
    const before = server.requests.length;
    server.respond({ status: 200, body: '{"ok":false,"error":"not_in_channel"}' });
    await failure(() => send(payload, api()));
    expect(server.requests.length).toBe(before + 1);
  });

  it.each([
    ['ratelimited', { 'retry-after': '30' }, true, 30_000],
    ['internal_error', {}, true, undefined],
    ['service_unavailable', {}, true, undefined],
    ['invalid_auth', {}, false, undefined],
    ['not_authed', {}, false, undefined],
    ['channel_not_found', {}, false, undefined],
    ['not_in_channel', {}, false, undefined],
    ['msg_too_long', {}, false, undefined],
    ['invalid_blocks', {}, false, undefined],
  ])('maps ok:false %s', async (code, headers, retryable, retryAfterMs) => {
    server.respond({ status: 200, headers, body: JSON.stringify({ ok: false, error: code }) });
    const e = await failure(() => send(slackOutput.render(testNotification(), api(), ctx), api()));
    expect(e.message).toBe(`slack chat.postMessage: ${code}`);
    expect(e.retryable).toBe(retryable);
    expect(e.retryAfterMs).toBe(retryAfterMs);
  });

  it.each([
    [429, { 'retry-after': '7' }, true, 7000],
    [500, {}, true, undefined],
    [503, {}, true, undefined],
    [400, {}, false, undefined],
    [404, {}, false, undefined],
  ])('maps HTTP %i', async (status, headers, retryable, retryAfterMs) => {
    server.respond({ status, headers, body: `{"ok":false,"error":"x","echo":"${TOKEN}"}` });
    const e = await failure(() => send(slackOutput.render(testNotification(), api(), ctx), api()));
    expect(e.status).toBe(status);
    expect(e.retryable).toBe(retryable);
    expect(e.retryAfterMs).toBe(retryAfterMs);
  });

  it('treats a 200 that is not JSON as retryable', async () => {
    server.respond({ status: 200, body: '<html>proxy</html>' });
    const e = await failure(() => send(slackOutput.render(testNotification(), api(), ctx), api()));
    expect(e.retryable).toBe(true);
  });

  it('treats a refused connection as retryable, without the token', async () => {
    const closed = await startLoopbackHttp();
    const origin = closed.origin;
    await closed.close();
    const config = { ...bot, apiUrl: `${origin}/api` };
    const e = await failure(() => send(slackOutput.render(testNotification(), config, ctx), config));
    expect(e.retryable).toBe(true);
  });

  it('posts to an incoming webhook without a token, and maps its errors', async () => {
    const config = hook(server.origin);
    server.respond({ status: 200, body: 'ok' });
    expect(await send(slackOutput.render(testNotification(), config, ctx), config)).toEqual({});
    const req = server.requests.at(-1);
    expect(req?.path).toBe(`/services/T000/B000/${HOOK_SECRET}`);
    expect(req?.headers.authorization).toBeUndefined();
    expect(JSON.parse(req?.body ?? '').blocks.length).toBe(5);

    server.respond({ status: 404, body: `channel_not_found ${config.webhookUrl}` });
    const gone = await failure(() => send(slackOutput.render(testNotification(), config, ctx), config));
    expect(gone.retryable).toBe(false);
    expect(gone.message).toContain('channel_not_found');
    server.respond({ status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' });
    const slow = await failure(() => send(slackOutput.render(testNotification(), config, ctx), config));
    expect(slow.retryable).toBe(true);
    expect(slow.retryAfterMs).toBe(2000);
  });

  it('masks the token and the webhook secret', () => {
    expect(slackOutput.secrets(bot)).toEqual([TOKEN]);
    expect(slackOutput.secrets(hook())).toEqual([hook().webhookUrl, HOOK_SECRET]);
  });
});

describe('slack golden files', () => {
  const cases = goldenCases({ generated: true });

  it('covers at least 30 sample findings and every notification kind', () => {
    expect(distinctFindings(cases)).toBeGreaterThanOrEqual(30);
    const kinds = new Set(cases.map((c) => c.notification.kind));
    expect([...kinds].sort()).toEqual([
      'action-result',
      'digest',
      'escalation',
      'new',
      'repeat',
      'resolved',
      'update',
    ]);
    expect(staleGoldens('slack', cases)).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const payload = slackOutput.render(c.notification, bot, c.ctx);
    // The whole payload: a resolution also carries the chat.update body in `meta`.
    expect(payload).toEqual(golden('slack', name, payload));
    const body = payload.body as Body;
    expect(blockKitProblems(body)).toEqual([]);
    const update = payload.meta?.[SLACK_UPDATE_META];
    if (update !== undefined) expect(blockKitProblems(JSON.parse(update))).toEqual([]);
    expect(totalText(body)).toBeLessThanOrEqual(SLACK_TEXT_BUDGET);
  });
});
