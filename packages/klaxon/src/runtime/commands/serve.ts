import { builtinConfig, type KlaxonConfig, loadConfig, Redactor } from '../../config/index.js';
import { UsageError } from '../../errors.js';
import { startService } from '../service.js';
import type { Command } from './command.js';
import { parseCommandFlags } from './flags.js';

const HELP = `usage: klaxon serve [--config F] [--db F] [--port N] [--host H]

Runs the local router: an HTTP endpoint for EventBridge events (POST /events), SNS HTTPS
subscriptions (POST /sns), the operator API (/api/silences, /api/deliveries, /api/events),
/healthz and /metrics, and the outbox worker that delivers notifications.

  --config F   configuration file (YAML or JSON); default: the built-in configuration, which
               prints every GuardDuty and Security Hub finding once on the console
  --db F       SQLite database file; default settings.db (.klaxon/klaxon.db)
  --port N     TCP port; default settings.server.port (8787); 0 picks a free port
  --host H     address to listen on; default settings.server.host (127.0.0.1). Any address but
               loopback requires settings.server.token.

Prints "klaxon: listening on URL" when ready. SIGTERM or SIGINT stops it gracefully: requests in
flight are answered and deliveries in flight finish before it exits.`;

/** `klaxon serve`: the local router, until SIGTERM/SIGINT. */
export const serveCommand: Command = {
  summary: 'run the local router: HTTP ingest, delivery worker, API and metrics',
  async run(args) {
    const parsed = parseCommandFlags(
      args,
      {
        config: { type: 'string' },
        db: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
      },
      HELP,
    );
    if (parsed === 'help') return 0;
    const { values } = parsed;
    let config: KlaxonConfig = builtinConfig;
    let redactor = new Redactor();
    if (values.config !== undefined) ({ config, redactor } = await loadConfig(values.config));
    let port: number | undefined;
    if (values.port !== undefined) {
      port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new UsageError(`--port: expected a port number 0–65535, got '${values.port}'`);
      }
    }
    const service = await startService({
      config,
      redactor,
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(port === undefined ? {} : { port }),
      ...(values.db === undefined ? {} : { db: values.db }),
    });
    const db = values.db ?? config.settings.db;
    process.stdout.write(
      `klaxon: listening on ${service.url} (config: ${values.config ?? 'built-in'}, db: ${db})\n` +
        `klaxon: send a sample with: npx --no-install klaxon samples --source guardduty | npx --no-install klaxon send --url ${service.url} -\n`,
    );
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    process.stdout.write(`klaxon: ${signal}: finishing in-flight requests and deliveries\n`);
    await service.stop();
    process.stdout.write('klaxon: stopped\n');
    return 0;
  },
};
