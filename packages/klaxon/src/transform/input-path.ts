import { TransformError } from './errors.js';
import { DEFAULT_TARGET_ID, type InputTransformer, validateInputTransformer } from './input-transformer.js';
import { parsePath, selectPath, toJson } from './json-path.js';

/** How one EventBridge target shapes its input: at most one of these may be set. */
export interface TargetInput {
  /** Constant JSON text sent instead of the event. */
  readonly input?: string | null;
  /** JSON path selecting the part of the event to send. */
  readonly inputPath?: string | null;
  readonly inputTransformer?: InputTransformer | null;
}

/** Throws TransformError (AWS's text where AWS has one) if EventBridge would refuse this target input. */
export function validateTargetInput(target: TargetInput, targetId: string = DEFAULT_TARGET_ID): void {
  const set = [target.input, target.inputPath, target.inputTransformer].filter(
    (v) => v !== undefined && v !== null,
  );
  if (set.length > 1) {
    throw new TransformError(
      `Only one of Input, InputPath, or InputTransformer must be provided for target ${targetId}.`,
    );
  }
  if (target.inputPath !== undefined && target.inputPath !== null) {
    parsePath(target.inputPath, `InputPath of target ${targetId}`);
  }
  if (target.input !== undefined && target.input !== null) {
    try {
      JSON.parse(target.input);
    } catch (err) {
      throw new TransformError(`Input of target ${targetId} must be valid JSON text.`, { cause: err });
    }
  }
  if (target.inputTransformer !== undefined && target.inputTransformer !== null) {
    validateInputTransformer(target.inputTransformer, targetId);
  }
}

/**
 * The body EventBridge sends for an InputPath (R17): the selected value as JSON (a string becomes a
 * JSON string literal). `null` means no InputPath: the whole event (R18). A path that selects
 * nothing gives `null` (Klaxon's choice; not recorded from AWS). Throws TransformError for an invalid path.
 */
export function applyInputPath(event: unknown, inputPath: string | null): string {
  if (inputPath === null) return toJson(event);
  const selection = selectPath(event, parsePath(inputPath, 'InputPath'));
  return selection.found ? toJson(selection.value) : 'null';
}
