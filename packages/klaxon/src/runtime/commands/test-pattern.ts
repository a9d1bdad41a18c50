import { UsageError } from '../../errors.js';
import {
  compilePattern,
  EventTextError,
  matchesPattern,
  PatternError,
  type PatternOptions,
} from '../../patterns/index.js';
import type { Command } from './command.js';
import { parseCommandFlags } from './flags.js';
import { readArg } from './read-arg.js';

const HELP = `usage: klaxon test-pattern --event-pattern JSON|@F --event JSON|@F [--max-length N]
       klaxon test-pattern --cases F [--max-length N]

Tests an EventBridge event pattern against one event, like 'aws events test-event-pattern', and
prints {"Result":true} or {"Result":false}. @F reads a file, @- standard input. The pattern text is
used as given (duplicate keys: the last wins). An invalid pattern prints EventBridge's message on
stderr and exits 2. --max-length sets the pattern size limit (default 2048, at most 4096).

--cases F reads a JSON array of cases in the format of the shared conformance files
({name, pattern | patternText, event | eventText, ...}) and prints one JSON line per case:
{"name":…,"result":"match"|"no-match"|"invalid","error":…} ("error" only for "invalid").`;

/** `klaxon test-pattern`: EventBridge's TestEventPattern on the command line. */
export const testPatternCommand: Command = {
  summary: 'test an EventBridge event pattern against an event',
  async run(args) {
    const parsed = parseCommandFlags(
      args,
      {
        'event-pattern': { type: 'string' },
        event: { type: 'string' },
        cases: { type: 'string' },
        'max-length': { type: 'string' },
      },
      HELP,
    );
    if (parsed === 'help') return 0;
    const { values } = parsed;
    const options = maxLengthOption(values['max-length']);
    if (values.cases !== undefined) {
      if (values['event-pattern'] !== undefined || values.event !== undefined) {
        throw new UsageError('--cases cannot be combined with --event-pattern or --event');
      }
      for (const line of runPatternCases(readArg(`@${values.cases}`, '--cases'), values.cases, options)) {
        process.stdout.write(`${line}\n`);
      }
      return 0;
    }
    if (values['event-pattern'] === undefined || values.event === undefined) {
      throw new UsageError('--event-pattern and --event are required (or --cases F); see --help');
    }
    const pattern = compilePattern(readArg(values['event-pattern'], '--event-pattern'), options);
    const eventText = readArg(values.event, '--event');
    let result: boolean;
    try {
      result = matchesPattern(pattern, eventText);
    } catch (err) {
      if (err instanceof EventTextError) throw new UsageError(`--event: ${err.message}`);
      throw err;
    }
    process.stdout.write(`${JSON.stringify({ Result: result })}\n`);
    return 0;
  },
};

/** One output line per case of a conformance-format file (its text given), in file order. */
export function runPatternCases(text: string, file: string, options: PatternOptions = {}): string[] {
  let cases: unknown;
  try {
    cases = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--cases ${file}: not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(cases)) throw new UsageError(`--cases ${file}: expected a JSON array of cases`);
  return cases.map((c: unknown, i) => {
    const where = `--cases ${file}: case [${i}]`;
    if (typeof c !== 'object' || c === null || typeof (c as { name?: unknown }).name !== 'string') {
      throw new UsageError(`${where} has no "name"`);
    }
    const tc = c as {
      name: string;
      pattern?: unknown;
      patternText?: unknown;
      event?: unknown;
      eventText?: unknown;
    };
    const pattern = tc.patternText ?? tc.pattern;
    const event = tc.eventText ?? tc.event;
    if (pattern === undefined)
      throw new UsageError(`${where} ${JSON.stringify(tc.name)} has no "pattern" or "patternText"`);
    if (event === undefined)
      throw new UsageError(`${where} ${JSON.stringify(tc.name)} has no "event" or "eventText"`);
    let compiled: ReturnType<typeof compilePattern>;
    try {
      compiled = compilePattern(pattern, options);
    } catch (err) {
      if (!(err instanceof PatternError)) throw err;
      return JSON.stringify({ name: tc.name, result: 'invalid', error: err.message });
    }
    try {
      return JSON.stringify({
        name: tc.name,
        result: matchesPattern(compiled, event) ? 'match' : 'no-match',
      });
    } catch (err) {
      if (err instanceof EventTextError)
        throw new UsageError(`${where} ${JSON.stringify(tc.name)}: ${err.message}`);
      throw err;
    }
  });
}

function maxLengthOption(value: string | undefined): PatternOptions {
  if (value === undefined) return {};
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > 4096) {
    throw new UsageError(`--max-length: expected an integer from 1 to 4096, got ${JSON.stringify(value)}`);
  }
  return { maxLength: n };
}
