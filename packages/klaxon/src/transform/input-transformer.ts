import { TransformError } from './errors.js';
import { type PathSegment, type PathSelection, parsePath, selectPath, toJson } from './json-path.js';

/** EventBridge's InputTransformer: named JSON paths into the event and a template that uses them as `<name>`. */
export interface InputTransformer {
  readonly inputPathsMap?: Readonly<Record<string, string>>;
  readonly inputTemplate: string;
}

/** The values of the predefined variables that do not come from the event itself. */
export interface TransformContext {
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly ingestionTime: string;
}

/** What EventBridge does with one event: deliver this exact body, or silently deliver nothing (and why). */
export type TransformResult =
  | { readonly delivered: true; readonly body: string }
  | { readonly delivered: false; readonly reason: string };

/** A validated input transformer, ready to be applied to many events. */
export interface CompiledInputTransformer {
  /** `string` when the template is text (usually a quoted line), `json` when it starts with `{` or `[`. */
  readonly templateKind: 'string' | 'json';
  /** Applies the transformer to one event; throws TransformError only for a value that is not JSON. */
  apply(event: unknown, ctx: TransformContext): TransformResult;
}

/** At most this many InputPathsMap entries (EventBridge limit). */
export const MAX_INPUT_PATHS = 100;
/** InputTemplate length limits, in UTF-16 code units as AWS counts them. */
export const MAX_TEMPLATE_LENGTH = 8192;
const MAX_KEY_LENGTH = 256;

/** Target id used in error texts when the caller has none (Klaxon rules have no EventBridge target id). */
export const DEFAULT_TARGET_ID = 'klaxon';

/** The variables EventBridge defines itself; they need no InputPathsMap entry. */
export const PREDEFINED_VARIABLES = [
  'aws.events.rule-name',
  'aws.events.rule-arn',
  'aws.events.event',
  'aws.events.event.json',
  'aws.events.event.ingestion-time',
] as const;
type PredefinedVariable = (typeof PREDEFINED_VARIABLES)[number];

const KEY = /^[A-Za-z0-9_-]+$/;
// Keys are [A-Za-z0-9_-]; predefined names add dots. `<` and `>` cannot be escaped in a template, so
// anything of this shape is a placeholder and must resolve (EventBridge refuses the target otherwise).
const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/y;

interface Occurrence {
  readonly start: number;
  readonly end: number;
  readonly name: string;
  /** Inside a JSON string literal of a JSON template. Always false in a string template. */
  readonly quoted: boolean;
}

type Variable =
  | { readonly kind: 'path'; readonly path: string; readonly segments: readonly PathSegment[] }
  | { readonly kind: 'predefined'; readonly name: PredefinedVariable };

/** Throws TransformError (AWS's ValidationException text where AWS has one) if EventBridge would refuse this transformer. */
export function validateInputTransformer(t: InputTransformer, targetId: string = DEFAULT_TARGET_ID): void {
  compileInputTransformer(t, targetId);
}

/** Validates once and returns a transformer to apply to many events; throws TransformError like validateInputTransformer. */
export function compileInputTransformer(
  t: InputTransformer,
  targetId: string = DEFAULT_TARGET_ID,
): CompiledInputTransformer {
  if (typeof t !== 'object' || t === null) {
    throw new TransformError(`InputTransformer for target ${targetId} must be an object.`);
  }
  const variables = compilePathsMap(t.inputPathsMap, targetId);
  const template = t.inputTemplate;
  if (typeof template !== 'string') {
    throw new TransformError(`InputTemplate for target ${targetId} must be a string.`);
  }
  if (template.length < 1 || template.length > MAX_TEMPLATE_LENGTH) {
    throw new TransformError(
      `InputTemplate for target ${targetId} must be 1 to ${MAX_TEMPLATE_LENGTH} characters long, got ${template.length}.`,
    );
  }
  const templateKind = classifyTemplate(template);
  const occurrences = scanPlaceholders(template, templateKind === 'json');
  for (const o of occurrences) {
    if (!variables.has(o.name)) {
      throw new TransformError(
        `InputTemplate for target ${targetId} contains invalid placeholder ${o.name}.`,
      );
    }
  }
  if (templateKind === 'json') {
    const keyUse = checkJsonSkeleton(template, occurrences).keyPlaceholder;
    if (keyUse !== undefined) {
      // The API reference: "If InputTemplate is a JSON object ... The placeholder cannot be used as an object key."
      throw new TransformError(
        `InputTemplate for target ${targetId} uses placeholder ${keyUse} as an object key, which EventBridge does not allow in a JSON template.`,
      );
    }
  }
  return {
    templateKind,
    apply: (event, ctx) => render(template, templateKind, occurrences, variables, event, ctx),
  };
}

/** Validates `t`, then transforms one event exactly as EventBridge would; throws TransformError if the transformer is invalid. */
export function applyInputTransformer(
  event: unknown,
  t: InputTransformer,
  ctx: TransformContext,
): TransformResult {
  return compileInputTransformer(t).apply(event, ctx);
}

/**
 * A static check for templates EventBridge accepts but would silently not deliver, for every event
 * or for some: returns the reason, or undefined when no such problem is found. Without
 * `sampleEvents` it reports only what the transformer alone proves; with them (for example
 * Klaxon's generated samples) it also reports a template that would drop one of those events,
 * such as a quoted placeholder whose path reaches an object there. An invalid transformer gives
 * undefined: validateInputTransformer reports it.
 */
export function findUndeliverableTemplate(
  t: InputTransformer,
  sampleEvents?: Iterable<unknown>,
): string | undefined {
  if (typeof t !== 'object' || t === null || typeof t.inputTemplate !== 'string') return undefined;
  let compiled: { occurrences: readonly Occurrence[]; variables: ReadonlyMap<string, Variable> };
  try {
    const variables = compilePathsMap(t.inputPathsMap, DEFAULT_TARGET_ID);
    const kind = classifyTemplate(t.inputTemplate);
    if (kind === 'string') return undefined;
    compiled = { occurrences: scanPlaceholders(t.inputTemplate, true), variables };
  } catch (err) {
    // Invalid, not undeliverable: validateInputTransformer reports it.
    if (err instanceof TransformError) return undefined;
    throw err;
  }
  const skeleton = checkJsonSkeleton(t.inputTemplate, compiled.occurrences);
  if (skeleton.error !== undefined) {
    return `InputTemplate starts like JSON but is not valid JSON (${skeleton.error}); EventBridge would accept the target and silently drop every event.`;
  }
  for (const o of compiled.occurrences) {
    if (!o.quoted) continue;
    const variable = compiled.variables.get(o.name);
    if (variable !== undefined && isAlwaysContainer(variable)) {
      return `placeholder <${o.name}> is inside a quoted JSON string but its value is an object or a list; EventBridge would silently drop every event (put it outside the quotes).`;
    }
  }
  return sampleEvents === undefined ? undefined : findUndeliveredSample(t, sampleEvents);
}

const SAMPLE_CONTEXT: TransformContext = {
  ruleName: 'sample-rule',
  ruleArn: 'arn:aws:events:us-east-1:123456789012:rule/sample-rule',
  ingestionTime: '2026-01-01T00:00:00Z',
};

function findUndeliveredSample(t: InputTransformer, sampleEvents: Iterable<unknown>): string | undefined {
  let compiled: CompiledInputTransformer;
  try {
    compiled = compileInputTransformer(t);
  } catch (err) {
    if (err instanceof TransformError) return undefined;
    throw err;
  }
  for (const event of sampleEvents) {
    let result: TransformResult;
    try {
      result = compiled.apply(event, SAMPLE_CONTEXT);
    } catch (err) {
      if (err instanceof TransformError) continue; // not a JSON event: says nothing about the template
      throw err;
    }
    if (!result.delivered) {
      return `EventBridge would silently drop some events, for example ${describeSample(event)}: ${result.reason}`;
    }
  }
  return undefined;
}

function describeSample(event: unknown): string {
  const e = typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : {};
  const detail =
    typeof e.detail === 'object' && e.detail !== null ? (e.detail as Record<string, unknown>) : {};
  const parts = [e['detail-type'], detail.type].filter((v): v is string => typeof v === 'string');
  return parts.length === 0
    ? 'a sample event'
    : `a ${parts.map((p) => JSON.stringify(p.slice(0, 100))).join(' ')} event`;
}

function compilePathsMap(map: unknown, targetId: string): Map<string, Variable> {
  const variables = new Map<string, Variable>();
  for (const name of PREDEFINED_VARIABLES) variables.set(name, { kind: 'predefined', name });
  if (map === undefined || map === null) return variables;
  if (typeof map !== 'object' || Array.isArray(map)) {
    throw new TransformError(`InputPathsMap for target ${targetId} must be an object of name to JSON path.`);
  }
  const entries = Object.entries(map);
  if (entries.length > MAX_INPUT_PATHS) {
    throw new TransformError(
      `InputPathsMap for target ${targetId} has ${entries.length} entries; at most ${MAX_INPUT_PATHS} are allowed.`,
    );
  }
  for (const [key, path] of entries) {
    if (key.toUpperCase().startsWith('AWS.')) {
      throw new TransformError(
        `InputPathsMap key ${JSON.stringify(key)} for target ${targetId} is reserved: keys cannot start with "AWS.".`,
      );
    }
    if (key.length > MAX_KEY_LENGTH || !KEY.test(key)) {
      throw new TransformError(
        `InputPathsMap key ${JSON.stringify(key)} for target ${targetId} is not valid: use 1 to ${MAX_KEY_LENGTH} characters of A-Z a-z 0-9 _ -.`,
      );
    }
    const what = `InputPathsMap value for key ${JSON.stringify(key)} of target ${targetId}`;
    if (typeof path !== 'string') throw new TransformError(`${what} must be a JSON path string.`);
    variables.set(key, { kind: 'path', path, segments: parsePath(path, what) });
  }
  return variables;
}

/**
 * EventBridge's recordings show two kinds of template: JSON (an object, or a list) and text, usually
 * one quoted line. Text is delivered verbatim with placeholders replaced and is never checked as JSON
 * (a multi-line template of several quoted lines is delivered as is); a JSON template must still be
 * JSON after substitution or the event is dropped.
 */
function classifyTemplate(template: string): 'string' | 'json' {
  return /^\s*[{[]/.test(template) ? 'json' : 'string';
}

function scanPlaceholders(template: string, json: boolean): Occurrence[] {
  const out: Occurrence[] = [];
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (json && ch === '"') {
      inString = !inString;
      continue;
    }
    if (json && inString && ch === '\\') {
      const next = template[i + 1];
      if (next === '"' || next === '\\') i++;
      continue;
    }
    if (ch !== '<') continue;
    PLACEHOLDER.lastIndex = i;
    const m = PLACEHOLDER.exec(template);
    if (m === null || m[1] === undefined) continue;
    out.push({ start: i, end: i + m[0].length, name: m[1], quoted: inString });
    i += m[0].length - 1;
  }
  return out;
}

/**
 * Fills a JSON template with neutral stand-ins (a string literal for an unquoted placeholder, plain
 * text for a quoted one) and parses it: a failure means no event can ever produce valid JSON, and a
 * stand-in found in a key means a placeholder is used as an object key.
 */
function checkJsonSkeleton(
  template: string,
  occurrences: readonly Occurrence[],
): { error?: string; keyPlaceholder?: string } {
  const marker = unusedPrivateUseCharacter(template);
  let skeleton = '';
  let at = 0;
  occurrences.forEach((o, i) => {
    const standIn = `${marker}${i}${marker}`;
    skeleton += template.slice(at, o.start) + (o.quoted ? standIn : `"${standIn}"`);
    at = o.end;
  });
  skeleton += template.slice(at);
  let parsed: unknown;
  try {
    parsed = JSON.parse(skeleton);
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  const keyIndex = findMarkedKey(parsed, marker);
  const occurrence = keyIndex === undefined ? undefined : occurrences[keyIndex];
  return occurrence === undefined ? {} : { keyPlaceholder: occurrence.name };
}

function unusedPrivateUseCharacter(text: string): string {
  for (let code = 0xe000; code <= 0xf8ff; code++) {
    const c = String.fromCharCode(code);
    if (!text.includes(c)) return c;
  }
  // A template of at most 8,192 characters cannot hold all 6,400 private-use characters and still be
  // a valid template, but answer sanely anyway.
  return '\u0000';
}

function findMarkedKey(value: unknown, marker: string): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = findMarkedKey(v, marker);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const start = k.indexOf(marker);
    if (start >= 0) return Number.parseInt(k.slice(start + 1), 10);
    const found = findMarkedKey(v, marker);
    if (found !== undefined) return found;
  }
  return undefined;
}

function isAlwaysContainer(v: Variable): boolean {
  if (v.kind === 'predefined') return v.name === 'aws.events.event' || v.name === 'aws.events.event.json';
  const segs = v.segments;
  if (segs.some((s) => s.kind === 'wildcard')) return true; // a wildcard always yields a list
  if (segs.length === 0) return true; // `$` is the whole event
  // The envelope fields every EventBridge event has, with their fixed types.
  const [first] = segs;
  return segs.length === 1 && first?.kind === 'key' && (first.key === 'detail' || first.key === 'resources');
}

function render(
  template: string,
  kind: 'string' | 'json',
  occurrences: readonly Occurrence[],
  variables: ReadonlyMap<string, Variable>,
  event: unknown,
  ctx: TransformContext,
): TransformResult {
  let body = '';
  let at = 0;
  for (const o of occurrences) {
    const variable = variables.get(o.name);
    // compileInputTransformer rejected unknown placeholders, so this is unreachable; stay total anyway.
    const selection: PathSelection =
      variable === undefined ? { found: false } : resolveVariable(variable, event, ctx);
    let text: string;
    if (kind === 'string') {
      text = renderInText(selection);
    } else if (o.quoted) {
      const inQuotes = renderInJsonString(selection);
      if (inQuotes === undefined) {
        return {
          delivered: false,
          reason: `placeholder <${o.name}> is inside a quoted JSON string and its value is ${describeContainer(selection)}; EventBridge does not deliver such events.`,
        };
      }
      text = inQuotes;
    } else {
      text = selection.found ? toJson(selection.value) : '""';
    }
    body += template.slice(at, o.start) + text;
    at = o.end;
  }
  body += template.slice(at);
  if (kind === 'json') {
    try {
      JSON.parse(body);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return {
        delivered: false,
        reason: `the transformed input is not valid JSON (${why}); EventBridge does not deliver it.`,
      };
    }
  }
  return { delivered: true, body };
}

function resolveVariable(v: Variable, event: unknown, ctx: TransformContext): PathSelection {
  if (v.kind === 'path') return selectPath(event, v.segments);
  switch (v.name) {
    case 'aws.events.rule-name':
      return { found: true, value: ctx.ruleName };
    case 'aws.events.rule-arn':
      return { found: true, value: ctx.ruleArn };
    case 'aws.events.event.ingestion-time':
      return { found: true, value: ctx.ingestionTime };
    case 'aws.events.event.json':
      return event === undefined ? { found: false } : { found: true, value: event };
    case 'aws.events.event':
      return { found: true, value: envelopeOf(event) };
  }
}

// Recorded: `<aws.events.event>` is the envelope without `detail`, with camelCase `detailType`, in
// this key order.
const ENVELOPE_FIELDS: readonly (readonly [string, string])[] = [
  ['id', 'id'],
  ['account', 'account'],
  ['detailType', 'detail-type'],
  ['time', 'time'],
  ['source', 'source'],
  ['region', 'region'],
  ['resources', 'resources'],
  ['version', 'version'],
];

function envelopeOf(event: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return out;
  for (const [name, field] of ENVELOPE_FIELDS) {
    if (Object.hasOwn(event, field)) {
      const value = (event as Record<string, unknown>)[field];
      if (value !== undefined) out[name] = value;
    }
  }
  return out;
}

/** String template: strings raw, missing empty, objects and lists as compact JSON without any `"` (R3–R7). */
function renderInText(s: PathSelection): string {
  if (!s.found) return '';
  const v = s.value;
  if (typeof v === 'string') return v;
  const json = toJson(v);
  return typeof v === 'object' && v !== null ? json.replaceAll('"', '') : json;
}

/**
 * Inside a JSON string literal: strings are spliced in (escaped, so the output stays JSON — Klaxon's
 * choice where AWS splices raw text), scalars as their JSON text, missing as nothing; an object or
 * list makes the event undeliverable (R12), signalled by undefined.
 */
function renderInJsonString(s: PathSelection): string | undefined {
  if (!s.found) return '';
  const v = s.value;
  if (typeof v === 'object' && v !== null) return undefined;
  const json = toJson(v);
  return typeof v === 'string' ? json.slice(1, -1) : json;
}

function describeContainer(s: PathSelection): string {
  return s.found && Array.isArray(s.value) ? 'a list' : 'an object';
}
