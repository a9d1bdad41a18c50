export { KlaxonError, UsageError } from './errors.js';
