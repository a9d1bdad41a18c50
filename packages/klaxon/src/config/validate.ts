import { TemplateError } from '../outputs/render/errors.js';
import { parseTemplate, templateScope } from '../outputs/render/template.js';
import { compilePattern, PatternError } from '../patterns/index.js';
import {
  findUndeliverableTemplate,
  TransformError,
  validateInputTransformer,
  validateTargetInput,
} from '../transform/index.js';
import type { LocatedIssue } from './issues.js';
import type { ConfigPath } from './path.js';
import type { KlaxonConfig } from './types.js';

/**
 * The checks zod cannot make on one field alone: references between sections, uniqueness, and
 * EventBridge's own validation of patterns and input transformers (with EventBridge's messages).
 * Runs on a document that already has the right shape; returns every problem, section by section.
 */
export function checkConfigSemantics(config: KlaxonConfig): LocatedIssue[] {
  const issues: LocatedIssue[] = [];
  const add = (path: ConfigPath, message: string) => issues.push({ path, message });
  const outputNames = new Set(Object.keys(config.outputs));
  const maxLength = config.settings.patterns.maxLength;

  const firstByName = new Map<string, number>();
  config.rules.forEach((rule, r) => {
    const at = (...rest: PropertyKey[]): ConfigPath => ['rules', r, ...rest];
    const earlier = firstByName.get(rule.name);
    if (earlier === undefined) firstByName.set(rule.name, r);
    else add(at('name'), `duplicate rule name '${rule.name}' (first used by rules[${earlier}])`);

    checkPattern(rule.pattern, maxLength, at('pattern'), add);

    const notified = new Set<string>();
    rule.notify.forEach((name, n) => {
      if (!outputNames.has(name)) add(at('notify', n), `unknown output '${name}'`);
      else if (notified.has(name)) add(at('notify', n), `output '${name}' is listed twice`);
      notified.add(name);
    });
    if (rule.notify.length === 0 && rule.actions.length === 0) {
      add(at('notify'), 'a rule must notify at least one output or have actions');
    }
    for (const [name, template] of Object.entries(rule.templates ?? {})) {
      if (!notified.has(name))
        add(at('templates', name), `output '${name}' is not in this rule's notify list`);
      else checkTemplate(template, at('templates', name), add);
    }
    const labels = new Set<string>();
    rule.group?.by.forEach((label, i) => {
      if (labels.has(label)) add(at('group', 'by', i), `label '${label}' is listed twice`);
      labels.add(label);
    });
    if (rule.transform !== undefined) checkTransform(rule.name, rule.transform, at('transform'), add);
  });

  config.silences.forEach((silence, s) => {
    checkPattern(silence.pattern, maxLength, ['silences', s, 'pattern'], add);
    if (silence.from !== undefined && silence.from >= silence.until) {
      add(['silences', s, 'until'], `must be later than from (${silence.from})`);
    }
  });

  const { delivery, server } = config.settings;
  if (delivery.initialBackoff > delivery.maxBackoff) {
    add(['settings', 'delivery', 'initialBackoff'], 'must not be longer than maxBackoff');
  }
  if (!isLoopback(server.host) && server.token === undefined) {
    add(
      ['settings', 'server', 'token'],
      `required when settings.server.host is not a loopback address (host is '${server.host}')`,
    );
  }
  return issues;
}

type Add = (path: ConfigPath, message: string) => void;

function checkPattern(pattern: unknown, maxLength: number, path: ConfigPath, add: Add): void {
  try {
    compilePattern(pattern, { maxLength });
  } catch (err) {
    if (err instanceof PatternError) {
      add(path, err.message);
      return;
    }
    throw err;
  }
  checkAccountValues(pattern, path, add);
}

/**
 * In YAML `account: [111122223333]` is a number, and EventBridge never matches a number against
 * the string account id of an event: the rule would silently never fire. Such a pattern is valid
 * EventBridge but certainly a mistake, so it is an error here.
 */
function checkAccountValues(pattern: unknown, path: ConfigPath, add: Add): void {
  const root = pattern as Record<string, unknown>;
  const detail = root.detail as Record<string, unknown> | undefined;
  const findings = isObject(detail) ? (detail.findings as Record<string, unknown> | undefined) : undefined;
  const places: [unknown, PropertyKey[]][] = [
    [root.account, ['account']],
    [isObject(detail) ? detail.accountId : undefined, ['detail', 'accountId']],
    [isObject(findings) ? findings.AwsAccountId : undefined, ['detail', 'findings', 'AwsAccountId']],
  ];
  for (const [values, rest] of places) {
    if (!Array.isArray(values)) continue;
    values.forEach((value, i) => {
      if (typeof value === 'number') {
        add(
          [...path, ...rest, i],
          `account ids are strings in events, so the number ${value} never matches; quote it: '${value}'`,
        );
      }
    });
  }
}

function checkTransform(
  ruleName: string,
  transform: NonNullable<KlaxonConfig['rules'][number]['transform']>,
  path: ConfigPath,
  add: Add,
): void {
  const { inputPath, inputPathsMap, inputTemplate } = transform;
  if (inputPath !== undefined) {
    if (inputTemplate !== undefined || inputPathsMap !== undefined) {
      add(path, 'use either inputPath, or inputPathsMap with inputTemplate, not both');
      return;
    }
    runTransformCheck(path, add, () => validateTargetInput({ inputPath }, ruleName));
    return;
  }
  if (inputTemplate === undefined) {
    add([...path, 'inputTemplate'], 'required (or use inputPath)');
    return;
  }
  const transformer = inputPathsMap === undefined ? { inputTemplate } : { inputPathsMap, inputTemplate };
  if (!runTransformCheck(path, add, () => validateInputTransformer(transformer, ruleName))) return;
  const undeliverable = findUndeliverableTemplate(transformer);
  if (undeliverable !== undefined) add([...path, 'inputTemplate'], undeliverable);
}

function runTransformCheck(path: ConfigPath, add: Add, check: () => void): boolean {
  try {
    check();
    return true;
  } catch (err) {
    if (err instanceof TransformError) {
      add(path, err.message);
      return false;
    }
    throw err;
  }
}

// The names a template may start a tag with: the keys of the scope templates are rendered in.
const TEMPLATE_ROOTS = Object.keys(
  templateScope({ id: '', kind: 'new', rule: '', output: '', findings: [], createdAt: '' }, {}),
);

function checkTemplate(template: string, path: ConfigPath, add: Add): void {
  let parts: ReturnType<typeof parseTemplate>;
  try {
    parts = parseTemplate(template);
  } catch (err) {
    if (err instanceof TemplateError) {
      add(path, err.message.replace(/^template: /, ''));
      return;
    }
    throw err;
  }
  for (const part of parts) {
    if ('path' in part && !TEMPLATE_ROOTS.includes(part.path[0] ?? '')) {
      add(
        path,
        `tag ${part.tag} names '${part.path[0]}', which templates do not have; use one of: ${TEMPLATE_ROOTS.join(', ')}`,
      );
      return;
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Loopback addresses a server may listen on without a token. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
}
