import { z } from 'zod';
import { outputTypes } from '../outputs/index.js';
import { DURATION_HINT, DURATION_PATTERN, parseDuration } from './duration.js';

/**
 * The zod schemas of a Klaxon configuration file. They check shape only (types, unknown keys,
 * formats, defaults); cross-references and the EventBridge checks (patterns, transformers) are in
 * validate.ts, because they need the whole document. Every object is strict: a typo is an error,
 * never a silently ignored key.
 */

const DURATION_RE = new RegExp(DURATION_PATTERN);
/** Matches text holding a `${…}` secret reference, which is checked again once resolved. */
const REFERENCE = '\\$\\{';

/** A duration in config text (`30s`), parsed to milliseconds. */
function duration(description: string) {
  return z
    .string({
      error: (issue) =>
        typeof issue.input === 'number'
          ? `a duration needs a unit: write ${issue.input}s, ${issue.input}m or ${issue.input}h, not a bare number`
          : DURATION_HINT,
    })
    .regex(DURATION_RE, { error: DURATION_HINT, abort: true })
    .transform((text) => parseDuration(text))
    .describe(description);
}

/** A duration that must be longer than zero. */
function positiveDuration(description: string) {
  return duration(description).refine((ms) => ms > 0, { error: 'must be longer than 0' });
}

const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** True when every field of an ISO time stamp is in range (`Date.parse` silently rolls Feb 30 over). */
function isRealTime(text: string): boolean {
  const m = TIMESTAMP_RE.exec(text);
  if (m === null) return false;
  const [year, month, day, hour, minute, second = 0, offH = 0, offM = 0] = m
    .slice(1)
    .map((v) => Number(v ?? 0));
  const daysInMonth = new Date(Date.UTC(year as number, month as number, 0)).getUTCDate();
  return (
    (month as number) >= 1 &&
    (month as number) <= 12 &&
    (day as number) >= 1 &&
    (day as number) <= daysInMonth &&
    (hour as number) < 24 &&
    (minute as number) < 60 &&
    second < 60 &&
    offH < 24 &&
    offM < 60
  );
}

/** ISO-8601 date and time with a zone (`2026-12-31T00:00:00Z`), normalized to UTC `toISOString()`. */
const timestamp = z
  .string({ error: 'expected an ISO-8601 time stamp such as 2026-12-31T00:00:00Z' })
  .regex(TIMESTAMP_RE, {
    error: 'expected an ISO-8601 time stamp with a zone, such as 2026-12-31T00:00:00Z',
    abort: true,
  })
  .refine(isRealTime, { error: 'not a real date and time' })
  .transform((text) => new Date(text).toISOString());

/** An EventBridge event pattern (checked by the pattern engine in validate.ts). */
const eventPattern = z
  .record(z.string(), z.unknown(), { error: 'expected an event pattern (a mapping)' })
  .describe('An EventBridge event pattern, e.g. { source: [aws.guardduty] }.');

/** Names of rules follow EventBridge's rule-name rules, so the CDK construct can deploy them as is. */
export const RULE_NAME_RE = /^[.\-_A-Za-z0-9]{1,64}$/;
/** Output names appear in paths, URLs and metrics labels; kept to a safe, short charset. */
export const OUTPUT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Labels a rule may group findings by. */
export const GROUP_LABELS = [
  'account',
  'region',
  'type',
  'severity',
  'source',
  'product',
  'resource',
  'rule',
  'partition',
] as const;

/**
 * A `group.by` entry: a finding label, `...` (every finding label, as Alertmanager's `group_by:
 * ['...']`), or a dotted path into the event such as `detail.resource.resourceType`. Paths never
 * step through `__proto__`, `constructor` or `prototype`.
 */
const GROUP_BY_RE = new RegExp(
  `^(?:${GROUP_LABELS.join('|')}|\\.\\.\\.|(?!(?:.*\\.)?(?:__proto__|constructor|prototype)(?:\\.|$))[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)+)$`,
);
/** Changes that may re-announce an already announced finding. */
export const RENOTIFY_ON = ['severity-increase', 'count-increase', 'resolved'] as const;
/** Security Hub workflow statuses (BatchUpdateFindings `Workflow.Status`). */
export const WORKFLOW_STATUSES = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'] as const;

const rateLimitSchema = z
  .strictObject({
    perSecond: z
      .number()
      .positive({ error: 'must be a number greater than 0' })
      .describe('Sustained sends per second.'),
    burst: z
      .int({ error: 'expected a whole number' })
      .min(1, { error: 'must be at least 1' })
      .default(1)
      .describe('Sends allowed at once before the rate applies. Default 1.'),
  })
  .describe(
    'Token-bucket limit on sends to this output. Default: slack 1/s, teams 4/s, other types unlimited.',
  );

/**
 * One entry schema per registered output type, each widened by the common `rateLimit`. Built from
 * the registry so that registering an output type is all it takes to make it configurable.
 */
function outputEntrySchema() {
  const entries = outputTypes.map((output) => {
    const schema: unknown = output.schema;
    if (!(schema instanceof z.ZodObject)) {
      throw new Error(`output type '${output.type}' must export a z.strictObject schema`);
    }
    return schema.extend({ rateLimit: rateLimitSchema.optional() });
  });
  if (entries.length === 0) return z.never();
  return z.discriminatedUnion('type', entries as unknown as [z.ZodObject, ...z.ZodObject[]]);
}

const dryRun = z
  .boolean()
  .default(true)
  .describe('Plan and record without calling AWS. Default true: an action must be switched on explicitly.');

/** Automated responses a rule may plan (run by the actions engine). */
export const actionSchema = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('securityhub-workflow'),
      status: z.enum(WORKFLOW_STATUSES, { error: `expected one of: ${WORKFLOW_STATUSES.join(', ')}` }),
      note: z
        .string()
        .min(1)
        .max(512, { error: 'at most 512 characters (BatchUpdateFindings Note.Text)' })
        .optional(),
      dryRun,
    })
    .describe('Set the Security Hub workflow status of the finding (BatchUpdateFindings).'),
  z
    .strictObject({
      type: z.literal('ec2-isolate'),
      securityGroup: z
        .string()
        .regex(new RegExp(`^(?:sg-[0-9a-f]{8}(?:[0-9a-f]{9})?|.*${REFERENCE}.*)$`, 's'), {
          error: 'expected a security group id such as sg-0123456789abcdef0',
        })
        .describe('The forensic security group the instance is moved into.'),
      dryRun,
    })
    .describe('Move the EC2 instance of the finding into a forensic security group.'),
  z
    .strictObject({ type: z.literal('iam-deactivate-key'), dryRun })
    .describe('Deactivate the IAM access key of the finding.'),
]);

const transformSchema = z
  .strictObject({
    inputPathsMap: z
      .record(z.string(), z.string({ error: 'expected a JSON path string such as $.detail.id' }))
      .optional()
      .describe('EventBridge InputPathsMap: variable name → JSON path into the event.'),
    inputTemplate: z.string().optional().describe('EventBridge InputTemplate using <variable> placeholders.'),
    inputPath: z.string().optional().describe('EventBridge InputPath: send only this part of the event.'),
  })
  .describe('An EventBridge input transformer (inputPathsMap + inputTemplate) or an InputPath.');

const ruleSchema = z.strictObject({
  name: z
    .string()
    .regex(RULE_NAME_RE, {
      error: 'expected 1–64 characters from A–Z a–z 0–9 . - _ (EventBridge rule names)',
    })
    .describe('Unique rule name (EventBridge rule-name charset).'),
  description: z.string().max(512, { error: 'at most 512 characters' }).optional(),
  enabled: z.boolean().default(true).describe('A disabled rule is kept but never matches. Default true.'),
  pattern: eventPattern,
  notify: z
    .array(z.string({ error: 'expected an output name' }))
    .default([])
    .describe('Outputs to notify; may be empty only when the rule has actions.'),
  renotify: z
    .strictObject({
      on: z
        .array(z.enum(RENOTIFY_ON, { error: `expected one of: ${RENOTIFY_ON.join(', ')}` }))
        .default([])
        .describe('Changes that re-announce a finding.'),
      every: positiveDuration(
        'Repeat an announcement while the finding keeps arriving, this often.',
      ).optional(),
      cooldown: duration('Least time between two count-increase announcements. Default 1h.').prefault('1h'),
    })
    .optional()
    .describe('When to announce an already announced finding again. Default: never (new findings only).'),
  group: z
    .strictObject({
      by: z
        .array(
          z.string().regex(GROUP_BY_RE, {
            error: `expected one of: ${GROUP_LABELS.join(', ')}, ..., or a dotted event path such as detail.resource.resourceType`,
          }),
        )
        .default([])
        .describe('Labels whose values form a group; empty: one group per rule.'),
      wait: duration('How long to collect a new group before its first digest. Default 30s.').prefault('30s'),
      interval: positiveDuration('Least time between two digests of a group. Default 5m.').prefault('5m'),
    })
    .optional()
    .describe(
      "Send digests instead of one message per finding (Alertmanager's group_by/group_wait/group_interval).",
    ),
  transform: transformSchema.optional(),
  templates: z
    .record(z.string(), z.string())
    .optional()
    .describe('Per-output message template (output name → text with {{finding.title}}-style fields).'),
  actions: z
    .array(actionSchema)
    .default([])
    .describe('Automated responses, planned for each matching finding.'),
});

const silenceSchema = z.strictObject({
  pattern: eventPattern,
  until: timestamp.describe('End of the silence (ISO-8601 with zone).'),
  reason: z.string().min(1, { error: 'must not be empty' }).describe('Why findings are silenced.'),
  from: timestamp.optional().describe('Start of the silence (ISO-8601 with zone). Default: immediately.'),
  author: z.string().optional().describe('Who created the silence.'),
});

const settingsSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1').describe('Address to listen on. Default 127.0.0.1.'),
      port: z
        .int({ error: 'expected a whole number' })
        .min(0, { error: 'expected a port number 0–65535' })
        .max(65535, { error: 'expected a port number 0–65535' })
        .default(8787)
        .describe('TCP port. Default 8787.'),
      token: z
        .string()
        // A reference is shorter than the token it stands for; the resolved value is checked again.
        .regex(new RegExp(`^(?:.{16,}|.*${REFERENCE}.*)$`, 's'), { error: 'must be at least 16 characters' })
        .optional()
        .describe('Bearer token required by the HTTP API; mandatory when host is not loopback.'),
    })
    .prefault({}),
  db: z
    .string()
    .min(1)
    .default('.klaxon/klaxon.db')
    .describe('SQLite database file. Default .klaxon/klaxon.db.'),
  delivery: z
    .strictObject({
      concurrency: z.int().min(1).max(1024).default(8).describe('Sends in flight at once. Default 8.'),
      backlog: z
        .int()
        .min(1)
        .max(1_000_000)
        .default(64)
        .describe(
          'Deliveries waiting for their first attempt (rate-limit waits aside) above which ingest holds new events back (at most 1 s each). Default 64.',
        ),
      maxAttempts: z
        .int()
        .min(1)
        .max(1000)
        .default(10)
        .describe('Attempts before a dead letter. Default 10.'),
      initialBackoff: positiveDuration('Wait after the first failure. Default 1s.').prefault('1s'),
      maxBackoff: positiveDuration('Longest wait between attempts. Default 5m.').prefault('5m'),
      leaseTime: positiveDuration(
        'How long a worker holds a delivery before another may take it. Default 60s.',
      ).prefault('60s'),
    })
    .prefault({}),
  retention: z
    .strictObject({
      events: positiveDuration('Raw event archive. Default 30d.').prefault('30d'),
      deliveries: positiveDuration('Sent deliveries (dead letters are kept). Default 30d.').prefault('30d'),
      audit: positiveDuration('Audit records. Default 365d.').prefault('365d'),
      findingStates: positiveDuration('Dedup memory per finding and rule. Default 90d.').prefault('90d'),
    })
    .prefault({}),
  patterns: z
    .strictObject({
      maxLength: z
        .int()
        .min(1)
        .max(4096, { error: 'at most 4096 (EventBridge quota ceiling)' })
        .default(2048)
        .describe('Longest event pattern, in characters of its JSON. Default 2048.'),
    })
    .prefault({}),
});

/** Builds the whole-file schema from the current output registry. */
export function buildConfigSchema() {
  return z
    .strictObject({
      $schema: z.string().optional().describe('JSON Schema reference for editors; ignored.'),
      accounts: z
        .record(
          z.string().regex(/^\d{12}$/, {
            error: 'account ids are 12 digits (quote them in YAML: a leading 0 is lost otherwise)',
          }),
          z.string().min(1),
        )
        .default({})
        .describe('AWS account id → alias shown in messages.'),
      outputs: z
        .record(
          z.string().regex(OUTPUT_NAME_RE, {
            error: 'output names are 1–64 characters from A–Z a–z 0–9 . - _, starting with a letter or digit',
          }),
          outputEntrySchema(),
        )
        .default({})
        .describe('Named destinations; each entry has a `type` and that type’s fields.'),
      rules: z.array(ruleSchema).default([]).describe('Routing rules, evaluated together on every event.'),
      silences: z
        .array(silenceSchema)
        .default([])
        .describe('Findings matching a silence are recorded, not announced.'),
      settings: settingsSchema.prefault({}).describe('Runtime settings; every field has a default.'),
    })
    .describe('Klaxon configuration');
}
