import { randomUUID } from 'node:crypto';
import type { Finding } from '../findings/finding.js';
import { parseFindings } from '../findings/index.js';
import { compilePattern, PatternMatcher } from '../patterns/index.js';
import type {
  ArchivedEvent,
  AuditRecord,
  CommitBatch,
  Delivery,
  FindingState,
  Silence,
  Store,
} from '../store/ports.js';
import {
  applyInputPath,
  type CompiledInputTransformer,
  compileInputTransformer,
} from '../transform/index.js';
import type { Clock } from './clock.js';
import { RouteError } from './errors.js';
import { groupKey, groupLabels } from './group-labels.js';
import { idempotencyKey } from './idempotency.js';
import { KeyedLock } from './keyed-lock.js';
import type { Notification, NotificationKind } from './notification.js';
import { pendingDelivery } from './outbox-row.js';
import { nextState, verdict } from './policy.js';
import type { RouteRule, SilenceSpec } from './rule.js';

/** An automated action route/ decided to run (actions/ executes it later). */
export interface PlannedAction {
  readonly rule: string;
  readonly type: string;
  readonly findingKey: string;
  /** The action's options from the rule, with `dryRun` made explicit (default true). */
  readonly plan: Readonly<Record<string, unknown>>;
}

/** What one rule decided about one finding. */
export interface RuleOutcome {
  readonly rule: string;
  readonly kind: NotificationKind | undefined;
  readonly reason: string;
  /** The group the finding joined instead of being announced on its own. */
  readonly group?: string;
}

/** Everything decided about one finding of the event. */
export interface FindingDecision {
  readonly finding: Finding;
  readonly matched: readonly string[];
  readonly silenced: boolean;
  readonly silencedBy: readonly string[];
  readonly outcomes: readonly RuleOutcome[];
  readonly notifications: readonly Notification[];
  readonly actions: readonly PlannedAction[];
}

/** The decision for one event, and the writes that make it durable. */
export interface Decision {
  readonly findings: readonly FindingDecision[];
  /** Every notification to enqueue now (digests come later, from the group flusher). */
  readonly notifications: readonly Notification[];
  readonly actions: readonly PlannedAction[];
  /** True when at least one finding matched a rule and a silence held it back. */
  readonly silenced: boolean;
  /** Names of the rules the event matched. */
  readonly matched: readonly string[];
  /** The atomic write for this decision (without the archived event; `route()` adds it). */
  readonly batch: CommitBatch;
}

/** A silence to create at run time (API or CLI). */
export interface NewSilence {
  readonly pattern: unknown;
  readonly until: string | Date;
  readonly from?: string | Date;
  readonly reason: string;
  readonly author?: string;
}

const RULE_PREFIX = 'rule:';
const SILENCE_PREFIX = 'silence:';

function isoTime(value: string | Date, path: string): string {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) throw new RouteError(`${path}: not a date-time: ${JSON.stringify(String(value))}`);
  return new Date(ms).toISOString();
}

/** Config silences get an id from their content, so reloading the same file does not duplicate them. */
function configSilence(spec: SilenceSpec, index: number, now: Date): Silence {
  const until = isoTime(spec.until, `silences[${index}].until`);
  const from = spec.from === undefined ? undefined : isoTime(spec.from, `silences[${index}].from`);
  const id = `config-${idempotencyKey('silence', JSON.stringify(spec.pattern), from ?? '', until, spec.reason)}`;
  return {
    id,
    pattern: spec.pattern,
    ...(from === undefined ? {} : { from }),
    until,
    reason: spec.reason,
    ...(spec.author === undefined ? {} : { author: spec.author }),
    createdAt: now.toISOString(),
    origin: 'config',
  };
}

function isActive(silence: Silence, now: Date): boolean {
  const t = now.getTime();
  return (silence.from === undefined || Date.parse(silence.from) <= t) && t < Date.parse(silence.until);
}

/** Only announcements that start a new story trigger automated responses; repeats and updates do not. */
const ACTION_KINDS: ReadonlySet<NotificationKind> = new Set(['new', 'escalation']);

/**
 * The routing core: one compiled matcher for every rule and silence, the dedup/re-notify policy,
 * silences and grouping. It reads and writes only through the Store port and reads time only from
 * the Clock, so the server, the CLI and the Lambda handler share it unchanged.
 */
export class Router {
  readonly #rules: ReadonlyMap<string, RouteRule>;
  readonly #transformers = new Map<string, CompiledInputTransformer>();
  readonly #matcher = new PatternMatcher();
  readonly #silences = new Map<string, Silence>();
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #commit: (batch: CommitBatch) => Promise<void>;
  readonly #lock = new KeyedLock();

  private constructor(
    rules: readonly RouteRule[],
    store: Store,
    clock: Clock,
    commit: ((batch: CommitBatch) => Promise<void>) | undefined,
  ) {
    const byName = new Map<string, RouteRule>();
    rules.forEach((rule, i) => {
      if (byName.has(rule.name)) throw new RouteError(`rules[${i}].name: duplicate rule name '${rule.name}'`);
      byName.set(rule.name, rule);
      if (rule.enabled === false) return;
      this.#matcher.add(RULE_PREFIX + rule.name, rule.pattern);
      if (rule.transform !== undefined && 'inputTemplate' in rule.transform) {
        this.#transformers.set(rule.name, compileInputTransformer(rule.transform));
      }
    });
    this.#rules = byName;
    this.#store = store;
    this.#clock = clock;
    this.#commit = commit ?? ((batch) => store.commit(batch));
  }

  /**
   * Builds a router: compiles every enabled rule, stores the config silences (replacing config
   * silences that left the file; skipped when `silences` is not given, as by operator commands
   * that have no config) and loads every stored silence. `commit` replaces `store.commit`
   * (the server passes a group committer).
   */
  static async create(
    options: {
      readonly rules: readonly RouteRule[];
      readonly silences?: readonly SilenceSpec[];
      readonly commit?: (batch: CommitBatch) => Promise<void>;
    },
    store: Store,
    clock: Clock,
  ): Promise<Router> {
    const router = new Router(options.rules, store, clock, options.commit);
    if (options.silences !== undefined) {
      const now = clock.now();
      const fromConfig = options.silences.map((s, i) => configSilence(s, i, now));
      const keep = new Set(fromConfig.map((s) => s.id));
      for (const stored of await store.listSilences()) {
        if (stored.origin === 'config' && !keep.has(stored.id)) await store.deleteSilence(stored.id);
      }
      for (const silence of fromConfig) await store.putSilence(silence);
    }
    await router.refreshSilences();
    return router;
  }

  /** The rule called `name`, if any. */
  rule(name: string): RouteRule | undefined {
    return this.#rules.get(name);
  }

  /** Re-reads silences from the store (another process, e.g. `klaxon silences add`, may have changed them). */
  async refreshSilences(): Promise<void> {
    const now = this.#clock.now();
    const current = new Map<string, Silence>();
    for (const s of await this.#store.listSilences()) {
      if (Date.parse(s.until) > now.getTime()) current.set(s.id, s);
    }
    for (const id of this.#silences.keys()) {
      if (!current.has(id)) {
        this.#matcher.remove(SILENCE_PREFIX + id);
        this.#silences.delete(id);
      }
    }
    for (const [id, s] of current) {
      if (this.#silences.has(id)) continue;
      try {
        this.#matcher.add(SILENCE_PREFIX + id, s.pattern);
        this.#silences.set(id, s);
      } catch {
        // A stored silence whose pattern no longer compiles cannot silence anything; skipping it
        // keeps routing alive, and `klaxon silences` still lists it for the operator.
      }
    }
  }

  /** Silences that hold at this moment. */
  activeSilences(): Silence[] {
    const now = this.#clock.now();
    return [...this.#silences.values()].filter((s) => isActive(s, now));
  }

  /** Creates a run-time silence (validated, stored, audited, effective at once). */
  async addSilence(input: NewSilence, actor = 'api'): Promise<Silence> {
    try {
      compilePattern(input.pattern);
    } catch (err) {
      throw new RouteError(`pattern: ${(err as Error).message}`, { cause: err });
    }
    if (typeof input.reason !== 'string' || input.reason.trim() === '') {
      throw new RouteError('reason: a silence needs a reason');
    }
    const now = this.#clock.now();
    const until = isoTime(input.until, 'until');
    const from = input.from === undefined ? undefined : isoTime(input.from, 'from');
    if (Date.parse(until) <= Math.max(now.getTime(), from === undefined ? 0 : Date.parse(from))) {
      throw new RouteError(`until: ${until} is not after ${from ?? 'now'}`);
    }
    const silence: Silence = {
      id: randomUUID(),
      pattern: input.pattern,
      ...(from === undefined ? {} : { from }),
      until,
      reason: input.reason,
      ...(input.author === undefined ? {} : { author: input.author }),
      createdAt: now.toISOString(),
      origin: 'api',
    };
    await this.#store.putSilence(silence);
    await this.#store.commit({
      audit: [operatorAudit(now, input.author ?? actor, 'silence-add', silence.id, silence)],
    });
    this.#matcher.add(SILENCE_PREFIX + silence.id, silence.pattern);
    this.#silences.set(silence.id, silence);
    return silence;
  }

  /** Deletes a silence; false when there is none with this id. */
  async removeSilence(id: string, actor = 'api'): Promise<boolean> {
    const removed = await this.#store.deleteSilence(id);
    if (this.#silences.delete(id)) this.#matcher.remove(SILENCE_PREFIX + id);
    if (removed) {
      await this.#store.commit({
        audit: [operatorAudit(this.#clock.now(), actor, 'silence-remove', id, {})],
      });
    }
    return removed;
  }

  /**
   * Decides what to do with one event without writing anything (`klaxon route --dry-run` uses it
   * directly). Throws FindingError when the event is not a finding Klaxon can read.
   */
  async decide(event: unknown, findings: readonly Finding[] = parseFindings(event)): Promise<Decision> {
    const now = this.#clock.now();
    const names = this.#matcher.match(event);
    const matched = names.filter((n) => n.startsWith(RULE_PREFIX)).map((n) => n.slice(RULE_PREFIX.length));
    const silencedBy = names
      .filter((n) => n.startsWith(SILENCE_PREFIX))
      .map((n) => n.slice(SILENCE_PREFIX.length))
      .filter((id) => {
        const s = this.#silences.get(id);
        return s !== undefined && isActive(s, now);
      });
    const silenced = silencedBy.length > 0;

    const states: FindingState[] = [];
    const deliveries: Delivery[] = [];
    const groupAdds: NonNullable<CommitBatch['groupAdds']>[number][] = [];
    const audit: AuditRecord[] = [];
    const perFinding: FindingDecision[] = [];
    // Two findings of one event may share a key; the second must see what the first decided.
    const decided = new Map<string, FindingState>();

    for (const finding of findings) {
      const outcomes: RuleOutcome[] = [];
      const notifications: Notification[] = [];
      const actions: PlannedAction[] = [];
      for (const ruleName of matched) {
        const rule = this.#rules.get(ruleName);
        if (rule === undefined) continue;
        const stateKey = `${ruleName}\u0000${finding.key}`;
        const previous = decided.get(stateKey) ?? (await this.#store.findingState(ruleName, finding.key));
        if (silenced) {
          // Recorded as seen, not announced; a finding never announced keeps no state, so when the
          // silence ends its next sighting is announced as new (Alertmanager behaves the same).
          if (previous !== undefined) {
            const seen = nextState(ruleName, previous, finding, undefined, now)!;
            decided.set(stateKey, seen);
            states.push(seen);
          }
          outcomes.push({ rule: ruleName, kind: undefined, reason: 'silenced' });
          continue;
        }
        const v = verdict(previous, finding, rule.renotify, now);
        const state = nextState(ruleName, previous, finding, v.kind, now);
        if (state !== undefined) {
          decided.set(stateKey, state);
          states.push(state);
        }
        if (v.kind === undefined) {
          outcomes.push({ rule: ruleName, kind: undefined, reason: v.reason });
          continue;
        }
        if (rule.group !== undefined) {
          const labels = groupLabels(finding, ruleName, rule.group.by);
          const key = groupKey(ruleName, labels);
          groupAdds.push({
            key,
            rule: ruleName,
            labels,
            finding,
            flushAt: new Date(now.getTime() + rule.group.wait).toISOString(),
          });
          outcomes.push({ rule: ruleName, kind: v.kind, reason: v.reason, group: key });
        } else {
          const transformed = this.#transform(rule, finding, now);
          if (transformed.delivered) {
            for (const output of rule.notify) {
              const n = this.#notification(rule, output, finding, v.kind, previous, transformed.body, now);
              notifications.push(n);
              deliveries.push(pendingDelivery(n, finding.key, now));
            }
            outcomes.push({ rule: ruleName, kind: v.kind, reason: v.reason });
          } else {
            // EventBridge delivers nothing when a transformer cannot produce a body; so do we, on the record.
            outcomes.push({
              rule: ruleName,
              kind: undefined,
              reason: `transform-not-delivered: ${transformed.reason}`,
            });
            audit.push(
              systemAudit(now, ruleName, 'transform', finding.key, 'skipped', { reason: transformed.reason }),
            );
          }
        }
        if (ACTION_KINDS.has(v.kind)) {
          for (const spec of rule.actions ?? []) {
            const { type, ...options } = spec;
            const plan = { ...options, dryRun: spec.dryRun ?? true };
            actions.push({ rule: ruleName, type, findingKey: finding.key, plan });
            audit.push(systemAudit(now, ruleName, type, finding.key, 'planned', plan, plan.dryRun));
          }
        }
      }
      if (silenced && matched.length > 0) {
        audit.push(
          systemAudit(now, 'klaxon', 'silence', finding.key, 'skipped', {
            rules: matched,
            silences: silencedBy,
          }),
        );
      }
      perFinding.push({ finding, matched, silenced, silencedBy, outcomes, notifications, actions });
    }

    return {
      findings: perFinding,
      notifications: perFinding.flatMap((d) => d.notifications),
      actions: perFinding.flatMap((d) => d.actions),
      silenced: silenced && matched.length > 0,
      matched,
      batch: { states, deliveries, groupAdds, audit },
    };
  }

  /**
   * Decides and durably records one event: the archived receipt, finding states, deliveries,
   * group additions and audit records are committed together, and only then does it resolve.
   * Sightings of the same finding are serialized so that concurrent events cannot both announce it.
   */
  async route(event: unknown, receipt: ArchivedEvent, findings: readonly Finding[] = parseFindings(event)) {
    return this.#lock.with(
      findings.map((f) => f.key),
      async () => {
        const decision = await this.decide(event, findings);
        await this.#commit({ ...decision.batch, events: [receipt] });
        return decision;
      },
    );
  }

  #transform(
    rule: RouteRule,
    finding: Finding,
    now: Date,
  ): { delivered: true; body: string | undefined } | { delivered: false; reason: string } {
    const t = rule.transform;
    if (t === undefined) return { delivered: true, body: undefined };
    if ('inputPath' in t) return { delivered: true, body: applyInputPath(finding.event, t.inputPath) };
    const compiled = this.#transformers.get(rule.name);
    if (compiled === undefined) return { delivered: true, body: undefined };
    const ingestion = Date.parse(finding.event.time);
    return compiled.apply(finding.event, {
      ruleName: rule.name,
      ruleArn: `arn:${finding.partition}:events:${finding.event.region}:${finding.event.account}:rule/${rule.name}`,
      // EventBridge's ingestion time is when it received the event, which the envelope's `time` is
      // as close to as we can know; using it keeps the rendered body a pure function of the event.
      ingestionTime: new Date(Number.isNaN(ingestion) ? now.getTime() : ingestion).toISOString(),
    });
  }

  #notification(
    rule: RouteRule,
    output: string,
    finding: Finding,
    kind: NotificationKind,
    previous: FindingState | undefined,
    transformed: string | undefined,
    now: Date,
  ): Notification {
    const template = rule.templates?.[output];
    return {
      id: idempotencyKey(finding.event.id, finding.key, rule.name, output, kind),
      kind,
      rule: rule.name,
      output,
      findings: [finding],
      ...(previous !== undefined && kind !== 'new'
        ? { previous: { severity: previous.severity, count: previous.count } }
        : {}),
      ...(transformed === undefined ? {} : { transformed }),
      ...(template === undefined ? {} : { template }),
      createdAt: now.toISOString(),
    };
  }
}

function systemAudit(
  now: Date,
  actor: string,
  action: string,
  target: string,
  result: AuditRecord['result'],
  detail: unknown,
  dryRun = false,
): AuditRecord {
  return { id: randomUUID(), at: now.toISOString(), actor, action, target, dryRun, result, detail };
}

function operatorAudit(
  now: Date,
  actor: string,
  action: string,
  target: string,
  detail: unknown,
): AuditRecord {
  return systemAudit(now, actor, action, target, 'succeeded', detail);
}
