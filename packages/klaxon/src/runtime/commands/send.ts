import { readFile } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import type { Command } from './command.js';
import { parseCommandFlags } from './flags.js';

const HELP = `usage: klaxon send [--url U] FILE...|-

Posts EventBridge events to a running 'klaxon serve'. Each FILE (or standard input for -) holds
one JSON event, a JSON array of events, or JSON lines (one event per line), so that
'klaxon samples | klaxon send -' works. Events are posted one per request.

  --url U   the server (default http://127.0.0.1:8787); /events is added when U has no path.
            The bearer token is read from the KLAXON_TOKEN environment variable, if set.

Prints one JSON line per event: {"source","status","response"}. Exits 0 when every event was
accepted (202), 1 when any was refused, 2 when a file cannot be read or is not JSON.`;

/** One event read from an input, with where it came from. */
interface Input {
  readonly source: string;
  readonly event: unknown;
}

/** Splits a text into events: one JSON value (an array is spread), or JSON lines. */
export function eventsFromText(text: string, name: string): Input[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    const value: unknown = JSON.parse(trimmed);
    return Array.isArray(value)
      ? value.map((event, i) => ({ source: `${name}[${i}]`, event }))
      : [{ source: name, event: value }];
  } catch {
    // Not one JSON value: JSON lines.
  }
  const inputs: Input[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      inputs.push({ source: `${name}:${i + 1}`, event: JSON.parse(line) });
    } catch (err) {
      throw new UsageError(`${name}:${i + 1}: not JSON (${(err as Error).message})`);
    }
  });
  return inputs;
}

async function readInput(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The /events URL for a --url value. */
export function eventsUrl(base: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new UsageError(`--url: not a URL: '${base}'`);
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/events';
  return url.toString();
}

/** `klaxon send`: post events to a running router. */
export const sendCommand: Command = {
  summary: "post events (files, JSON lines or stdin) to a running 'klaxon serve'",
  async run(args) {
    const parsed = parseCommandFlags(args, { url: { type: 'string' } }, HELP, true);
    if (parsed === 'help') return 0;
    const { values, positionals } = parsed;
    if (positionals.length === 0) throw new UsageError('expected FILE... or - (standard input); see --help');
    const url = eventsUrl(values.url ?? 'http://127.0.0.1:8787');
    const inputs: Input[] = [];
    for (const file of positionals) {
      inputs.push(...eventsFromText(await readInput(file), file === '-' ? '(stdin)' : file));
    }
    const token = process.env.KLAXON_TOKEN;
    let refused = 0;
    for (const input of inputs) {
      let status: number;
      let response: unknown;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            ...(token === undefined || token === '' ? {} : { Authorization: `Bearer ${token}` }),
          },
          body: JSON.stringify(input.event),
        });
        status = res.status;
        const text = await res.text();
        try {
          response = JSON.parse(text);
        } catch {
          response = text;
        }
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        throw new UsageError(
          `cannot reach ${url}${cause === undefined ? '' : ` (${cause})`}: is 'klaxon serve' running?`,
        );
      }
      if (status !== 202) refused++;
      process.stdout.write(`${JSON.stringify({ source: input.source, status, response })}\n`);
    }
    if (inputs.length === 0) process.stderr.write('klaxon send: no events in the input\n');
    return refused > 0 ? 1 : 0;
  },
};
