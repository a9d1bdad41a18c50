import type { z } from 'zod';
import type { actionSchema, buildConfigSchema } from './schema.js';

type ParsedConfig = z.output<ReturnType<typeof buildConfigSchema>>;

/** The common per-output send limit (a token bucket), enforced by deliver/. */
export interface RateLimitConfig {
  readonly perSecond: number;
  readonly burst: number;
}

/** One `outputs:` entry: its `type`, that type's own fields, and the common `rateLimit`. */
export interface OutputConfig {
  readonly type: string;
  readonly rateLimit?: RateLimitConfig;
  readonly [field: string]: unknown;
}

/** A parsed configuration with every default applied; durations are milliseconds, times ISO-8601 UTC. */
export type KlaxonConfig = Omit<ParsedConfig, 'outputs'> & { outputs: Record<string, OutputConfig> };
/** One routing rule. */
export type RuleConfig = KlaxonConfig['rules'][number];
/** One silence from the config file. */
export type SilenceConfig = KlaxonConfig['silences'][number];
/** One automated action of a rule (`dryRun` defaults to true). */
export type ActionConfig = z.output<typeof actionSchema>;
/** The `settings:` section, every field filled in. */
export type SettingsConfig = KlaxonConfig['settings'];
