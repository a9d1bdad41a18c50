export {
  type ActionConfig,
  builtinConfig,
  ConfigError,
  configJsonSchema,
  type KlaxonConfig,
  loadConfig,
  type OutputConfig,
  parseConfig,
  parseDuration,
  Redactor,
  type RuleConfig,
  type SilenceConfig,
} from './config/index.js';
export { KlaxonError, UsageError } from './errors.js';
export {
  type Actor,
  consoleUrl,
  type EventEnvelope,
  type Finding,
  FindingError,
  type FindingSource,
  parseFindings,
  type ResourceSummary,
  type Severity,
  type SeverityLabel,
  severityFromScore,
} from './findings/index.js';
export { generateSamples, type SampleOptions } from './samples/index.js';
export {
  applyInputPath,
  applyInputTransformer,
  compileInputTransformer,
  findUndeliverableTemplate,
  type InputTransformer,
  type TransformContext,
  TransformError,
  type TransformResult,
  validateInputTransformer,
  validateTargetInput,
} from './transform/index.js';
