import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';

/** The flags a command declares; `--help`/`-h` is added for every command. */
type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/** `-h`/`--help`, which every command accepts and answers with its usage text. */
const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** What parseArgs returns for a command's flags (plus `help`). */
export type ParsedFlags<O extends CommandOptions, P extends boolean> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O & typeof HELP_OPTION; strict: true; allowPositionals: P }>
>;

/**
 * Parses a command's arguments strictly with `node:util` `parseArgs`. An unknown flag or a
 * missing value becomes a UsageError (exit 2) ending in "; see --help"; `--help` prints `help`
 * on stdout and resolves to 'help', so the command returns 0 without doing anything else.
 */
export function parseCommandFlags<const O extends CommandOptions, const P extends boolean = false>(
  args: string[],
  options: O,
  help: string,
  allowPositionals?: P,
): ParsedFlags<O, P> | 'help' {
  let parsed: ParsedFlags<O, P>;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, ...HELP_OPTION },
      strict: true,
      allowPositionals: allowPositionals ?? (false as P),
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}; see --help`);
  }
  if ((parsed.values as { help?: boolean }).help === true) {
    process.stdout.write(`${help}\n`);
    return 'help';
  }
  return parsed;
}
