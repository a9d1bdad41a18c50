/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): one alert per finding, keyed by the finding key
 * so that later news about the finding lands on the same alert and a resolution resolves it.
 * The routing key travels only in the request body built by `send`; `render` leaves it out so the
 * dry-run payload holds no secret.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Finding, SeverityLabel } from '../findings/finding.js';
import type { Notification } from '../route/notification.js';
import { requestOrDeliveryError } from './delivery-failure.js';
import { endpointUrl } from './endpoint-url.js';
import { DeliveryError } from './errors.js';
import type { OutputType, Payload, RenderContext } from './output.js';
import {
  accountText,
  bySeverity,
  findingFacts,
  groupText,
  headline,
  oneLine,
  resourceText,
  safeConsoleUrl,
  severityName,
  severityText,
  stripInvisible,
  timeText,
  truncate,
  worstSeverity,
} from './render/finding-text.js';
import { renderTemplate } from './render/template.js';

/** PagerDuty's public Events API v2 endpoint (the EU service uses `events.eu.pagerduty.com`). */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** PagerDuty's limits: `dedup_key` ≤ 255 characters, `payload.summary` ≤ 1024. */
export const PAGERDUTY_LIMITS = { dedupKey: 255, summary: 1024, source: 255, description: 4000 } as const;

/** Findings listed one by one in a digest's `custom_details` before `+N more`. */
const DIGEST_LISTED = 50;

/** Config of a `pagerduty` output. */
export const pagerDutySchema = z.strictObject({
  type: z.literal('pagerduty'),
  /** The 32-character integration key of an "Events API V2" integration on a service. */
  routingKey: z.string().regex(/^\S+$/, 'must be the integration key, without spaces'),
  /** Default `https://events.pagerduty.com/v2/enqueue`. */
  apiUrl: endpointUrl('the PagerDuty Events API v2 URL').optional(),
});

/** A `pagerduty` output's config. */
export type PagerDutyConfig = z.infer<typeof pagerDutySchema>;

const SEVERITY: Readonly<Record<SeverityLabel, 'critical' | 'error' | 'warning' | 'info'>> = {
  CRITICAL: 'critical',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'info',
  INFORMATIONAL: 'info',
};

/**
 * The `dedup_key` of a finding key: the key itself when it fits PagerDuty's 255 characters and is
 * printable ASCII (every GuardDuty ARN and ASFF key in practice), else `klaxon-sha256:` and the
 * SHA-256 hex of the key — stable, so every event about such a finding still reaches the same
 * alert, and a hostile key cannot carry control or bidi characters into PagerDuty.
 */
export function pagerDutyDedupKey(key: string): string {
  if (key.length <= PAGERDUTY_LIMITS.dedupKey && /^[\x20-\x7E]+$/.test(key)) return key;
  return `klaxon-sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** Plain text PagerDuty shows as is: controls and bidi overrides removed, long text cut visibly. */
function text(value: string, max: number): string {
  return truncate(oneLine(stripInvisible(value)), max);
}

function timestampOf(notification: Notification, finding: Finding | undefined): string {
  for (const candidate of [finding?.lastSeen, finding?.event.time, notification.createdAt]) {
    if (candidate === undefined) continue;
    const ms = Date.parse(candidate);
    if (!Number.isNaN(ms) && /^\d{4}-\d{2}-\d{2}T/.test(candidate)) return new Date(ms).toISOString();
  }
  return notification.createdAt;
}

function summaryOf(notification: Notification, ctx: RenderContext): string {
  if (notification.template !== undefined) {
    const own = text(
      renderTemplate(notification.template, notification, {
        escape: (v) => oneLine(stripInvisible(v)),
        accountAliases: ctx.accountAliases,
      }),
      PAGERDUTY_LIMITS.summary,
    );
    // PagerDuty refuses an empty summary: a template that renders to nothing gets the default.
    if (own !== '') return own;
  }
  const findings = notification.findings;
  const first = findings[0];
  if (notification.kind === 'digest' || first === undefined) {
    const worst = worstSeverity(findings);
    const group = groupText(notification, ctx.accountAliases);
    const titles = bySeverity(findings)
      .slice(0, 3)
      .map((f) => f.title)
      .join('; ');
    return text(
      `${headline(notification)}${worst === undefined ? '' : `, worst ${severityName(worst.label)}`}${group === '' ? '' : ` (${group})`}: ${titles}`,
      PAGERDUTY_LIMITS.summary,
    );
  }
  const where = `${accountText(first.account, ctx.accountAliases)} ${first.region}`.trim();
  const lead = notification.kind === 'new' ? '' : `[${headline(notification)}] `;
  return text(
    `${lead}${severityName(first.severity.label)} ${first.product} finding in ${where}: ${first.title}`,
    PAGERDUTY_LIMITS.summary,
  );
}

function findingDetails(finding: Finding, ctx: RenderContext): Record<string, unknown> {
  const facts = findingFacts(finding, ctx.accountAliases);
  const details: Record<string, unknown> = {
    title: text(finding.title, PAGERDUTY_LIMITS.summary),
    description: text(finding.description, PAGERDUTY_LIMITS.description),
  };
  for (const fact of Object.values(facts)) {
    if (fact === undefined || fact.label === 'Resource' || fact.label === 'Resources') continue;
    details[fact.label.toLowerCase().replaceAll(' ', '_')] = text(fact.value, 500);
  }
  details.resources = finding.resources.map((r) => text(resourceText(r), 500));
  if (finding.actor !== undefined) {
    const actor: Record<string, string> = {};
    for (const [k, v] of Object.entries(finding.actor)) {
      if (typeof v === 'string' && v !== '') actor[k] = text(v, 500);
    }
    details.actor = actor;
  }
  details.finding_key = text(finding.key, 2048);
  return details;
}

function render(notification: Notification, _config: PagerDutyConfig, ctx: RenderContext): Payload {
  const findings = notification.findings;
  const first = notification.kind === 'digest' ? bySeverity(findings)[0] : findings[0];
  const dedupKey = pagerDutyDedupKey(
    notification.kind === 'digest'
      ? `klaxon-digest:${notification.rule}:${notification.group?.key ?? notification.id}`
      : (first?.key ?? notification.id),
  );
  if (notification.kind === 'resolved') {
    return { body: { event_action: 'resolve', dedup_key: dedupKey } };
  }
  const severity = worstSeverity(findings);
  const customDetails: Record<string, unknown> = {
    headline: text(headline(notification), 500),
    rule: notification.rule,
    notification: notification.kind,
  };
  if (notification.kind === 'digest') {
    customDetails.group = text(groupText(notification, ctx.accountAliases), 1000);
    customDetails.findings = bySeverity(findings)
      .slice(0, DIGEST_LISTED)
      .map((f) => ({
        severity: severityText(f.severity),
        title: text(f.title, 300),
        type: text(f.type, 200),
        account: text(accountText(f.account, ctx.accountAliases), 200),
        region: text(f.region, 50),
        last_seen: text(timeText(f.lastSeen) ?? '', 100),
        finding_key: text(f.key, 2048),
      }));
    if (findings.length > DIGEST_LISTED) customDetails.more = `+${findings.length - DIGEST_LISTED} more`;
  } else if (first !== undefined) {
    Object.assign(customDetails, findingDetails(first, ctx));
  }
  if (notification.action !== undefined) {
    customDetails.action = {
      type: notification.action.type,
      status: notification.action.status,
      dry_run: notification.action.dryRun,
      summary: text(notification.action.summary, 1000),
    };
  }
  if (notification.transformed !== undefined) {
    customDetails.transformed = truncate(
      stripInvisible(notification.transformed),
      PAGERDUTY_LIMITS.description,
    );
  }
  const resource = first?.resources[0];
  const source =
    resource !== undefined && resource.id !== ''
      ? `${resource.id}${first?.region ? ` (${first.region})` : ''}`
      : first === undefined
        ? 'klaxon'
        : `${first.account}/${first.region === '' ? 'global' : first.region}`;
  const payload: Record<string, unknown> = {
    summary: summaryOf(notification, ctx),
    source: text(source, PAGERDUTY_LIMITS.source),
    severity: SEVERITY[severity?.label ?? 'INFORMATIONAL'],
    timestamp: timestampOf(notification, first),
  };
  if (resource !== undefined && resource.kind !== '') payload.component = text(resource.kind, 255);
  if (first !== undefined) {
    payload.group = text(accountText(first.account, ctx.accountAliases), 255);
    payload.class = text(first.type, 255);
  }
  payload.custom_details = customDetails;
  const body: Record<string, unknown> = {
    event_action: 'trigger',
    dedup_key: dedupKey,
    client: 'Klaxon',
    payload,
  };
  const links = (notification.kind === 'digest' ? bySeverity(findings).slice(0, 5) : first ? [first] : [])
    .map((f) => ({ href: safeConsoleUrl(f.consoleUrl), text: text(`Open in the ${f.product} console`, 100) }))
    .filter((l): l is { href: string; text: string } => l.href !== undefined);
  if (links.length > 0) body.links = links;
  return { body };
}

async function send(
  payload: Payload,
  config: PagerDutyConfig,
  ctx: Parameters<OutputType<PagerDutyConfig>['send']>[2],
): Promise<{ ref?: string }> {
  const secrets = [config.routingKey];
  if (payload.body === null || typeof payload.body !== 'object') {
    throw new DeliveryError('pagerduty: payload body is not an object', { retryable: false });
  }
  const body = JSON.stringify({
    routing_key: config.routingKey,
    ...(payload.body as Record<string, unknown>),
  });
  const response = await requestOrDeliveryError(
    ctx,
    config.apiUrl ?? PAGERDUTY_EVENTS_URL,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'idempotency-key': ctx.idempotencyKey,
      },
      body,
      signal: ctx.signal,
    },
    'pagerduty',
    secrets,
  );
  // 202 {"status":"success","dedup_key":…}: the dedup key is the alert's handle in PagerDuty.
  const answer = (await response.json().catch(() => undefined)) as { dedup_key?: unknown } | undefined;
  const dedup = answer?.dedup_key;
  const fallback = (payload.body as { dedup_key?: unknown }).dedup_key;
  const ref = typeof dedup === 'string' ? dedup : typeof fallback === 'string' ? fallback : undefined;
  return ref === undefined ? {} : { ref };
}

/** The `pagerduty` output: Events API v2 trigger/resolve keyed by the finding. */
export const pagerDutyOutput: OutputType<PagerDutyConfig> = {
  type: 'pagerduty',
  schema: pagerDutySchema,
  render,
  send,
  secrets: (config) => [config.routingKey],
};
