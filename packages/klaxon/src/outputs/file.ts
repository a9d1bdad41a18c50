/**
 * `file`: appends one JSON line per notification to a local file (JSON Lines), for audit trails,
 * `jq`, log shippers and tests. The line is the whole notification in a stable shape: what was
 * decided, for which rule, with every finding (including the EventBridge event it came in).
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { Finding } from '../findings/finding.js';
import type { Notification } from '../route/notification.js';
import { DeliveryError } from './errors.js';
import type { OutputType, Payload, RenderContext, SendResult } from './output.js';
import { headline } from './render/finding-text.js';
import { renderTemplate } from './render/template.js';

/** Config of a `file` output. */
export const fileConfigSchema = z.strictObject({
  type: z.literal('file'),
  path: z
    .string({ error: 'expected a file path' })
    .min(1, { error: 'expected a file path' })
    .regex(/^[^\0]+$/, { error: 'a file path cannot contain a NUL character' })
    .describe(
      'File to append JSON lines to; relative to the working directory. Created (mode 0600) if missing.',
    ),
});

/** A parsed `file` output entry. */
export type FileConfig = z.infer<typeof fileConfigSchema>;

/** One finding in a record: everything but the product's raw object, which the event already holds. */
export type FindingRecord = Omit<Finding, 'raw' | 'event'> & {
  readonly accountAlias?: string;
  readonly event?: Finding['event'];
};

/** The JSON document written per notification (and printed by `console` in `json` format). */
export interface NotificationRecord {
  readonly id: string;
  readonly createdAt: string;
  readonly kind: Notification['kind'];
  readonly rule: string;
  readonly output: string;
  /** Why it is sent, in words: `New finding`, `Severity raised: …`, `12 findings`. */
  readonly headline: string;
  /** The rule's template for this output, rendered (plain text, unescaped). */
  readonly text?: string;
  /** The rule's input-transformer output. */
  readonly transformed?: string;
  readonly group?: Notification['group'];
  readonly previous?: Notification['previous'];
  readonly action?: Notification['action'];
  readonly findings: readonly FindingRecord[];
}

/**
 * The notification as one JSON-ready record. Pure and deterministic: key order is fixed here and
 * every value comes from the notification. `withEvents` keeps each finding's EventBridge event.
 */
export function notificationRecord(
  notification: Notification,
  ctx: RenderContext,
  options: { readonly withEvents: boolean },
): NotificationRecord {
  const aliases = ctx.accountAliases;
  return {
    id: notification.id,
    createdAt: notification.createdAt,
    kind: notification.kind,
    rule: notification.rule,
    output: notification.output,
    headline: headline(notification),
    ...(notification.template === undefined
      ? {}
      : {
          text: renderTemplate(notification.template, notification, {
            escape: (v) => v,
            accountAliases: aliases,
          }),
        }),
    ...(notification.transformed === undefined ? {} : { transformed: notification.transformed }),
    ...(notification.group === undefined ? {} : { group: notification.group }),
    ...(notification.previous === undefined ? {} : { previous: notification.previous }),
    ...(notification.action === undefined ? {} : { action: notification.action }),
    findings: notification.findings.map((finding) => {
      const { raw: _raw, event, ...rest } = finding;
      const alias = Object.hasOwn(aliases, finding.account) ? aliases[finding.account] : undefined;
      return {
        ...rest,
        ...(alias === undefined ? {} : { accountAlias: alias }),
        ...(options.withEvents ? { event } : {}),
      };
    }),
  };
}

/** Pure: the line's JSON value. */
export function renderFile(notification: Notification, _config: FileConfig, ctx: RenderContext): Payload {
  return { body: notificationRecord(notification, ctx, { withEvents: true }) };
}

// Appends to one file are chained, so two concurrent deliveries never interleave their bytes.
const queues = new Map<string, Promise<unknown>>();

/** Appends the payload as one line; fs errors become DeliveryError, retryable when time may cure them. */
export async function sendFile(payload: Payload, config: FileConfig): Promise<SendResult> {
  const path = resolve(config.path);
  // JSON.stringify never emits a raw newline, so one record is exactly one line.
  const line = `${JSON.stringify(payload.body)}\n`;
  const previous = queues.get(path) ?? Promise.resolve();
  const current = previous.catch(() => undefined).then(() => append(path, line, config.path));
  queues.set(path, current);
  try {
    await current;
  } finally {
    if (queues.get(path) === current) queues.delete(path);
  }
  return {};
}

async function append(path: string, line: string, shown: string): Promise<void> {
  try {
    await appendFile(path, line, { encoding: 'utf8', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileDeliveryError(err, shown);
    // First write to a new directory: create it, then try once more.
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await appendFile(path, line, { encoding: 'utf8', mode: 0o600 });
    } catch (again) {
      throw fileDeliveryError(again, shown);
    }
  }
}

// Errors an operator must fix (permissions, a directory in the way, a read-only mount): retrying
// on a timer cannot help, so the delivery goes straight to the dead letters, to be retried by hand.
const PERMANENT = new Set([
  'EACCES',
  'EPERM',
  'EISDIR',
  'ENOTDIR',
  'EROFS',
  'ENAMETOOLONG',
  'EINVAL',
  'ELOOP',
  'EFBIG',
]);

/**
 * The DeliveryError for a failed append: permanent for the errno values in `PERMANENT`, retryable
 * otherwise (ENOSPC and EDQUOT until space is freed, EMFILE, EAGAIN, EBUSY, EIO, and anything new).
 */
export function fileDeliveryError(error: unknown, path: string): DeliveryError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
  return new DeliveryError(`file ${path}: cannot append: ${code}`, {
    // Node's own `ERR_…` codes (an invalid path argument) are a configuration problem, never transient.
    retryable: !PERMANENT.has(code) && !code.startsWith('ERR_'),
    cause: error,
  });
}

/** The `file` output type. */
export const fileOutput: OutputType<FileConfig> = {
  type: 'file',
  schema: fileConfigSchema,
  render: renderFile,
  send: (payload, config) => sendFile(payload, config),
  // A path is not a secret.
  secrets: () => [],
};
