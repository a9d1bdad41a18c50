/**
 * The one place where concrete adapters are chosen: which store, which outputs, which clock. The
 * server, the CLI commands (and later the Lambda handler) build their parts here, so they all
 * route and deliver the same way.
 */
import type { KlaxonConfig } from '../config/index.js';
import {
  DeliverError,
  type DeliveryObserver,
  DeliveryWorker,
  GroupFlusher,
  type LogFn,
  type OutputBinding,
} from '../deliver/index.js';
import { nodeFetch } from '../deliver/node-fetch.js';
import { outputTypes } from '../outputs/index.js';
import type { Clock } from '../route/clock.js';
import { Router } from '../route/router.js';
import type { RouteRule, SilenceSpec } from '../route/rule.js';
import type { CommitBatch, Retention, Store } from '../store/ports.js';
import { SqliteStore } from '../store/sqlite.js';
import { ThreadedSqliteStore } from '../store/sqlite-threaded.js';

/** The store the CLI's one-shot commands use: the SQLite file at `path` (created with its folder). */
export function openStore(path: string): Store {
  return SqliteStore.open(path);
}

/**
 * The store `klaxon serve` uses: the same file, with writes and their fsyncs on a writer thread so
 * the event loop keeps serving while a commit is made durable. `:memory:` (one connection only)
 * gets the single-threaded store.
 */
export async function openServiceStore(path: string): Promise<Store> {
  if (path === ':memory:' || path === '') return SqliteStore.open(path);
  return ThreadedSqliteStore.open(path);
}

/** The config's rules in the shape route/ takes (durations are already milliseconds). */
export function routeRules(config: KlaxonConfig): RouteRule[] {
  return config.rules.map((rule) => {
    const t = rule.transform;
    let transform: RouteRule['transform'];
    if (t?.inputTemplate !== undefined) {
      transform = {
        ...(t.inputPathsMap === undefined ? {} : { inputPathsMap: t.inputPathsMap }),
        inputTemplate: t.inputTemplate,
      };
    } else if (t?.inputPath !== undefined) {
      transform = { inputPath: t.inputPath };
    }
    return {
      name: rule.name,
      enabled: rule.enabled,
      pattern: rule.pattern,
      notify: rule.notify,
      ...(rule.renotify === undefined ? {} : { renotify: rule.renotify }),
      ...(rule.group === undefined ? {} : { group: rule.group }),
      ...(transform === undefined ? {} : { transform }),
      ...(rule.templates === undefined ? {} : { templates: rule.templates }),
      actions: rule.actions,
    };
  });
}

/**
 * The router every entry point uses. `commit` replaces `store.commit` for routing decisions (the
 * server passes a CommitWindow so concurrent requests share a transaction).
 */
export function createRouter(
  config: KlaxonConfig,
  store: Store,
  clock: Clock,
  commit?: (batch: CommitBatch) => Promise<void>,
): Promise<Router> {
  const silences: SilenceSpec[] = config.silences.map((s) => ({
    pattern: s.pattern,
    until: s.until,
    reason: s.reason,
    ...(s.from === undefined ? {} : { from: s.from }),
    ...(s.author === undefined ? {} : { author: s.author }),
  }));
  return Router.create(
    { rules: routeRules(config), silences, ...(commit === undefined ? {} : { commit }) },
    store,
    clock,
  );
}

/** Each configured output with its registered type; an unknown type is a config error caught early. */
export function outputBindings(config: KlaxonConfig): Map<string, OutputBinding> {
  const bindings = new Map<string, OutputBinding>();
  for (const [name, entry] of Object.entries(config.outputs)) {
    const type = outputTypes.find((t) => t.type === entry.type);
    if (type === undefined) throw new DeliverError(`outputs.${name}.type: no output type '${entry.type}'`);
    bindings.set(name, { name, type, config: entry });
  }
  return bindings;
}

/** The outbox worker for a config. */
export function createDeliveryWorker(
  config: KlaxonConfig,
  store: Store,
  clock: Clock,
  options: {
    readonly redact: (text: string) => string;
    readonly log?: LogFn;
    readonly observer?: DeliveryObserver;
    readonly pollInterval?: number;
  },
): DeliveryWorker {
  return new DeliveryWorker({
    store,
    clock,
    outputs: outputBindings(config),
    settings: config.settings.delivery,
    accountAliases: config.accounts,
    redact: options.redact,
    fetch: nodeFetch,
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.observer === undefined ? {} : { observer: options.observer }),
    ...(options.pollInterval === undefined ? {} : { pollInterval: options.pollInterval }),
  });
}

/** The digest flusher for a config's grouped rules. */
export function createGroupFlusher(config: KlaxonConfig, store: Store, clock: Clock): GroupFlusher {
  return new GroupFlusher(store, clock, routeRules(config));
}

/** `settings.retention` in the store's terms. */
export function retentionOf(config: KlaxonConfig): Retention {
  const r = config.settings.retention;
  return { events: r.events, sentDeliveries: r.deliveries, audit: r.audit, findingStates: r.findingStates };
}
