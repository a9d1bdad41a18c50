export { builtinConfig } from './builtin.js';
export { parseDuration } from './duration.js';
export { ConfigError, type ConfigIssue } from './errors.js';
export { configJsonSchema } from './json-schema.js';
export { type LoadConfigOptions, type LoadedConfig, loadConfig } from './load.js';
export { configSchema, parseConfig } from './parse.js';
export { Redactor } from './redactor.js';
export { GROUP_LABELS, RENOTIFY_ON, WORKFLOW_STATUSES } from './schema.js';
export type {
  ActionConfig,
  KlaxonConfig,
  OutputConfig,
  RateLimitConfig,
  RuleConfig,
  SettingsConfig,
  SilenceConfig,
} from './types.js';
export { isLoopback } from './validate.js';
