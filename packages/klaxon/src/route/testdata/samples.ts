/** Real sample events from ../shared/samples for routing tests, plus a receipt builder. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ArchivedEvent } from '../../store/ports.js';

const SAMPLES = fileURLToPath(new URL('../../../../../../shared/samples/', import.meta.url));

/** A sample event, parsed (a fresh copy each call, so tests may edit it). */
export function sample(path: string): Record<string, unknown> & { id: string; detail: Record<string, unknown> } {
  return JSON.parse(readFileSync(`${SAMPLES}${path}`, 'utf8'));
}

let receipts = 0;

/** An accepted-event receipt for `router.route`. */
export function receipt(event: { id?: unknown }, at = '2026-01-01T00:00:00.000Z'): ArchivedEvent {
  receipts++;
  return {
    id: `receipt-${receipts}`,
    ...(typeof event.id === 'string' ? { eventId: event.id } : {}),
    receivedAt: at,
    via: 'http',
    status: 'accepted',
    body: JSON.stringify(event),
  };
}

/** A GuardDuty sample with its finding id, severity and count replaced (a re-publication of a finding). */
export function guardDuty(options: { id?: string; eventId?: string; severity?: number; count?: number; account?: string }) {
  const event = sample('guardduty/Recon_EC2-PortProbeUnprotectedPort.json');
  const detail = event.detail as Record<string, unknown> & { service: Record<string, unknown> };
  if (options.id !== undefined) {
    detail.id = options.id;
    detail.arn = String(detail.arn).replace(/finding\/.*$/, `finding/${options.id}`);
  }
  if (options.severity !== undefined) detail.severity = options.severity;
  if (options.count !== undefined) detail.service.count = options.count;
  if (options.account !== undefined) {
    event.account = options.account;
    detail.accountId = options.account;
    detail.arn = String(detail.arn).replace(/:\d{12}:/, `:${options.account}:`);
  }
  if (options.eventId !== undefined) event.id = options.eventId;
  return event;
}
