import { readFile } from 'node:fs/promises';
import { ConfigError, type KlaxonConfig, loadConfig, parseConfig, Redactor } from '../../config/index.js';
import { UsageError } from '../../errors.js';
import { FindingError } from '../../findings/index.js';
import { systemClock } from '../../route/clock.js';
import { digestDeliveries } from '../../route/digest.js';
import type { Notification } from '../../route/notification.js';
import { pendingDelivery } from '../../route/outbox-row.js';
import type { Decision } from '../../route/router.js';
import { MemoryStore } from '../../store/memory.js';
import type { Delivery } from '../../store/ports.js';
import { createLogger } from '../log.js';
import { createDeliveryWorker, createRouter, outputBindings, routeRules } from '../wiring.js';
import type { Command } from './command.js';
import { parseCommandFlags } from './flags.js';
import { eventsFromText } from './send.js';

const HELP = `usage: klaxon route --config F --event F|- [--dry-run]

Shows what Klaxon would do with an event: which rules match, whether a silence holds it, and every
notification rendered exactly as its output would send it. Prints one JSON line per finding:

  {"finding":{…},"matched":[rule…],"silenced":bool,
   "notifications":[{"rule","output","kind","payload","meta"?}],"actions":[{"rule","type","plan"}]}

"payload" is the exact body the output would send; "meta" holds what is sent beside it (an e-mail
subject, a webhook's kind and rule headers).

The event is routed as if seen for the first time (a fresh in-memory store). A grouped rule shows
the digest its group would send. Without --dry-run the notifications are also sent, and each gets
"state" (sent or dead) and "error" (one attempt each, no retries); the exit code is 1 when any
could not be sent. A console output prints its own line on standard output too.

  --config F   configuration file; with --dry-run secret references are NOT resolved (payloads show
               them as written), without it they are resolved and their values masked
  --event F|-  a file (or standard input) with one event, an array or JSON lines
  --dry-run    decide and render only; send nothing`;

/** A finding for display: everything but the raw product objects. */
function findingSummary(decision: Decision['findings'][number]) {
  const { raw: _raw, event: _event, ...finding } = decision.finding;
  return finding;
}

/** `klaxon route`: what would be sent where, rendered. */
export const routeCommand: Command = {
  summary: 'show which rules match an event and render what each output would receive',
  async run(args) {
    const parsed = parseCommandFlags(
      args,
      { config: { type: 'string' }, event: { type: 'string' }, 'dry-run': { type: 'boolean' } },
      HELP,
    );
    if (parsed === 'help') return 0;
    const { values } = parsed;
    if (values.config === undefined) throw new UsageError('--config F is required; see --help');
    if (values.event === undefined) throw new UsageError('--event F|- is required; see --help');
    const dryRun = values['dry-run'] === true;

    let config: KlaxonConfig;
    let redactor = new Redactor();
    try {
      if (dryRun) {
        const text = await readFile(values.config, 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw new UsageError(`${values.config}: cannot read (${err.code ?? 'error'})`);
        });
        config = parseConfig(text, values.config);
      } else {
        ({ config, redactor } = await loadConfig(values.config));
      }
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message, { cause: err });
      throw err;
    }
    const eventText =
      values.event === '-'
        ? await readStdin()
        : await readFile(values.event, 'utf8').catch((err: NodeJS.ErrnoException) => {
            throw new UsageError(`${values.event}: cannot read (${err.code ?? 'error'})`);
          });
    const inputs = eventsFromText(eventText, values.event === '-' ? '(stdin)' : values.event);
    if (inputs.length === 0) throw new UsageError(`${values.event}: no event in the input`);

    const store = new MemoryStore();
    const clock = systemClock;
    const router = await createRouter(config, store, clock);
    const bindings = outputBindings(config);
    const rules = new Map(routeRules(config).map((r) => [r.name, r]));
    const mask = (value: unknown): unknown => JSON.parse(redactor.redact(JSON.stringify(value ?? null)));
    let failed = 0;

    for (const input of inputs) {
      let decision: Decision;
      try {
        decision = await router.decide(input.event);
      } catch (err) {
        if (err instanceof FindingError) throw new UsageError(`${input.source}: ${err.message}`);
        throw err;
      }
      for (const fd of decision.findings) {
        // Grouped rules announce through a digest later; show the digest this finding would start.
        const grouped: Delivery[] = fd.outcomes.flatMap((o) => {
          const rule = rules.get(o.rule);
          if (o.group === undefined || rule?.group === undefined) return [];
          const labels = decision.batch.groupAdds?.find((g) => g.key === o.group)?.labels ?? {};
          return digestDeliveries(
            { key: o.group, rule: o.rule, labels, pending: [fd.finding], flushAt: clock.now().toISOString() },
            rule,
            clock.now(),
          );
        });
        const notifications: Notification[] = [...fd.notifications, ...grouped.map((d) => d.notification)];
        let states = new Map<string, { state: string; error?: string }>();
        if (!dryRun) states = await deliver(config, store, redactor, notifications);
        const rendered = notifications.map((n) => {
          const binding = bindings.get(n.output);
          const payload = binding?.type.render(n, binding.config, { accountAliases: config.accounts });
          const outcome = states.get(n.id);
          if (outcome !== undefined && outcome.state !== 'sent') failed++;
          return {
            rule: n.rule,
            output: n.output,
            kind: n.kind,
            payload: mask(payload?.body),
            ...(payload?.meta === undefined ? {} : { meta: mask(payload.meta) }),
            ...(outcome === undefined ? {} : outcome),
          };
        });
        const line = {
          finding: mask(findingSummary(fd)),
          matched: fd.matched,
          silenced: fd.silenced,
          notifications: rendered,
          actions: fd.actions.map((a) => ({ rule: a.rule, type: a.type, plan: a.plan })),
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
      }
    }
    return failed > 0 ? 1 : 0;
  },
};

/** Sends notifications through the real outbox worker (retries included) and reports each outcome. */
async function deliver(
  config: KlaxonConfig,
  store: MemoryStore,
  redactor: Redactor,
  notifications: readonly Notification[],
): Promise<Map<string, { state: string; error?: string }>> {
  const now = new Date();
  const deliveries = notifications.map((n) => pendingDelivery(n, n.findings[0]?.key ?? '', now));
  await store.commit({ deliveries });
  const redact = (t: string) => redactor.redact(t);
  // One attempt each: a CLI run should answer now, not back off for minutes.
  const worker = createDeliveryWorker(
    {
      ...config,
      settings: { ...config.settings, delivery: { ...config.settings.delivery, maxAttempts: 1 } },
    },
    store,
    systemClock,
    { redact, log: createLogger(redact) },
  );
  await worker.drain();
  const result = new Map<string, { state: string; error?: string }>();
  for (const d of deliveries) {
    const after = await store.getDelivery(d.id);
    result.set(d.id, {
      state: after?.state ?? 'unknown',
      ...(after?.lastError === undefined ? {} : { error: after.lastError }),
    });
  }
  return result;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
