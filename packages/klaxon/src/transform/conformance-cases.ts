import { TransformError } from './errors.js';
import { applyInputPath, validateTargetInput } from './input-path.js';
import { compileInputTransformer, DEFAULT_TARGET_ID, type TransformContext } from './input-transformer.js';

/** One case of `../shared/conformance/input-transformer.aws.json` (PROVENANCE.md section 5), the fields Klaxon reads. */
export interface TransformCase {
  readonly name: string;
  readonly kind: 'inputTransformer' | 'inputPath';
  readonly event: unknown;
  readonly inputPathsMap?: Record<string, string>;
  readonly inputTemplate?: string;
  readonly inputPath?: string | null;
  readonly context?: Partial<TransformContext> & { readonly targetId?: string };
}

/** What Klaxon answers for one case: the body AWS would deliver, or why it would not. */
export type TransformCaseOutcome =
  | { readonly outcome: 'delivered'; readonly output: string }
  | { readonly outcome: 'not-delivered'; readonly reason: string }
  | { readonly outcome: 'rejected'; readonly error: string };

/**
 * Context values for a case or a CLI run that does not give them: deterministic ones derived from
 * the event (ingestion time = the event's `time`), so a run is reproducible.
 */
export function defaultContext(event: unknown, given: Partial<TransformContext> = {}): TransformContext {
  const e = typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : {};
  const text = (v: unknown, fallback: string) => (typeof v === 'string' && v !== '' ? v : fallback);
  const ruleName = given.ruleName ?? 'klaxon-rule';
  return {
    ruleName,
    ruleArn:
      given.ruleArn ??
      `arn:aws:events:${text(e.region, 'us-east-1')}:${text(e.account, '123456789012')}:rule/${ruleName}`,
    ingestionTime: given.ingestionTime ?? text(e.time, '1970-01-01T00:00:00Z'),
  };
}

/** Runs one conformance-format case through the transformer; throws only for a malformed case. */
export function runTransformCase(c: TransformCase): TransformCaseOutcome {
  const targetId = c.context?.targetId ?? DEFAULT_TARGET_ID;
  try {
    if (c.kind === 'inputPath') {
      const path = c.inputPath ?? null;
      validateTargetInput({ inputPath: path }, targetId);
      return { outcome: 'delivered', output: applyInputPath(c.event, path) };
    }
    if (c.kind !== 'inputTransformer' || typeof c.inputTemplate !== 'string') {
      throw new TypeError(
        `case ${JSON.stringify(c.name)}: kind must be "inputTransformer" with an inputTemplate, or "inputPath"`,
      );
    }
    const transformer =
      c.inputPathsMap === undefined
        ? { inputTemplate: c.inputTemplate }
        : { inputPathsMap: c.inputPathsMap, inputTemplate: c.inputTemplate };
    validateTargetInput({ inputPath: c.inputPath ?? null, inputTransformer: transformer }, targetId);
    const result = compileInputTransformer(transformer, targetId).apply(
      c.event,
      defaultContext(c.event, c.context),
    );
    return result.delivered
      ? { outcome: 'delivered', output: result.body }
      : { outcome: 'not-delivered', reason: result.reason };
  } catch (err) {
    if (err instanceof TransformError) return { outcome: 'rejected', error: err.message };
    throw err;
  }
}
