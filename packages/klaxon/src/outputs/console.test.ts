import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleConfigSchema, consoleOutput, renderConsole } from './console.js';
import { DeliveryError } from './errors.js';
import { HOSTILE_STRINGS, hostileFinding, testFinding, testNotification } from './testdata/notifications.js';

const ctx = { accountAliases: { '884003976652': 'prod' } };
const text = consoleConfigSchema.parse({ type: 'console' });
const json = consoleConfigSchema.parse({ type: 'console', format: 'json' });

/** Replaces stdout.write (restored after each test) with one that succeeds and records every chunk. */
function captureStdout(): string[] {
  const writes: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string, cb?: (err?: Error) => void) => {
    writes.push(chunk);
    cb?.();
    return true;
  }) as typeof process.stdout.write);
  return writes;
}

describe('console output', () => {
  afterEach(() => vi.restoreAllMocks());

  it('defaults to the text format and rejects unknown keys', () => {
    expect(text).toEqual({ type: 'console', format: 'text' });
    expect(consoleConfigSchema.safeParse({ type: 'console', colour: true }).success).toBe(false);
    expect(consoleConfigSchema.safeParse({ type: 'console', format: 'xml' }).success).toBe(false);
  });

  it('renders one readable line for a finding', () => {
    const payload = renderConsole(testNotification(), text, ctx);
    expect(payload.body).toBe(
      '2026-11-25T12:00:00.000Z [High 7.2] New finding: Unprotected port on EC2 instance i-0618726e20846a8dc is being probed. — ' +
        'rule guardduty-high · account prod (884003976652) · us-west-2 · Recon:EC2/PortProbeUnprotectedPort · ' +
        'Instance i-0618726e20846a8dc (production (NA)) · count 3 · ' +
        'https://us-west-2.console.aws.amazon.com/guardduty/home?region=us-west-2#/findings?macros=current&fId=a2b4e5df544366954e71c42d515b5a16',
    );
  });

  it('is deterministic', () => {
    const n = testNotification({ kind: 'escalation', previous: { severity: { score: 5, label: 'MEDIUM' } } });
    expect(renderConsole(n, text, ctx)).toEqual(renderConsole(n, text, ctx));
    expect(renderConsole(n, text, ctx).body).toContain('Severity raised: Medium 5.0 → High 7.2:');
  });

  it('renders a digest as one line, worst first, naming every finding up to five', () => {
    const findings = [1, 2, 3, 4, 5, 6, 7].map((i) =>
      testFinding({
        key: `k${i}`,
        title: `finding ${i}`,
        severity: { score: i, label: i >= 7 ? 'HIGH' : 'LOW' },
      }),
    );
    const n = testNotification({
      kind: 'digest',
      findings,
      group: { key: 'g', labels: { account: '884003976652', type: 'Recon' } },
    });
    const body = renderConsole(n, text, ctx).body as string;
    expect(body).toBe(
      '2026-11-25T12:00:00.000Z [High 7.0] 7 findings: finding 7 (High 7.0); finding 6 (Low 6.0); finding 5 (Low 5.0); ' +
        'finding 4 (Low 4.0); finding 3 (Low 3.0); +2 more — rule guardduty-high · account=prod (884003976652), type=Recon',
    );
  });

  it('prints an action result without findings as the headline and the rule', () => {
    const n = testNotification({
      kind: 'action-result',
      findings: [],
      action: { type: 'ec2-isolate', dryRun: true, status: 'succeeded', summary: 'would move i-1\u001b[31m' },
    });
    expect(renderConsole(n, text, ctx).body).toBe(
      '2026-11-25T12:00:00.000Z [-] Action ec2-isolate succeeded (dry run): would move i-1[31m: (rule guardduty-high)',
    );
  });

  it('prints a rule template or the transformer output instead of the default text', () => {
    const templated = testNotification({ template: 'ALERT {{finding.title}} in {{accountAlias}}' });
    expect(renderConsole(templated, text, ctx).body).toBe(
      '2026-11-25T12:00:00.000Z [High 7.2] New finding: ALERT Unprotected port on EC2 instance i-0618726e20846a8dc is being probed. in prod (rule guardduty-high)',
    );
    const transformed = testNotification({ transformed: '"Finding a2b4\nnext line"' });
    expect(renderConsole(transformed, text, ctx).body).toBe(
      '2026-11-25T12:00:00.000Z [High 7.2] New finding: "Finding a2b4 next line" (rule guardduty-high)',
    );
  });

  it.each(HOSTILE_STRINGS)(
    'keeps hostile text on one line without control or bidi characters: %j',
    (hostile) => {
      const n = testNotification({ findings: [hostileFinding(hostile)] });
      const line = renderConsole(n, text, ctx).body as string;
      expect(line).not.toMatch(/[\r\n\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f]/);
      const big = renderConsole(
        testNotification({ findings: [hostileFinding(hostile.repeat(20_000))] }),
        text,
        ctx,
      );
      expect((big.body as string).length).toBeLessThanOrEqual(2000);
    },
  );

  it('json format prints the notification record on one line, bidi characters escaped', async () => {
    const n = testNotification({ findings: [hostileFinding('safe\u202Eexe.txt\nnext')] });
    const payload = renderConsole(n, json, ctx);
    const writes = captureStdout();
    await consoleOutput.send(payload, json, {
      idempotencyKey: 'k',
      signal: new AbortController().signal,
      fetch,
    });
    expect(writes).toHaveLength(1);
    const line = writes[0] as string;
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\n\u202e]/);
    expect(line).toContain('\\u202e');
    const record = JSON.parse(line);
    expect(record.findings[0].title).toBe('safe\u202Eexe.txt\nnext');
    expect(record.findings[0].event).toBeUndefined();
    expect(record.findings[0].raw).toBeUndefined();
    expect(record).toMatchObject({ id: 'n-0001-guardduty-high-pager', kind: 'new', rule: 'guardduty-high' });
  });

  it('sends the text line to standard output', async () => {
    const writes = captureStdout();
    await consoleOutput.send({ body: 'hello' }, text, {
      idempotencyKey: 'k',
      signal: new AbortController().signal,
      fetch,
    });
    expect(writes).toEqual(['hello\n']);
  });

  it('turns a closed pipe into a final DeliveryError', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(((_chunk: string, cb?: (err?: Error) => void) => {
      cb?.(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      return false;
    }) as typeof process.stdout.write);
    const sent = consoleOutput.send({ body: 'x' }, text, {
      idempotencyKey: 'k',
      signal: new AbortController().signal,
      fetch,
    });
    await expect(sent).rejects.toBeInstanceOf(DeliveryError);
    await expect(sent).rejects.toMatchObject({ retryable: false });
  });
});
