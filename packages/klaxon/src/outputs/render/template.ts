/**
 * Per-rule message templates: `{{finding.title}}`, `{{finding.severity.label}}`, `{{rule}}`,
 * `{{finding.resources.0.id}}` … looked up in the notification. Deliberately tiny: a tag is a
 * dotted path and nothing else (no helpers, no sections, no code), so a template can never run
 * anything or reach outside the notification. Each output escapes the substituted values for its
 * channel; the template's own text is trusted because it comes from the operator's config.
 */
import type { Notification } from '../../route/notification.js';
import { TemplateError } from './errors.js';

/** One parsed piece of a template: literal text or a path to look up. */
export type TemplatePart =
  | { readonly text: string }
  | { readonly path: readonly string[]; readonly tag: string };

// A path is dot-separated segments of letters, digits, `_` and `-` (array indexes are digits).
const TAG = /\{\{\s*([^{}]*?)\s*\}\}/g;
const PATH = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
// Never walk into these even when present as own keys: a parsed `raw` event may carry them.
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** Parses a template; throws `TemplateError` naming the offset of the first malformed tag. */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(TAG)) {
    const inner = match[1] ?? '';
    if (!PATH.test(inner)) {
      throw new TemplateError(
        `template: tag "${match[0].slice(0, 60)}" at offset ${match.index} is not a dotted path (letters, digits, _ and - separated by dots)`,
      );
    }
    if (match.index > last) parts.push({ text: template.slice(last, match.index) });
    parts.push({ path: inner.split('.'), tag: match[0] });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  return parts;
}

/** What a template may read: the notification plus the first finding and the account alias. */
export function templateScope(
  notification: Notification,
  accountAliases: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const finding = notification.findings[0];
  const alias = finding === undefined ? undefined : accountAliases[finding.account];
  return {
    id: notification.id,
    kind: notification.kind,
    rule: notification.rule,
    output: notification.output,
    createdAt: notification.createdAt,
    finding,
    findings: notification.findings,
    count: notification.findings.length,
    group: notification.group,
    previous: notification.previous,
    action: notification.action,
    transformed: notification.transformed,
    accountAlias: alias,
  };
}

/** Looks a path up through own properties only; anything absent or not a scalar is `undefined`. */
export function lookupPath(scope: unknown, path: readonly string[]): string | undefined {
  let current: unknown = scope;
  for (const segment of path) {
    if (FORBIDDEN.has(segment) || current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  if (typeof current === 'string') return current;
  if (typeof current === 'number' || typeof current === 'boolean') return String(current);
  // Objects and lists are not dumped: a template names the scalar it wants.
  return undefined;
}

/**
 * Renders `template` over `notification`. Missing values become the empty string; `escape` is
 * applied to every substituted value (never to the template's own text). A malformed template
 * renders its tags literally (escaped), so a bad config shows up in the message instead of failing
 * a delivery; `check-config` reports it through `parseTemplate`.
 */
export function renderTemplate(
  template: string,
  notification: Notification,
  options: {
    readonly escape: (value: string) => string;
    readonly accountAliases?: Readonly<Record<string, string>>;
  },
): string {
  let parts: TemplatePart[];
  try {
    parts = parseTemplate(template);
  } catch {
    return options.escape(template);
  }
  const scope = templateScope(notification, options.accountAliases ?? {});
  let out = '';
  for (const part of parts) {
    if ('text' in part) out += part.text;
    else out += options.escape(lookupPath(scope, part.path) ?? '');
  }
  return out;
}
