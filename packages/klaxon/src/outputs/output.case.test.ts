/**
 * The contract every output keeps, run against every type registered in `outputTypes` (rows in
 * testdata/contract-fixtures.ts say how to reach each one on loopback):
 * - the config schema is strict;
 * - `render` is pure and deterministic (same input → byte-equal JSON; the input is not mutated);
 * - no payload, error (message, cause chain, stack) or console line carries a secret;
 * - the retry decision per HTTP status class (408/425/429/5xx retry, other 4xx final, 2xx ok),
 *   `Retry-After` parsed into `retryAfterMs`, network failures retryable; SMTP 4xx retry, 5xx final.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Notification } from '../route/notification.js';
import { DeliveryError } from './errors.js';
import { outputTypes } from './index.js';
import type { OutputType, SendContext } from './output.js';
import {
  CONTRACT_SMTP,
  type ContractFixture,
  contractFixtures,
  type Loopback,
} from './testdata/contract-fixtures.js';
import { type LoopbackHttp, type Reply, startLoopbackHttp } from './testdata/loopback-http.js';
import { type LoopbackSmtp, startLoopbackSmtp } from './testdata/loopback-smtp.js';
import { HOSTILE_STRINGS, hostileFinding, testFinding, testNotification } from './testdata/notifications.js';

const ctx = { accountAliases: { '884003976652': 'prod' } };

/** Every kind of notification, a digest, and hostile text. */
const NOTIFICATIONS: readonly Notification[] = [
  testNotification({ kind: 'new' }),
  testNotification({ kind: 'escalation', previous: { severity: { score: 5, label: 'MEDIUM' } } }),
  testNotification({ kind: 'update', previous: { count: 1 } }),
  testNotification({ kind: 'repeat' }),
  testNotification({ kind: 'resolved', findings: [testFinding({ recordState: 'ARCHIVED' })] }),
  testNotification({
    kind: 'action-result',
    action: { type: 'ec2-isolate', dryRun: false, status: 'succeeded', summary: 'moved i-0618726e20846a8dc' },
  }),
  testNotification({
    kind: 'digest',
    findings: [testFinding(), testFinding({ key: 'k2', severity: { score: 9.1, label: 'CRITICAL' } })],
    group: { key: 'account=884003976652', labels: { account: '884003976652' } },
  }),
  testNotification({ template: '{{finding.title}} on {{finding.resources.0.id}}' }),
  ...HOSTILE_STRINGS.map((h) => testNotification({ findings: [hostileFinding(h)] })),
];

const STATUSES = [400, 401, 403, 404, 408, 409, 413, 422, 425, 429, 500, 502, 503, 504];

function commonRule(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Every string an error exposes: message, name, stack and the whole cause chain. */
function errorTexts(error: unknown, depth = 0): string[] {
  if (depth > 5 || error === undefined || error === null) return [];
  if (!(error instanceof Error)) return [String(error)];
  const own = Object.entries(error).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [error.message, error.name, error.stack ?? '', ...own, ...errorTexts(error.cause, depth + 1)];
}

/** Captures console and stdout/stderr writes while `run` runs. */
async function capturingOutput<T>(run: () => Promise<T>): Promise<{ result: T | unknown; printed: string }> {
  let printed = '';
  const grab = (...args: unknown[]) => {
    printed += `${args.map(String).join(' ')}\n`;
  };
  const spies = [
    vi.spyOn(console, 'log').mockImplementation(grab),
    vi.spyOn(console, 'info').mockImplementation(grab),
    vi.spyOn(console, 'warn').mockImplementation(grab),
    vi.spyOn(console, 'error').mockImplementation(grab),
    vi.spyOn(console, 'debug').mockImplementation(grab),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      grab(chunk);
      return true;
    }),
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      grab(chunk);
      return true;
    }),
  ];
  try {
    const result = await run().catch((e: unknown) => e);
    return { result, printed };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

function expectNoSecret(texts: readonly string[], secrets: readonly string[], where: string): void {
  const all = texts.join('\n');
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])) {
      expect(all.includes(form), `${where} reveals a secret`).toBe(false);
    }
  }
}

let http: LoopbackHttp;
let smtp: LoopbackSmtp;
let dir: string;
let loopback: Loopback;

beforeAll(async () => {
  http = await startLoopbackHttp();
  smtp = await startLoopbackSmtp(CONTRACT_SMTP.user, CONTRACT_SMTP.pass);
  dir = mkdtempSync(join(tmpdir(), 'klaxon-contract-'));
  loopback = { origin: http.origin, smtpUrl: smtp.url, dir };
});
afterAll(async () => {
  await http.close();
  await smtp.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('output registry', () => {
  it('has a contract row for every registered output', () => {
    const missing = outputTypes.map((o) => o.type).filter((t) => !(t in contractFixtures));
    expect(missing, 'add a row to src/outputs/testdata/contract-fixtures.ts').toEqual([]);
  });

  it('registers each type once', () => {
    const types = outputTypes.map((o) => o.type);
    expect(new Set(types).size).toBe(types.length);
  });
});

// biome-ignore lint/suspicious/noExplicitAny: each output has its own config type
const rows = outputTypes.map((o) => [o.type, o] as [string, OutputType<any>]);

describe.each(rows)('output contract: %s', (type, output) => {
  const fixture: ContractFixture | undefined = contractFixtures[type];
  // biome-ignore lint/suspicious/noExplicitAny: the config comes from the row, validated below
  let config: any;
  const saved: Record<string, string | undefined> = {};

  beforeAll(() => {
    if (fixture === undefined) return;
    for (const [k, v] of Object.entries(fixture.env ?? {})) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    config = output.schema.parse(fixture.config(loopback));
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  afterEach(() => {
    http.respond({ status: 200 });
    smtp.failWith(undefined);
  });

  const sendCtx = (): SendContext => ({
    idempotencyKey: `contract-${type}`,
    signal: AbortSignal.timeout(10_000),
    fetch,
  });

  it('has a contract row', () => {
    expect(fixture, `no row for "${type}" in testdata/contract-fixtures.ts`).toBeDefined();
  });

  it('has a strict schema with a literal type', () => {
    const raw = fixture!.config(loopback);
    expect(output.schema.safeParse(raw).success).toBe(true);
    expect(output.schema.safeParse({ ...raw, unexpectedKey: 1 }).success).toBe(false);
    expect(output.schema.safeParse({ ...raw, type: `${type}-typo` }).success).toBe(false);
  });

  it('names every secret of its config', () => {
    const secrets = output.secrets(config);
    for (const s of fixture!.secretValues) {
      expect(
        secrets.some((x) => x.includes(s)),
        `secrets(config) must include ${s.length}-char secret`,
      ).toBe(true);
    }
  });

  it('renders deterministically, without mutating its input, and without secrets', async () => {
    const secrets = output.secrets(config);
    const { printed } = await capturingOutput(async () => {
      for (const n of NOTIFICATIONS) {
        for (const threadRef of [undefined, 'thread-ref-1']) {
          const renderCtx = threadRef === undefined ? ctx : { ...ctx, threadRef };
          const a = JSON.stringify(output.render(deepFreeze(structuredClone(n)), config, renderCtx));
          const b = JSON.stringify(output.render(structuredClone(n), config, structuredClone(renderCtx)));
          expect(a).toBe(b);
          expectNoSecret([a], secrets, `render(${n.kind})`);
        }
      }
    });
    expectNoSecret([printed], secrets, 'console output during render');
  });

  it('declares `threads` when its rendering uses the thread reference (the worker looks it up only then)', () => {
    const usesRef = NOTIFICATIONS.some((n) =>
      // A Slack message timestamp and an e-mail Message-ID: the two shapes of reference outputs keep.
      ['1700000000.000100', '<thread-1@klaxon.test>'].some(
        (threadRef) =>
          JSON.stringify(output.render(structuredClone(n), config, { ...ctx, threadRef })) !==
          JSON.stringify(output.render(structuredClone(n), config, ctx)),
      ),
    );
    if (usesRef)
      expect(output.threads, `${type} renders threadRef but does not set threads: true`).toBe(true);
    else expect(output.threads ?? false).toBe(false);
  });

  it('renders any finding text without throwing, to JSON, without secrets', () => {
    const secrets = output.secrets(config);
    const text = fc.string({ unit: 'binary', maxLength: 300 });
    const label = fc.constantFrom('INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL' as const);
    const kind = fc.constantFrom(
      'new',
      'escalation',
      'update',
      'repeat',
      'resolved',
      'digest',
      'action-result' as const,
    );
    fc.assert(
      fc.property(
        text,
        text,
        text,
        text,
        label,
        fc.double({ noNaN: false }),
        kind,
        (title, desc, id, region, l, score, k) => {
          const finding = testFinding({
            title,
            description: desc,
            region,
            severity: { score, label: l },
            resources: [{ kind: id, id, details: { [id]: title } }],
            actor: { ip: id, userAgent: desc },
            firstSeen: title,
            lastSeen: id,
            consoleUrl: id,
          });
          const n = testNotification({
            kind: k,
            findings: [finding, finding],
            action: { type: id, dryRun: false, status: 'failed', summary: desc },
            previous: { severity: { score: 1, label: 'LOW' }, count: 1 },
          });
          const json = JSON.stringify(output.render(n, config, ctx));
          expectNoSecret([json], secrets, 'render of arbitrary text');
        },
      ),
      { numRuns: 60 },
    );
  });

  if (fixture?.transport === 'http')
    it('succeeds on the service’s 2xx answer', async () => {
      http.respond(fixture!.okReply ?? (() => ({ status: 200 })));
      const payload = output.render(NOTIFICATIONS[0]!, config, ctx);
      const before = http.requests.length;
      const { result, printed } = await capturingOutput(() => output.send(payload, config, sendCtx()));
      expect(result).not.toBeInstanceOf(Error);
      expect(http.requests.length).toBe(before + 1);
      expectNoSecret([printed], output.secrets(config), 'console output during send');
    });

  if (fixture?.transport === 'http')
    it('decides retry per HTTP status class, honours Retry-After, reveals no secret', async () => {
      const secrets = output.secrets(config);
      const payload = output.render(NOTIFICATIONS[0]!, config, ctx);
      for (const status of STATUSES) {
        const headers: Record<string, string> =
          status === 429 || status === 503 ? { 'retry-after': '7' } : {};
        const reply: Reply = fixture!.errorReply?.(status, headers) ?? {
          status,
          headers: { ...headers, 'content-type': 'application/json' },
          // A far side that echoes what it got must not make us repeat a secret.
          body: JSON.stringify({ error: `failed: ${secrets.join(' ')}` }),
        };
        http.respond(reply);
        const { result, printed } = await capturingOutput(() => output.send(payload, config, sendCtx()));
        expect(result, `HTTP ${status}`).toBeInstanceOf(DeliveryError);
        const error = result as DeliveryError;
        const expected = fixture!.retryExceptions?.[status]?.retryable ?? commonRule(status);
        expect({ status, retryable: error.retryable }).toEqual({ status, retryable: expected });
        expect(error.status).toBe(status);
        if (headers['retry-after'] !== undefined)
          expect(error.retryAfterMs, `HTTP ${status} Retry-After`).toBe(7000);
        expectNoSecret([...errorTexts(error), printed], secrets, `HTTP ${status} failure`);
      }
    });

  if (fixture?.transport === 'http')
    it('reads an HTTP-date Retry-After', async () => {
      const at = new Date(Date.now() + 120_000).toUTCString();
      http.respond(
        fixture!.errorReply?.(429, { 'retry-after': at }) ?? { status: 429, headers: { 'retry-after': at } },
      );
      const payload = output.render(NOTIFICATIONS[0]!, config, ctx);
      const error = (await output.send(payload, config, sendCtx()).catch((e: unknown) => e)) as DeliveryError;
      expect(error.retryable).toBe(true);
      // Second resolution of the date and the time the test takes: a window, not an exact value.
      expect(error.retryAfterMs).toBeGreaterThan(100_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(120_000);
    });

  if (fixture?.transport === 'http')
    it('treats an unreachable service as retryable, revealing no secret', async () => {
      const closed = await startLoopbackHttp();
      await closed.close();
      const deadConfig = output.schema.parse(fixture!.config({ ...loopback, origin: closed.origin }));
      const payload = output.render(NOTIFICATIONS[0]!, deadConfig, ctx);
      const { result, printed } = await capturingOutput(() => output.send(payload, deadConfig, sendCtx()));
      expect(result).toBeInstanceOf(DeliveryError);
      expect((result as DeliveryError).retryable).toBe(true);
      expectNoSecret([...errorTexts(result), printed], output.secrets(deadConfig), 'network failure');
    });

  if (fixture?.transport === 'smtp')
    it('decides retry per SMTP reply class, revealing no secret', async () => {
      const secrets = output.secrets(config);
      const payload = output.render(NOTIFICATIONS[0]!, config, ctx);
      const ok = await output.send(payload, config, sendCtx());
      expect(ok.ref).toBeDefined();
      for (const [code, retryable] of [
        [421, true],
        [450, true],
        [451, true],
        [452, true],
        [550, false],
        [552, false],
        [553, false],
        [554, false],
      ] as const) {
        smtp.failWith(code, `refused ${secrets.join(' ')}`);
        const { result, printed } = await capturingOutput(() => output.send(payload, config, sendCtx()));
        expect(result, `SMTP ${code}`).toBeInstanceOf(DeliveryError);
        expect({ code, retryable: (result as DeliveryError).retryable }).toEqual({ code, retryable });
        expectNoSecret([...errorTexts(result), printed], secrets, `SMTP ${code} failure`);
      }
    });
});
