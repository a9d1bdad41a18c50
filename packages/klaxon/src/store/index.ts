// The store port and the adapters without native dependencies. SqliteStore is imported from
// './sqlite.js' by the code that chooses it (runtime/wiring.ts), so that loading this index never
// loads better-sqlite3's native module (the Lambda bundle uses another adapter). The same holds
// for ThreadedSqliteStore ('./sqlite-threaded.js'): only its type is exported here.
export { StoreError } from './errors.js';
export { MemoryStore } from './memory.js';
export type {
  ArchivedEvent,
  AuditRecord,
  CommitBatch,
  Delivery,
  DeliveryOutcome,
  DeliveryState,
  FindingState,
  Group,
  Retention,
  Silence,
  Store,
} from './ports.js';
export type { ThreadedSqliteStore } from './sqlite-threaded.js';
