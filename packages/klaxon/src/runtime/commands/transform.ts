import { UsageError } from '../../errors.js';
import { defaultContext, runTransformCase, type TransformCase } from '../../transform/conformance-cases.js';
import {
  applyInputPath,
  compileInputTransformer,
  type InputTransformer,
  validateTargetInput,
} from '../../transform/index.js';
import type { Command } from './command.js';
import { parseCommandFlags } from './flags.js';
import { readArg } from './read-arg.js';

const HELP = `usage: klaxon transform --input-paths-map JSON|@F --input-template S|@F --event JSON|@F
                        [--rule-name N] [--rule-arn A] [--ingestion-time T]
       klaxon transform --input-path P --event JSON|@F
       klaxon transform --cases F

Applies an EventBridge input transformer (or InputPath) to one event and prints the exact body
EventBridge would deliver, followed by a newline. @F reads a file, @- reads standard input.
Defaults: rule name "klaxon-rule", rule ARN built from the event's region and account, ingestion
time = the event's "time".
Exit codes: 0 delivered, 1 EventBridge would silently not deliver (reason on stderr),
2 EventBridge would refuse the target, or bad usage.

--cases F reads a file in the format of input-transformer.aws.json and prints one JSON line per
case: {"name":…,"output":…}, or {"name":…,"error":"rejected: …"} when EventBridge refuses the
target (PutTargets ValidationException), or {"name":…,"error":"not delivered: …"} when it accepts
the target but silently drops the event.`;

/** `klaxon transform`: EventBridge's input transformer on the command line. */
export const transformCommand: Command = {
  summary: 'apply an EventBridge input transformer to an event; print the exact output',
  async run(args) {
    const parsed = parseCommandFlags(
      args,
      {
        'input-paths-map': { type: 'string' },
        'input-template': { type: 'string' },
        'input-path': { type: 'string' },
        event: { type: 'string' },
        'rule-name': { type: 'string' },
        'rule-arn': { type: 'string' },
        'ingestion-time': { type: 'string' },
        cases: { type: 'string' },
      },
      HELP,
    );
    if (parsed === 'help') return 0;
    const { values } = parsed;
    if (values.cases !== undefined) {
      const others = Object.keys(values).filter((k) => k !== 'cases');
      if (others.length > 0) throw new UsageError(`--cases cannot be combined with --${others.join(', --')}`);
      for (const line of runCasesFile(values.cases)) process.stdout.write(`${line}\n`);
      return 0;
    }
    if (values.event === undefined) throw new UsageError('--event is required (or --cases F); see --help');
    const event = parseJson(readArg(values.event, '--event'), '--event');
    if (values['input-template'] === undefined) {
      if (values['input-paths-map'] !== undefined)
        throw new UsageError('--input-paths-map needs --input-template');
      if (values['input-path'] === undefined)
        throw new UsageError('--input-template or --input-path is required');
      validateTargetInput({ inputPath: values['input-path'] });
      process.stdout.write(`${applyInputPath(event, values['input-path'])}\n`);
      return 0;
    }
    const inputTemplate = readArg(values['input-template'], '--input-template');
    const transformer: InputTransformer =
      values['input-paths-map'] === undefined
        ? { inputTemplate }
        : {
            inputPathsMap: parseJson(
              readArg(values['input-paths-map'], '--input-paths-map'),
              '--input-paths-map',
            ) as Record<string, string>,
            inputTemplate,
          };
    validateTargetInput({ inputPath: values['input-path'] ?? null, inputTransformer: transformer });
    const given = {
      ...(values['rule-name'] === undefined ? {} : { ruleName: values['rule-name'] }),
      ...(values['rule-arn'] === undefined ? {} : { ruleArn: values['rule-arn'] }),
      ...(values['ingestion-time'] === undefined ? {} : { ingestionTime: values['ingestion-time'] }),
    };
    const result = compileInputTransformer(transformer).apply(event, defaultContext(event, given));
    if (!result.delivered) {
      process.stderr.write(`klaxon transform: not delivered: ${result.reason}\n`);
      return 1;
    }
    process.stdout.write(`${result.body}\n`);
    return 0;
  },
};

/** One output line per case of a conformance-format file. */
export function runCasesFile(path: string): string[] {
  const cases = parseJson(readArg(`@${path}`, '--cases'), '--cases');
  if (!Array.isArray(cases)) throw new UsageError(`--cases ${path}: expected a JSON array of cases`);
  return cases.map((c: unknown, i) => {
    if (typeof c !== 'object' || c === null || typeof (c as { name?: unknown }).name !== 'string') {
      throw new UsageError(`--cases ${path}: case [${i}] has no "name"`);
    }
    const tc = c as TransformCase;
    let outcome: ReturnType<typeof runTransformCase>;
    try {
      outcome = runTransformCase(tc);
    } catch (err) {
      throw new UsageError(
        `--cases ${path}: case [${i}] ${JSON.stringify(tc.name)}: ${(err as Error).message}`,
      );
    }
    if (outcome.outcome === 'delivered') return JSON.stringify({ name: tc.name, output: outcome.output });
    const error =
      outcome.outcome === 'rejected' ? `rejected: ${outcome.error}` : `not delivered: ${outcome.reason}`;
    return JSON.stringify({ name: tc.name, error });
  });
}

function parseJson(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag}: not valid JSON: ${(err as Error).message}`);
  }
}
