import { UsageError } from '../../errors.js';
import { deliverySummary } from '../listing.js';
import { openStore } from '../wiring.js';
import type { Command } from './command.js';
import { databasePath } from './database-path.js';
import { parseCommandFlags } from './flags.js';

const HELP = `usage: klaxon deliveries [--db F | --config F] [--dead] [--limit N] [--retry ID]

Lists the outbox of a Klaxon database, newest first, one JSON line per delivery (id, state,
output, rule, kind, attempts, nextAttemptAt, lastError…).

  --dead       only dead letters (deliveries that used up their retry budget or failed for good)
  --retry ID   move delivery ID (dead or pending) back to pending, due now; a running
               'klaxon serve' on the same database sends it within a second
  --limit N    at most N lines (default 100)
  --db F       database file (default: settings.db of --config, else .klaxon/klaxon.db)`;

/** `klaxon deliveries`: list the outbox, or retry a dead letter. */
export const deliveriesCommand: Command = {
  summary: 'list deliveries (--dead for dead letters) or retry one (--retry ID)',
  async run(args) {
    const parsed = parseCommandFlags(
      args,
      {
        db: { type: 'string' },
        config: { type: 'string' },
        dead: { type: 'boolean' },
        retry: { type: 'string' },
        limit: { type: 'string' },
      },
      HELP,
    );
    if (parsed === 'help') return 0;
    const { values } = parsed;
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError(`--limit: expected a positive whole number`);
    const store = openStore(await databasePath(values));
    try {
      if (values.retry !== undefined) {
        const ok = await store.retryDelivery(values.retry, new Date().toISOString());
        if (!ok) {
          process.stderr.write(`klaxon deliveries: no delivery '${values.retry}'\n`);
          return 1;
        }
        process.stdout.write(`${JSON.stringify({ retried: values.retry })}\n`);
        return 0;
      }
      const list = await store.listDeliveries({ ...(values.dead === true ? { state: 'dead' } : {}), limit });
      for (const d of list) process.stdout.write(`${JSON.stringify(deliverySummary(d))}\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
