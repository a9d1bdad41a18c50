import { readFile } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import { systemClock } from '../../route/clock.js';
import { RouteError } from '../../route/errors.js';
import { Router } from '../../route/router.js';
import { openStore } from '../wiring.js';
import type { Command } from './command.js';
import { databasePath } from './database-path.js';
import { parseCommandFlags } from './flags.js';

const HELP = `usage: klaxon silences [--db F | --config F]
       klaxon silences add --pattern JSON --until T --reason R [--from T] [--author A] [--db F | --config F]
       klaxon silences rm ID [--db F | --config F]

Lists, adds or removes silences in a Klaxon database. A finding whose event matches a silence's
pattern (an EventBridge event pattern) between --from and --until is recorded but not announced.
A running 'klaxon serve' on the same database picks changes up within 5 seconds.

  --pattern JSON   event pattern, e.g. '{"account":["111122223333"]}' (or @file)
  --until T        end, ISO-8601 (e.g. 2026-12-31T00:00:00Z)
  --from T         start (default: now)
  --reason R       why (required)
  --author A       who (default: $USER)`;

/** `klaxon silences`: list, add or remove run-time silences. */
export const silencesCommand: Command = {
  summary: 'list silences, add one (add --pattern --until --reason) or remove one (rm ID)',
  async run(args) {
    const parsed = parseCommandFlags(
      args,
      {
        db: { type: 'string' },
        config: { type: 'string' },
        pattern: { type: 'string' },
        until: { type: 'string' },
        from: { type: 'string' },
        reason: { type: 'string' },
        author: { type: 'string' },
      },
      HELP,
      true,
    );
    if (parsed === 'help') return 0;
    const { values, positionals } = parsed;
    const [verb, ...rest] = positionals;
    if (verb !== undefined && verb !== 'add' && verb !== 'rm') {
      throw new UsageError(`unknown subcommand '${verb}': expected add or rm; see --help`);
    }
    const store = openStore(await databasePath(values));
    try {
      if (verb === undefined) {
        const now = Date.now();
        for (const s of await store.listSilences()) {
          const active = (s.from === undefined || Date.parse(s.from) <= now) && now < Date.parse(s.until);
          process.stdout.write(`${JSON.stringify({ ...s, active })}\n`);
        }
        return 0;
      }
      // A router with no rules and no config silences: it owns silence validation, storage and audit.
      const router = await Router.create({ rules: [] }, store, systemClock);
      const actor = values.author ?? process.env.USER ?? 'cli';
      if (verb === 'rm') {
        if (rest.length !== 1) throw new UsageError('rm: expected exactly one silence ID');
        const removed = await router.removeSilence(rest[0]!, actor);
        if (!removed) {
          process.stderr.write(`klaxon silences: no silence '${rest[0]}'\n`);
          return 1;
        }
        process.stdout.write(`${JSON.stringify({ removed: rest[0] })}\n`);
        return 0;
      }
      if (values.pattern === undefined || values.until === undefined || values.reason === undefined) {
        throw new UsageError('add: --pattern, --until and --reason are required');
      }
      let pattern: unknown;
      const file = values.pattern.startsWith('@') ? values.pattern.slice(1) : undefined;
      const patternText =
        file === undefined
          ? values.pattern
          : await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
              throw new UsageError(`--pattern: cannot read ${file} (${err.code ?? 'error'})`);
            });
      try {
        pattern = JSON.parse(patternText);
      } catch (err) {
        throw new UsageError(`--pattern: not JSON (${(err as Error).message})`);
      }
      try {
        const silence = await router.addSilence(
          {
            pattern,
            until: values.until,
            reason: values.reason,
            ...(values.from === undefined ? {} : { from: values.from }),
            author: actor,
          },
          actor,
        );
        process.stdout.write(`${JSON.stringify(silence)}\n`);
        return 0;
      } catch (err) {
        if (err instanceof RouteError) throw new UsageError(err.message, { cause: err });
        throw err;
      }
    } finally {
      await store.close();
    }
  },
};
