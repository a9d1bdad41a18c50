/**
 * `console`: one line per notification on standard output, for `klaxon serve` without a config,
 * for trying rules out, and for container logs. Everything from a finding is stripped of control
 * and bidi characters and folded onto one line, so a hostile title can neither forge extra log
 * lines nor send escape sequences to the terminal.
 */
import { z } from 'zod';
import type { Notification } from '../route/notification.js';
import { DeliveryError } from './errors.js';
import { notificationRecord } from './file.js';
import type { OutputType, Payload, RenderContext, SendResult } from './output.js';
import {
  accountText,
  bySeverity,
  groupText,
  headline,
  oneLine,
  resourceText,
  safeConsoleUrl,
  severityText,
  stripInvisible,
  truncate,
  worstSeverity,
} from './render/finding-text.js';
import { renderTemplate } from './render/template.js';

/** Config of a `console` output. */
export const consoleConfigSchema = z.strictObject({
  type: z.literal('console'),
  format: z
    .enum(['text', 'json'], { error: 'expected text or json' })
    .default('text')
    .describe(
      'text: one readable line; json: the same record the file output writes (without events). Default text.',
    ),
});

/** A parsed `console` output entry. */
export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;

/** Longest line printed; a finding can carry 100 KB of text and a log line should not. */
export const CONSOLE_LINE_MAX = 2000;
/** Findings named in a digest line before `+N more`. */
const DIGEST_TITLES = 5;

/** Plain text from a finding, safe for a terminal and one line long. */
function clean(text: string, max = 300): string {
  return truncate(oneLine(stripInvisible(text)), max);
}

// JSON.stringify leaves these raw; escaped they keep their meaning and cannot reorder a terminal line.
const JSON_UNSAFE = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029\u007F-\u009F]/g;

/** Pure: the line for a notification (a string for `text`, the record for `json`). */
export function renderConsole(
  notification: Notification,
  config: ConsoleConfig,
  ctx: RenderContext,
): Payload {
  if (config.format === 'json') {
    return { body: notificationRecord(notification, ctx, { withEvents: false }) };
  }
  return { body: truncate(textLine(notification, ctx), CONSOLE_LINE_MAX) };
}

function textLine(notification: Notification, ctx: RenderContext): string {
  const aliases = ctx.accountAliases;
  const worst = worstSeverity(notification.findings);
  const parts = [notification.createdAt, worst === undefined ? '[-]' : `[${severityText(worst)}]`];
  parts.push(`${clean(headline(notification))}:`);
  if (notification.template !== undefined) {
    const text = renderTemplate(notification.template, notification, {
      escape: (v) => v,
      accountAliases: aliases,
    });
    parts.push(clean(text, CONSOLE_LINE_MAX), `(rule ${notification.rule})`);
    return parts.join(' ');
  }
  if (notification.transformed !== undefined) {
    parts.push(clean(notification.transformed, CONSOLE_LINE_MAX), `(rule ${notification.rule})`);
    return parts.join(' ');
  }
  if (notification.findings.length === 0) {
    parts.push(`(rule ${notification.rule})`);
    return parts.join(' ');
  }
  if (notification.kind === 'digest' || notification.findings.length !== 1) {
    const sorted = bySeverity(notification.findings);
    const titles = sorted
      .slice(0, DIGEST_TITLES)
      .map((f) => `${clean(f.title, 120)} (${severityText(f.severity)})`);
    const more = sorted.length - titles.length;
    if (more > 0) titles.push(`+${more} more`);
    const group = groupText(notification, aliases);
    parts.push(
      titles.join('; '),
      '—',
      `rule ${notification.rule}${group === '' ? '' : ` · ${clean(group)}`}`,
    );
    return parts.join(' ');
  }
  const finding = notification.findings[0]!;
  const facts = [
    `rule ${notification.rule}`,
    `account ${clean(accountText(finding.account, aliases), 100)}`,
    finding.region === '' ? '(global)' : clean(finding.region, 40),
    clean(finding.type, 200),
  ];
  const resource = finding.resources[0];
  if (resource !== undefined) {
    const more = finding.resources.length - 1;
    facts.push(`${clean(resourceText(resource), 200)}${more > 0 ? ` +${more} more` : ''}`);
  }
  facts.push(`count ${finding.count}`);
  const url = safeConsoleUrl(finding.consoleUrl);
  if (url !== undefined) facts.push(url);
  parts.push(clean(finding.title), '—', facts.join(' · '));
  return parts.join(' ');
}

/** Writes the line to standard output. */
export async function sendConsole(payload: Payload): Promise<SendResult> {
  const line =
    typeof payload.body === 'string'
      ? payload.body
      : JSON.stringify(payload.body).replace(
          JSON_UNSAFE,
          (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
        );
  await new Promise<void>((resolve, reject) => {
    process.stdout.write(`${line}\n`, (err) => {
      if (!err) return resolve();
      const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
      // A closed pipe stays closed; anything else (EAGAIN on a full pipe) may pass.
      reject(
        new DeliveryError(`console: cannot write to standard output: ${code}`, {
          retryable: code !== 'EPIPE',
          cause: err,
        }),
      );
    });
  });
  return {};
}

/** The `console` output type. */
export const consoleOutput: OutputType<ConsoleConfig> = {
  type: 'console',
  schema: consoleConfigSchema,
  render: renderConsole,
  send: (payload) => sendConsole(payload),
  secrets: () => [],
};
