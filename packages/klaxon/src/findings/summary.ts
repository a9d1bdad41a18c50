/**
 * Building the at-a-glance parts of a Finding (resource summaries and the actor) from optional
 * values: absent values are left out instead of becoming `undefined` keys or empty strings.
 */
import type { Actor, ResourceSummary } from './finding.js';
import { at, list, scalarText, text } from './json-reader.js';

/** A mutable Actor while it is being assembled from several places in a finding. */
export type ActorDraft = { -readonly [K in keyof Actor]?: Actor[K] | undefined };

/** One display row; rows with an undefined value are dropped. */
export type DetailRow = readonly [label: string, value: string | undefined];

/** A ResourceSummary with only the rows that have a value. */
export function resourceSummary(
  kind: string,
  id: string,
  name: string | undefined,
  rows: readonly DetailRow[],
): ResourceSummary {
  const details: Record<string, string> = {};
  for (const [label, value] of rows) if (value !== undefined && value !== '') details[label] = value;
  return name === undefined ? { kind, id, details } : { kind, id, name, details };
}

/** The actor without absent fields, or undefined when nothing is known. */
export function finishActor(draft: ActorDraft): Actor | undefined {
  const actor: Record<string, string> = {};
  for (const [key, value] of Object.entries(draft))
    if (typeof value === 'string' && value !== '') actor[key] = value;
  return Object.keys(actor).length === 0 ? undefined : (actor as Actor);
}

/** Fills empty fields of `target` from `source` (first source to name a field wins). */
export function mergeActor(target: ActorDraft, source: ActorDraft): void {
  for (const [key, value] of Object.entries(source) as [keyof ActorDraft, string | undefined][]) {
    if (value !== undefined && value !== '' && (target[key] === undefined || target[key] === ''))
      target[key] = value;
  }
}

/** Value of the tag named `key` in `[{key, value}]` (GuardDuty) or `[{name, value}]` (OCSF) lists. */
export function tagValue(tags: unknown, key: string): string | undefined {
  for (const tag of list(tags)) {
    const tagKey = text(at(tag, 'key')) ?? text(at(tag, 'Key')) ?? text(at(tag, 'name'));
    if (tagKey === key) return scalarText(at(tag, 'value')) ?? scalarText(at(tag, 'Value'));
  }
  return undefined;
}

/** Non-blank strings of a list joined for display, or undefined when there are none. */
export function joinTexts(values: readonly unknown[], separator = ', '): string | undefined {
  const texts = values.map(scalarText).filter((v): v is string => v !== undefined);
  return texts.length === 0 ? undefined : texts.join(separator);
}

/** The ASN as text, leaving out GuardDuty's "unknown" marker `-1`. */
export function asnText(value: unknown): string | undefined {
  const asn = scalarText(value);
  return asn === undefined || asn.startsWith('-') ? undefined : asn;
}
