export { KlaxonError, UsageError } from './errors.js';
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
