export { type BackoffSettings, backoffDelay, retryDelay } from './backoff.js';
export { DeliverError } from './errors.js';
export { GroupFlusher } from './group-flusher.js';
export { nodeFetch } from './node-fetch.js';
export { defaultRateLimit, type RateLimit, TokenBucket } from './token-bucket.js';
export {
  type DeliveryObserver,
  type DeliverySettings,
  DeliveryWorker,
  type DeliveryWorkerOptions,
  type LogFn,
  type OutputBinding,
} from './worker.js';
