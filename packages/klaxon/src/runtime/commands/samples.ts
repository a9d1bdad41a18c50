import { UsageError } from '../../errors.js';
import { generateSamples, type SampleOptions } from '../../samples/index.js';
import type { Command } from './command.js';
import { parseCommandFlags } from './flags.js';

const HELP = `usage: klaxon samples [--source guardduty|securityhub] [--type T] [--seed N]

Prints sample EventBridge events, one JSON object per line: one "GuardDuty Finding" for every
active GuardDuty finding type (marked service.additionalInfo.sample = true, like GuardDuty's own
sample findings), then Security Hub "Findings - Imported" (ASFF) and "Findings Imported V2"
(OCSF) events. Feed them to 'klaxon route' or 'klaxon test-pattern' to see which rules fire.

  --source S   only guardduty or only securityhub (ASFF and OCSF) events
  --type T     only samples of finding type T (e.g. Recon:EC2/PortProbeUnprotectedPort, S3.8)
  --seed N     integer; the same seed prints the same events (default 1)

Exit codes: 0 printed, 2 bad usage or a --type with no sample.`;

const SOURCES = ['guardduty', 'securityhub'] as const;

function parseSeed(value: string): number {
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--seed must be an integer, got '${value}'`);
  }
  return Number(value);
}

/** `klaxon samples`: realistic sample finding events for offline rule testing. */
export const samplesCommand: Command = {
  summary: 'print sample GuardDuty and Security Hub events, one JSON line each',
  async run(args) {
    const parsed = parseCommandFlags(
      args,
      { source: { type: 'string' }, type: { type: 'string' }, seed: { type: 'string' } },
      HELP,
    );
    if (parsed === 'help') return 0;
    const { values } = parsed;
    const options: SampleOptions = {};
    if (values.source !== undefined) {
      const source = SOURCES.find((s) => s === values.source);
      if (source === undefined)
        throw new UsageError(`--source must be guardduty or securityhub, got '${values.source}'`);
      options.source = source;
    }
    if (values.type !== undefined) options.type = values.type;
    if (values.seed !== undefined) options.seed = parseSeed(values.seed);
    const events = generateSamples(options);
    if (events.length === 0) {
      throw new UsageError(
        `no sample of type '${values.type}'${values.source === undefined ? '' : ` from ${values.source}`}`,
      );
    }
    process.stdout.write(events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    return 0;
  },
};
