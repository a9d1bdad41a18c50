/**
 * The notifications every channel's golden files are rendered from: each real sample event under
 * ../shared/samples (GuardDuty across resource kinds, Security Hub controls, OCSF) parsed by the
 * real parser and announced as `new`, plus one case per other NotificationKind and digests.
 * Deterministic: fixed ids, times and aliases, so a golden diff is always a rendering change.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Finding } from '../../findings/finding.js';
import { parseFindings } from '../../findings/parse.js';
import type { Notification } from '../../route/notification.js';
import { generateSamples } from '../../samples/index.js';
import type { RenderContext } from '../output.js';

const SAMPLES = fileURLToPath(new URL('../../../../../../shared/samples/', import.meta.url));
const FOLDERS = ['guardduty', 'securityhub', 'securityhub-v2'] as const;
const CREATED_AT = '2026-11-25T12:00:00.000Z';

/** One golden case: a file name (no extension) and what to render. */
export interface GoldenCase {
  readonly name: string;
  readonly notification: Notification;
  readonly ctx: RenderContext;
}

/** Account aliases used by every golden case (one sample account has an alias, the rest do not). */
export const GOLDEN_ALIASES: Readonly<Record<string, string>> = {
  '884003976652': 'prod',
  '111122223333': 'security-tooling',
};

/** Every sample event's findings, in folder then file order, each named `<folder>--<file>`. */
export function sampleFindings(): { name: string; finding: Finding }[] {
  const out: { name: string; finding: Finding }[] = [];
  for (const folder of FOLDERS) {
    const names = readdirSync(`${SAMPLES}${folder}`)
      .filter((n) => n.endsWith('.json'))
      .sort();
    for (const file of names) {
      const findings = parseFindings(JSON.parse(readFileSync(`${SAMPLES}${folder}/${file}`, 'utf8')));
      findings.forEach((finding, i) => {
        const base = `${folder}--${file.replace(/\.json$/, '')}`;
        out.push({ name: findings.length > 1 ? `${base}--${i}` : base, finding });
      });
    }
  }
  return out;
}

/**
 * Generated samples (`generateSamples`, seed 1) that the shared files lack: the first GuardDuty
 * type of every resource kind (EKS, ECS, Lambda, RDS, S3 object, snapshots, …) and every
 * generated Security Hub ASFF and OCSF sample. Named `generated--<kind>--<type>`.
 */
export function generatedFindings(): { name: string; finding: Finding }[] {
  const out: { name: string; finding: Finding }[] = [];
  const seenKinds = new Set<string>();
  for (const event of generateSamples({ seed: 1 })) {
    const detail = event.detail as { resource?: { resourceType?: unknown } } | undefined;
    const isGuardDuty = event['detail-type'] === 'GuardDuty Finding';
    const kind = isGuardDuty ? String(detail?.resource?.resourceType ?? 'none') : event['detail-type'];
    if (isGuardDuty && seenKinds.has(kind)) continue;
    seenKinds.add(kind);
    for (const finding of parseFindings(event)) {
      const safe = (text: string) => text.replace(/[^A-Za-z0-9.-]+/g, '_');
      out.push({ name: `generated--${safe(kind)}--${safe(finding.type)}`, finding });
    }
  }
  return out;
}

function notification(name: string, fields: Omit<Notification, 'id' | 'output' | 'createdAt'>): Notification {
  return { id: `golden-${name}`, output: 'golden', createdAt: CREATED_AT, ...fields };
}

function pick(all: { name: string; finding: Finding }[], suffix: string): Finding {
  const hit = all.find((x) => x.name.endsWith(suffix));
  if (hit === undefined) throw new Error(`golden-cases: no sample named like ${suffix}`);
  return hit.finding;
}

/**
 * All golden cases. `threadRef` is set on the follow-up kinds, as the store would after the first
 * message, so channels with threads render replies. With `generated`, every `generatedFindings()`
 * finding is announced too (digests stay over the shared samples only).
 */
export function goldenCases(options: { readonly generated?: boolean } = {}): GoldenCase[] {
  const all = sampleFindings();
  const ctx: RenderContext = { accountAliases: GOLDEN_ALIASES };
  const thread: RenderContext = { ...ctx, threadRef: '1764072000.000100' };
  const announced = options.generated === true ? [...all, ...generatedFindings()] : all;
  const cases: GoldenCase[] = announced.map(({ name, finding }) => ({
    name,
    ctx,
    notification: notification(name, {
      kind: 'new',
      rule: finding.source === 'guardduty' ? 'guardduty-high' : 'securityhub-failed',
      findings: [finding],
    }),
  }));

  const tor = pick(all, 'UnauthorizedAccess_EC2-TorClient');
  const probe = pick(all, 'Recon_EC2-PortProbeUnprotectedPort');
  const adminSev8 = pick(all, 'AdministrativePermissions--sev8');
  const resolved = pick(all, 'fsbp_S3.2--INFORMATIONAL_PASSED_RESOLVED');
  const ec2 = pick(all, 'fsbp_EC2.1--CRITICAL_FAILED_NEW');
  const followUps: [string, Omit<Notification, 'id' | 'output' | 'createdAt'>][] = [
    [
      'kind-escalation',
      {
        kind: 'escalation',
        rule: 'guardduty-high',
        findings: [adminSev8],
        previous: { severity: { score: 5, label: 'MEDIUM' } },
      },
    ],
    ['kind-update', { kind: 'update', rule: 'guardduty-high', findings: [probe], previous: { count: 1 } }],
    ['kind-repeat', { kind: 'repeat', rule: 'securityhub-failed', findings: [ec2] }],
    ['kind-resolved', { kind: 'resolved', rule: 'securityhub-failed', findings: [resolved] }],
    [
      'kind-action-result',
      {
        kind: 'action-result',
        rule: 'isolate-on-malicious-ip',
        findings: [tor],
        action: {
          type: 'ec2-isolate',
          dryRun: false,
          status: 'succeeded',
          summary: 'i-99999999 moved to forensic security group sg-0123456789abcdef0',
        },
      },
    ],
    [
      'kind-template',
      {
        kind: 'new',
        rule: 'guardduty-high',
        findings: [tor],
        template: '{{finding.severity.label}} {{finding.type}} on {{finding.resources.0.id}} in {{accountAlias}}',
      },
    ],
    ['kind-transformed', { kind: 'new', rule: 'guardduty-high', findings: [tor], transformed: '"Finding 02b6396cc2a94636186a4edd8defbca7 <check>"' }],
  ];
  for (const [name, fields] of followUps) {
    const followUp = fields.kind !== 'new';
    cases.push({ name, ctx: followUp ? thread : ctx, notification: notification(name, fields) });
  }

  const guardduty = all.filter((x) => x.finding.source === 'guardduty').map((x) => x.finding);
  const securityhub = all.filter((x) => x.finding.source !== 'guardduty').map((x) => x.finding);
  cases.push({
    name: 'kind-digest--guardduty',
    ctx,
    notification: notification('kind-digest--guardduty', {
      kind: 'digest',
      rule: 'guardduty-high',
      findings: guardduty,
      group: { key: 'guardduty-high|source=guardduty', labels: { source: 'guardduty' } },
    }),
  });
  cases.push({
    name: 'kind-digest--securityhub',
    ctx,
    notification: notification('kind-digest--securityhub', {
      kind: 'digest',
      rule: 'securityhub-failed',
      findings: securityhub,
      group: { key: 'securityhub-failed|account=111122223333', labels: { account: '111122223333' } },
    }),
  });
  return cases;
}

/** Golden files live in `testdata/golden/<channel>/<case>.json`. */
export const GOLDEN_DIR = fileURLToPath(new URL('./golden/', import.meta.url));

/**
 * The golden value of `golden/<channel>/<name>.json` for a test to compare `value` with; with
 * `UPDATE_GOLDEN=1` it first writes `value` there (review the diff before committing).
 */
export function golden(channel: string, name: string, value: unknown): unknown {
  const dir = `${GOLDEN_DIR}${channel}/`;
  const file = `${dir}${name}.json`;
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  }
  if (!existsSync(file)) {
    throw new Error(`missing golden file ${channel}/${name}.json: run with UPDATE_GOLDEN=1 and review it`);
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Golden files in `golden/<channel>/` that no case produces any more (stale, to be deleted). */
export function staleGoldens(channel: string, cases: readonly GoldenCase[]): string[] {
  const dir = `${GOLDEN_DIR}${channel}/`;
  if (!existsSync(dir)) return [];
  const wanted = new Set(cases.map((c) => `${c.name}.json`));
  return readdirSync(dir).filter((f) => !wanted.has(f));
}

/** How many different findings (by key) the cases render: the suites want real breadth, not 30 copies. */
export function distinctFindings(cases: readonly GoldenCase[]): number {
  return new Set(cases.flatMap((c) => c.notification.findings.map((f) => f.key))).size;
}
