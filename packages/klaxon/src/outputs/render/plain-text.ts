/**
 * The plain-text message and the subject line shared by the mail-like outputs (the e-mail text
 * part and SNS `text` for e-mail subscribers). Built from finding-text's facts so every channel
 * says the same thing; every finding-derived value is put on one line with controls and bidi
 * characters removed, so a hostile value cannot forge a line of the message (a fake "Open in the
 * console" link, a fake field) or reorder what the reader sees.
 */
import type { Actor, Finding } from '../../findings/finding.js';
import type { Notification } from '../../route/notification.js';
import type { RenderContext } from '../output.js';
import {
  bySeverity,
  type Fact,
  findingFacts,
  groupText,
  headline,
  oneLine,
  safeConsoleUrl,
  severityName,
  severityText,
  stripInvisible,
  truncate,
  worstSeverity,
} from './finding-text.js';
import { renderTemplate } from './template.js';

/** Longest single value in a plain-text message (a title, a field), in UTF-16 units. */
export const MAX_FIELD = 1_000;
/** Longest description. */
export const MAX_DESCRIPTION = 4_000;
/** Findings listed one by one in a digest before `+N more not listed`. */
export const DIGEST_LISTED = 100;

/** One line of finding text, safe to print: no controls, no bidi, no line breaks, bounded. */
export function cleanLine(value: string, max: number = MAX_FIELD): string {
  return truncate(oneLine(stripInvisible(value)), max);
}

/** `211.44.226.158 · South Korea · SK Broadband Co Ltd · PORT_PROBE`: who acted, in one line. */
export function actorText(actor: Actor | undefined): string | undefined {
  if (actor === undefined) return undefined;
  const where = [actor.city, actor.country].filter((v) => v !== undefined && v !== '').join(', ');
  const org = actor.organization ?? (actor.asn === undefined ? undefined : `AS${actor.asn}`);
  const parts = [
    actor.principal,
    actor.ip,
    actor.domain,
    where,
    org,
    actor.api,
    actor.serviceName,
    actor.process,
  ]
    .filter((v): v is string => v !== undefined && v !== '')
    .map((v) => cleanLine(v, 300));
  const text = parts.join(' · ');
  const ua =
    actor.userAgent === undefined || actor.userAgent === ''
      ? ''
      : ` · user agent ${cleanLine(actor.userAgent, 300)}`;
  const all = `${text}${ua}`.replace(/^ · /, '');
  return all === '' ? undefined : all;
}

/** What the message is about, as a tag: `HIGH`, `ESCALATED to HIGH`, `RESOLVED`, `REMINDER HIGH`… */
function kindTag(notification: Notification, finding: Finding | undefined): string {
  const label = finding?.severity.label ?? 'INFORMATIONAL';
  switch (notification.kind) {
    case 'new':
      return label;
    case 'escalation':
      return `ESCALATED to ${label}`;
    case 'update':
      return `UPDATED ${label}`;
    case 'repeat':
      return `REMINDER ${label}`;
    case 'resolved':
      return 'RESOLVED';
    case 'action-result': {
      const action = notification.action;
      return action === undefined
        ? 'ACTION'
        : `ACTION ${action.type} ${action.status}${action.dryRun ? ' (dry run)' : ''}`;
    }
    case 'digest':
      return 'DIGEST';
  }
}

/**
 * `[Klaxon] HIGH GuardDuty: <title>` — one line, at most `max` characters (ending `…` when cut).
 * Digests read `[Klaxon] 12 findings, worst CRITICAL (account=prod (…))`. `prefix` may be empty.
 */
export function subjectLine(
  notification: Notification,
  ctx: RenderContext,
  prefix: string,
  max: number,
): string {
  const lead = prefix === '' ? '' : `${cleanLine(prefix, 60)} `;
  let rest: string;
  const first = notification.findings[0];
  if (notification.kind === 'digest' || first === undefined) {
    const worst = worstSeverity(notification.findings);
    const group = groupText(notification, ctx.accountAliases);
    rest = `${headline(notification)}${worst === undefined ? '' : `, worst ${worst.label}`}${group === '' ? '' : ` (${group})`}`;
  } else {
    rest = `${kindTag(notification, first)} ${first.product}: ${first.title}`;
  }
  const line = oneLine(stripInvisible(`${lead}${rest}`));
  if (line.length <= max) return line;
  let cut = line.slice(0, Math.max(0, max - 1)).trimEnd();
  // Never leave half a surrogate pair before the ellipsis.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

function factLines(facts: readonly Fact[]): string[] {
  const width = Math.max(...facts.map((f) => f.label.length)) + 2;
  const lines: string[] = [];
  for (const fact of facts) {
    // Multi-line facts (one resource per line) continue under the value column.
    const values = fact.value.split('\n').map((v) => cleanLine(v));
    values.forEach((v, i) => {
      lines.push(`${i === 0 ? `${fact.label}:`.padEnd(width) : ' '.repeat(width)}${v}`);
    });
  }
  return lines;
}

/** The facts shown for one finding (severity, type, account… actor), in display order, absent ones dropped. */
export function findingFactList(finding: Finding, ctx: RenderContext): Fact[] {
  const f = findingFacts(finding, ctx.accountAliases);
  const list = [
    f.severity,
    f.type,
    f.account,
    f.region,
    f.resource,
    f.firstSeen,
    f.lastSeen,
    f.count,
    f.status,
  ];
  const actor = actorText(finding.actor);
  if (actor !== undefined) list.push({ label: 'Actor', value: actor });
  return list.filter((x): x is Fact => x !== undefined);
}

function consoleLines(finding: Finding): string[] {
  const url = safeConsoleUrl(finding.consoleUrl);
  return url === undefined ? [] : [`Open in the ${cleanLine(finding.product, 100)} console:`, url];
}

function actionLines(notification: Notification): string[] {
  const action = notification.action;
  if (action === undefined) return [];
  return [
    `Action ${cleanLine(action.type, 100)}: ${action.status}${action.dryRun ? ' (dry run)' : ''}`,
    cleanLine(action.summary, MAX_DESCRIPTION),
  ];
}

/**
 * The readable plain-text message: headline, title, description, facts, console link, footer.
 * A rule's template replaces it (values cleaned, template text kept as written); without one, a
 * rule's input-transformer output replaces it verbatim (that is what the replaced systems sent).
 */
export function plainTextBody(notification: Notification, ctx: RenderContext): string {
  if (notification.template !== undefined) {
    return stripInvisible(
      renderTemplate(notification.template, notification, {
        escape: (v) => cleanLine(v, MAX_DESCRIPTION),
        accountAliases: ctx.accountAliases,
      }),
    );
  }
  if (notification.transformed !== undefined) return stripInvisible(notification.transformed);
  const first = notification.findings[0];
  if (notification.kind === 'digest' || first === undefined) return digestBody(notification, ctx);
  const blocks: string[][] = [
    [
      `${cleanLine(headline(notification))} — ${severityName(first.severity.label)} ${cleanLine(first.product, 100)} finding`,
      cleanLine(first.title),
    ],
    [cleanLine(first.description, MAX_DESCRIPTION)],
    factLines(findingFactList(first, ctx)),
    actionLines(notification),
    consoleLines(first),
    [`Rule: ${cleanLine(notification.rule, 200)} · Finding: ${cleanLine(first.key, 2048)}`],
  ];
  return `${blocks
    .filter((b) => b.length > 0 && b.some((l) => l !== ''))
    .map((b) => b.join('\n'))
    .join('\n\n')}\n`;
}

function digestBody(notification: Notification, ctx: RenderContext): string {
  const findings = bySeverity(notification.findings);
  const worst = worstSeverity(findings);
  const group = groupText(notification, ctx.accountAliases);
  const head = `${headline(notification)}${worst === undefined ? '' : `, worst ${severityName(worst.label)}`}${group === '' ? '' : ` (${cleanLine(group)})`}`;
  const blocks: string[] = [cleanLine(head)];
  findings.slice(0, DIGEST_LISTED).forEach((finding, i) => {
    const f = findingFacts(finding, ctx.accountAliases);
    const where = [f.type, f.account, f.region, f.lastSeen]
      .filter((x): x is Fact => x !== undefined)
      .map((x) => `${x.label} ${cleanLine(x.value, 300)}`)
      .join(' · ');
    const lines = [
      `${i + 1}. [${severityText(finding.severity)}] ${cleanLine(finding.product, 100)}: ${cleanLine(finding.title, 300)}`,
      `   ${where}`,
    ];
    const resource = f.resource?.value
      .split('\n')
      .map((v) => cleanLine(v, 300))
      .join('; ');
    if (resource !== undefined) lines.push(`   ${f.resource?.label}: ${resource}`);
    const url = safeConsoleUrl(finding.consoleUrl);
    if (url !== undefined) lines.push(`   ${url}`);
    blocks.push(lines.join('\n'));
  });
  if (findings.length > DIGEST_LISTED) blocks.push(`+${findings.length - DIGEST_LISTED} more not listed`);
  blocks.push(`Rule: ${cleanLine(notification.rule, 200)}`);
  return `${blocks.join('\n\n')}\n`;
}
