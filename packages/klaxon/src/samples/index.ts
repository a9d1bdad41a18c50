/**
 * Sample events for testing rules offline ("which of my rules fire on which finding types"):
 * one `GuardDuty Finding` per active GuardDuty finding type, plus Security Hub ASFF and OCSF
 * events. Pure: the same options give byte-identical events; times derive from the seed.
 */
import type { EventEnvelope } from '../findings/finding.js';
import { parseFindings } from '../findings/parse.js';
import type { SampleContext } from './context.js';
import { guardDutySample } from './guardduty.js';
import { GUARDDUTY_TYPES } from './guardduty-types.js';
import { createRandom, hashString } from './random.js';
import { SECURITY_HUB_SAMPLES } from './securityhub.js';

export { GUARDDUTY_TYPES } from './guardduty-types.js';

/** Which samples to generate. */
export interface SampleOptions {
  /** Only GuardDuty events, or only Security Hub (ASFF and OCSF) events. Default: both. */
  source?: 'guardduty' | 'securityhub';
  /** Only samples whose finding type is exactly this (a GuardDuty type, a control id, an ASFF type, or a sample name). */
  type?: string;
  /** Any safe integer; the same seed gives the same events. Default: 1. */
  seed?: number;
}

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const PARTITION = 'aws';
const EPOCH_2025 = Date.UTC(2025, 0, 1);
const MINUTES_PER_YEAR = 365 * 24 * 60;

function context(seed: number, name: string): SampleContext {
  const random = createRandom(hashString(`${seed}:${name}`));
  // All samples of one seed share a day; each sits a few minutes to hours before its end.
  const base = EPOCH_2025 + (hashString(String(seed)) % MINUTES_PER_YEAR) * 60_000;
  return {
    random,
    account: ACCOUNT,
    region: REGION,
    partition: PARTITION,
    now: base - random.int(600) * 60_000,
  };
}

/** Sample EventBridge events, GuardDuty first (in the reference list's order), then Security Hub. */
export function generateSamples(options: SampleOptions = {}): EventEnvelope[] {
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  const events: { event: EventEnvelope; names: readonly string[] }[] = [];
  if (options.source !== 'securityhub') {
    for (const [type, category, severity] of GUARDDUTY_TYPES) {
      if (options.type !== undefined && options.type !== type) continue;
      events.push({ event: guardDutySample(context(seed, type), type, category, severity), names: [type] });
    }
  }
  if (options.source !== 'guardduty') {
    for (const sample of SECURITY_HUB_SAMPLES) {
      const event = sample.build(context(seed, sample.name));
      events.push({ event, names: [sample.name, ...parseFindings(event).map((f) => f.type)] });
    }
  }
  return events
    .filter(({ names }) => options.type === undefined || names.includes(options.type))
    .map(({ event }) => event);
}
