export { TransformError } from './errors.js';
export { applyInputPath, type TargetInput, validateTargetInput } from './input-path.js';
export {
  applyInputTransformer,
  type CompiledInputTransformer,
  compileInputTransformer,
  DEFAULT_TARGET_ID,
  findUndeliverableTemplate,
  type InputTransformer,
  MAX_INPUT_PATHS,
  MAX_TEMPLATE_LENGTH,
  PREDEFINED_VARIABLES,
  type TransformContext,
  type TransformResult,
  validateInputTransformer,
} from './input-transformer.js';
export { MAX_PATH_LENGTH, type PathSegment, type PathSelection, parsePath, selectPath } from './json-path.js';
