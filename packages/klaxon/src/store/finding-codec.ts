import type { Finding } from '../findings/finding.js';
import type { Notification } from '../route/notification.js';

/*
 * A GuardDuty finding's `raw` IS its event's `detail` (the same object), so plain JSON would
 * store the product's finding twice in every notification and group row (and the event body is
 * archived a third time). Stored findings leave `event.detail` out (null, so the event's keys keep
 * their order) and say so with a marker the parsers never produce; reading puts `raw` back. Rows
 * written before this encoding carry no marker and are read unchanged.
 */

/** Set on a stored finding whose `event.detail` was left out because it is `raw`. */
const DETAIL_IS_RAW = 'eventDetailIsRaw';

type StoredFinding = Finding & { readonly [DETAIL_IS_RAW]?: true };

/** The finding as it is stored: without the second copy of `raw` when `event.detail` is it. */
export function storedFinding(finding: Finding): Finding {
  if (typeof finding !== 'object' || finding === null) return finding;
  const event = finding.event;
  if (typeof event !== 'object' || event === null || event.detail !== finding.raw || finding.raw == null) {
    return finding;
  }
  return { ...finding, event: { ...event, detail: null }, [DETAIL_IS_RAW]: true } as StoredFinding;
}

/** A finding read back from a stored (JSON-parsed) one; mutates and returns the parsed value. */
export function loadedFinding(stored: unknown): Finding {
  const finding = stored as { -readonly [K in keyof StoredFinding]: StoredFinding[K] };
  if (finding !== null && typeof finding === 'object' && finding[DETAIL_IS_RAW] === true) {
    delete finding[DETAIL_IS_RAW];
    (finding.event as { detail?: unknown }).detail = finding.raw;
  }
  return finding;
}

/** The notification as it is stored (see storedFinding). */
export function storedNotification(notification: Notification): Notification {
  const findings = notification.findings;
  if (!Array.isArray(findings)) return notification;
  return { ...notification, findings: findings.map(storedFinding) };
}

/** A notification read back from a stored (JSON-parsed) one; mutates and returns the parsed value. */
export function loadedNotification(stored: unknown): Notification {
  const notification = stored as Notification;
  if (notification !== null && typeof notification === 'object' && Array.isArray(notification.findings)) {
    for (const finding of notification.findings) loadedFinding(finding);
  }
  return notification;
}
