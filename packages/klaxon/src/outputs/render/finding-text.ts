/**
 * Channel-neutral facts about a notification, in plain (unescaped) text: the severity name and
 * colour, the labelled fields a responder reads first, and a headline per notification kind.
 * Every channel renders the same facts in the same words; each channel escapes them itself, so
 * nothing here is safe to put in a message as it is.
 */
import type { Finding, ResourceSummary, Severity, SeverityLabel } from '../../findings/finding.js';
import type { Notification } from '../../route/notification.js';
import { renderTemplate } from './template.js';

/** Severity names as people say them. */
export type SeverityName = 'Critical' | 'High' | 'Medium' | 'Low' | 'Informational';

const SEVERITY_NAMES: Readonly<Record<SeverityLabel, SeverityName>> = {
  CRITICAL: 'Critical',
  HIGH: 'High',
  MEDIUM: 'Medium',
  LOW: 'Low',
  INFORMATIONAL: 'Informational',
};

/** `HIGH` → `High`. */
export function severityName(label: SeverityLabel): SeverityName {
  return SEVERITY_NAMES[label];
}

/** `High 8.0`: the name and the 0–10 score, one decimal (GuardDuty's own precision). */
export function severityText(severity: Severity): string {
  return `${severityName(severity.label)} ${formatScore(severity.score)}`;
}

function formatScore(score: number): string {
  return Number.isFinite(score) ? score.toFixed(1) : '?';
}

/**
 * One colour per severity (hex, no `#`), shared by every channel that has a colour bar so that a
 * High finding looks the same in Slack, Teams and e-mail.
 */
export const SEVERITY_COLOURS: Readonly<Record<SeverityLabel, string>> = {
  CRITICAL: '8B0000',
  HIGH: 'D13438',
  MEDIUM: 'F2A900',
  LOW: '2F7BBF',
  INFORMATIONAL: '8A8886',
};

/** `prod (111122223333)` when the account has an alias, else the bare id. */
export function accountText(account: string, aliases: Readonly<Record<string, string>>): string {
  const alias = Object.hasOwn(aliases, account) ? aliases[account] : undefined;
  return alias === undefined || alias === '' ? account : `${alias} (${account})`;
}

/** `Instance i-0abc (web-1)`: kind, the id a responder searches for, and the human name if any. */
export function resourceText(resource: ResourceSummary): string {
  const head = resource.kind === '' ? resource.id : `${resource.kind} ${resource.id}`;
  return resource.name === undefined || resource.name === '' || resource.name === resource.id
    ? head
    : `${head} (${resource.name})`;
}

/**
 * `2019-10-24 21:23:59 UTC` for an ISO-8601 time; any other text is returned as given (the
 * parser keeps a product's unparseable time verbatim, and a reader is better served by it).
 */
export function timeText(time: string | undefined): string | undefined {
  if (time === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(time)) return time;
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return time;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** One labelled fact. `value` is plain text straight from the finding: escape it per channel. */
export interface Fact {
  readonly label: string;
  readonly value: string;
}

/** The facts of one finding, each present only when the finding has it; channels pick and order. */
export interface FindingFacts {
  readonly severity: Fact;
  readonly type: Fact;
  readonly account: Fact;
  readonly region: Fact;
  /** One line per resource (at most `maxResources`, then `+N more`). */
  readonly resource?: Fact;
  readonly firstSeen?: Fact;
  readonly lastSeen?: Fact;
  readonly count: Fact;
  /** Compliance, workflow and (when ARCHIVED) record state, e.g. `FAILED · NEW`. */
  readonly status?: Fact;
  readonly product: Fact;
}

/** Resources listed by name before `+N more`: enough for a multi-resource ASFF finding. */
export const MAX_RESOURCES = 5;

/** The labelled facts of `finding`, in plain text. */
export function findingFacts(finding: Finding, aliases: Readonly<Record<string, string>>): FindingFacts {
  const resources = finding.resources.slice(0, MAX_RESOURCES).map(resourceText);
  const more = finding.resources.length - resources.length;
  if (more > 0) resources.push(`+${more} more`);
  // ACTIVE is every live finding's record state: only ARCHIVED is worth a word.
  const record = finding.recordState === 'ACTIVE' ? undefined : finding.recordState;
  const status = [finding.complianceStatus, finding.workflowStatus, record]
    .filter((s): s is string => s !== undefined && s !== '')
    .join(' · ');
  const first = timeText(finding.firstSeen);
  const last = timeText(finding.lastSeen);
  return {
    severity: { label: 'Severity', value: severityText(finding.severity) },
    type: { label: 'Type', value: finding.type },
    account: { label: 'Account', value: accountText(finding.account, aliases) },
    region: { label: 'Region', value: finding.region === '' ? '(global)' : finding.region },
    ...(resources.length > 0
      ? {
          resource: {
            label: finding.resources.length > 1 ? 'Resources' : 'Resource',
            value: resources.join('\n'),
          },
        }
      : {}),
    ...(first === undefined ? {} : { firstSeen: { label: 'First seen', value: first } }),
    ...(last === undefined ? {} : { lastSeen: { label: 'Last seen', value: last } }),
    count: { label: 'Count', value: String(finding.count) },
    ...(status === '' ? {} : { status: { label: 'Status', value: status } }),
    product: { label: 'Product', value: finding.product },
  };
}

/**
 * Why this message is being sent, in one short line: `New finding`, `Severity raised: Medium 5.0 →
 * High 8.0`, `Seen again: count 3 → 7`, `Still active`, `Resolved`, `12 findings`, `Action
 * ec2-isolate succeeded`. Plain text (it may quote an action summary): escape per channel.
 */
export function headline(notification: Notification): string {
  const finding = notification.findings[0];
  const previous = notification.previous;
  switch (notification.kind) {
    case 'new':
      return 'New finding';
    case 'escalation': {
      if (finding === undefined) return 'Severity raised';
      const before = previous?.severity === undefined ? '' : `${severityText(previous.severity)} → `;
      return `Severity raised: ${before}${severityText(finding.severity)}`;
    }
    case 'update': {
      if (finding === undefined) return 'Updated';
      const before = previous?.count === undefined ? '' : `${previous.count} → `;
      return `Seen again: count ${before}${finding.count}`;
    }
    case 'repeat':
      return 'Still active (reminder)';
    case 'resolved': {
      const state = finding === undefined ? '' : resolvedState(finding);
      return state === '' ? 'Resolved' : `Resolved (${state})`;
    }
    case 'digest': {
      const n = notification.findings.length;
      return `${n} finding${n === 1 ? '' : 's'}`;
    }
    case 'action-result': {
      const action = notification.action;
      if (action === undefined) return 'Action finished';
      return `Action ${action.type} ${action.status}${action.dryRun ? ' (dry run)' : ''}: ${action.summary}`;
    }
  }
}

function resolvedState(finding: Finding): string {
  if (finding.recordState === 'ARCHIVED') return 'archived';
  if (finding.complianceStatus === 'PASSED') return 'passed';
  if (finding.workflowStatus === 'RESOLVED' || finding.workflowStatus === 'SUPPRESSED') {
    return finding.workflowStatus.toLowerCase();
  }
  return '';
}

/**
 * `prod (884003976652) · us-west-2 · Recon:EC2/PortProbeUnprotectedPort · i-0abc`: where a finding
 * is, on one line, each part escaped with `escapeFor` and cut at `partMax` (a digest row's subtitle).
 */
export function whereLine(
  finding: Finding,
  aliases: Readonly<Record<string, string>>,
  escapeFor: (text: string) => string,
  partMax = 100,
): string {
  const region = finding.region === '' ? '(global)' : finding.region;
  return [accountText(finding.account, aliases), region, finding.type, finding.resources[0]?.id ?? '']
    .filter((s) => s !== '')
    .map((s) => fitEscaped(oneLine(s), partMax, escapeFor))
    .join(' · ');
}

/** `account=prod (1111…), type=Recon:EC2/…`: a digest's group labels, with account aliases applied. */
export function groupText(notification: Notification, aliases: Readonly<Record<string, string>>): string {
  const labels = notification.group?.labels ?? {};
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${k === 'account' ? accountText(v, aliases) : v}`)
    .join(', ');
}

/** Highest severity first, then arrival order: the order a digest lists its findings in. */
export function bySeverity(findings: readonly Finding[]): Finding[] {
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => b.finding.severity.score - a.finding.severity.score || a.index - b.index)
    .map((x) => x.finding);
}

/** The highest severity among `findings` (the colour of a digest). */
export function worstSeverity(findings: readonly Finding[]): Severity | undefined {
  return bySeverity(findings)[0]?.severity;
}

// Hosts a console link may point at, per partition (DESIGN.md): anything else is not a link we made.
const CONSOLE_HOST = /^(?:[a-z0-9-]+\.)*console\.(?:aws\.amazon\.com|amazonaws\.cn|amazonaws-us-gov\.com)$/;

/**
 * The finding's console link if it is an `https` URL on an AWS console host of some partition,
 * normalised by the URL parser; otherwise `undefined`. A link is the one thing a reader clicks, so
 * a link built from a hostile region or id must never point anywhere else.
 */
export function safeConsoleUrl(url: string | undefined): string | undefined {
  if (url === undefined || url.length > 2000) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (
    parsed.protocol !== 'https:' ||
    parsed.username !== '' ||
    parsed.password !== '' ||
    parsed.port !== ''
  ) {
    return undefined;
  }
  if (!CONSOLE_HOST.test(parsed.hostname)) return undefined;
  return parsed.href;
}

// Bidirectional controls (LRE…RLO, LRI…PDI, LRM/RLM, ALM) reorder what a reader sees, e.g.
// `invoice\u202Etxt.exe`; C0/C1 controls other than tab and newline have no business in a message.
const INVISIBLE =
  /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * Removes bidi and control characters (keeps `\n` and `\t`; `\r\n` becomes `\n`). Every channel
 * calls this before its own escaping.
 */
export function stripInvisible(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(INVISIBLE, '');
}

/** What a shortened text ends with, so nobody mistakes it for the whole. */
export const TRUNCATED = '… (truncated)';

/**
 * `text` cut to at most `max` UTF-16 units, ending with `… (truncated)` when cut. Never splits a
 * surrogate pair. `max` smaller than the marker gives a bare cut.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max - TRUNCATED.length;
  if (room <= 0) return cutAt(text, max);
  return `${cutAt(text, room).trimEnd()}${TRUNCATED}`;
}

/**
 * The longest `escapeFor(truncate(text, n))` that fits in `max` units. Truncating before escaping
 * means an escape sequence (`&amp;`) is never cut in half; escaping can only lengthen text, so the
 * loop shrinks `n` by the overshoot until the escaped form fits.
 */
export function fitEscaped(text: string, max: number, escapeFor: (text: string) => string): string {
  let n = Math.min(text.length, max);
  for (;;) {
    const out = escapeFor(truncate(text, n));
    if (out.length <= max || n <= 0) return out;
    // Shrink in proportion to the overshoot (escapes are spread through the text), at least by one.
    n = Math.min(n - 1, Math.floor((n * max) / out.length));
  }
}

function cutAt(text: string, n: number): string {
  let end = Math.max(0, n);
  const code = text.charCodeAt(end - 1);
  // A high surrogate at the end would leave half a character.
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/** The first line of `text`, without surrounding space: for places that take one line only. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The text a rule asked for instead of the default body: its message template (the template's own
 * words are the operator's; substituted values go through `escapeFor`) or else its input
 * transformer's output (escaped whole). `undefined` when the rule has neither.
 */
export function ruleText(
  notification: Notification,
  aliases: Readonly<Record<string, string>>,
  escapeFor: (text: string) => string,
): string | undefined {
  if (notification.template !== undefined) {
    return stripInvisible(
      renderTemplate(notification.template, notification, { escape: escapeFor, accountAliases: aliases }),
    );
  }
  if (notification.transformed !== undefined) return escapeFor(notification.transformed);
  return undefined;
}
