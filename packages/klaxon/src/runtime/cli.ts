import { KlaxonError, UsageError } from '../errors.js';
import { commands } from './commands/index.js';

const USAGE = `usage: klaxon <command> [options]

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`)
  .join('\n')}

Run 'klaxon <command> --help' for a command's options.`;

/** Runs the klaxon command line; resolves to the process exit code (0 done, 1 check failed, 2 bad usage). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    process.stdout.write('0.1.0\n');
    return 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`klaxon: unknown command '${name}'\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || err instanceof KlaxonError) {
      process.stderr.write(`klaxon ${name}: ${oneLine(err.message)}\n`);
      return 2;
    }
    throw err;
  }
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ');
}
