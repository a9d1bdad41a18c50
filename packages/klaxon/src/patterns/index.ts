/**
 * EventBridge event patterns: validation with EventBridge's messages, a reference evaluator for one
 * pattern, and an indexed matcher for many. Pure: no I/O, no clock, no dependencies.
 * The normative description is docs/PATTERNS.md.
 */
export {
  type Branch,
  type CompiledPattern,
  type Condition,
  compilePattern,
  DEFAULT_MAX_LENGTH,
  MAX_MAX_LENGTH,
  MAX_OR_COMBINATIONS,
  type PatternOptions,
} from './compile.js';
export { EventTextError, PATTERN_ERROR_PREFIX, PatternError } from './errors.js';
export { matchesPattern } from './evaluate.js';
export { PatternMatcher } from './matcher.js';
