import type { Delivery } from '../store/ports.js';
import type { Notification } from './notification.js';

/** The pending outbox row for a notification: its id is the notification's idempotency key. */
export function pendingDelivery(notification: Notification, findingKey: string, now: Date): Delivery {
  const at = now.toISOString();
  return {
    id: notification.id,
    output: notification.output,
    rule: notification.rule,
    findingKey,
    notification,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: at,
    createdAt: at,
    updatedAt: at,
  };
}
