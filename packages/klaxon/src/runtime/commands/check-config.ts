import { readFile } from 'node:fs/promises';
import { formatIssue } from '../../config/errors.js';
import { ConfigError, type KlaxonConfig, loadConfig, parseConfig } from '../../config/index.js';
import { UsageError } from '../../errors.js';
import type { Command } from './command.js';
import { parseCommandFlags } from './flags.js';

const HELP = `usage: klaxon check-config [--resolve] FILE|-

Validates a Klaxon configuration file (YAML or JSON) without starting anything: every key, every
event pattern (with EventBridge's messages), every input transformer and template, every
reference between rules and outputs. Secret references are checked for syntax only, unless
--resolve is given: then they are looked up (environment, files, SSM, Secrets Manager) as
'klaxon serve' would, and their values are masked in every message.

Prints "ok: N rules, M outputs, K silences" and exits 0, or prints one "path: problem" line per
problem and exits 1. Exits 2 when the file cannot be read or the arguments are wrong.`;

/** `klaxon check-config F`: validate a config file and name the path of every problem. */
export const checkConfigCommand: Command = {
  summary: 'validate a configuration file; print each problem with its path',
  async run(args) {
    const parsed = parseCommandFlags(args, { resolve: { type: 'boolean' } }, HELP, true);
    if (parsed === 'help') return 0;
    const { values, positionals } = parsed;
    if (positionals.length !== 1)
      throw new UsageError('expected exactly one configuration file (or -); see --help');
    const file = positionals[0] as string;
    if (values.resolve === true && file === '-')
      throw new UsageError('--resolve needs a file, not standard input');

    // Read first, so an unreadable file is bad input (exit 2) and not a failed check (exit 1).
    const text = await readSource(file);
    let config: KlaxonConfig;
    try {
      config =
        values.resolve === true
          ? (await loadConfig(file)).config
          : parseConfig(text, file === '-' ? '(stdin)' : file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const issue of err.issues) process.stdout.write(`${oneLine(formatIssue(issue))}\n`);
      return 1;
    }
    // A fixed wording (always plural) so that scripts can parse the counts.
    const outputs = Object.keys(config.outputs).length;
    process.stdout.write(
      `ok: ${config.rules.length} rules, ${outputs} outputs, ${config.silences.length} silences\n`,
    );
    return 0;
  },
};

async function readSource(file: string): Promise<string> {
  try {
    if (file !== '-') return await readFile(file, 'utf8');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
