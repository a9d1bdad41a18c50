/**
 * Test support for the send tests of every output: a failed send must reject with a
 * DeliveryError, and no secret may reach the operator through its message, stack or causes.
 */
import { expect } from 'vitest';
import { DeliveryError } from '../errors.js';

/**
 * Runs `fn`, which must reject with a DeliveryError, and checks that none of `secrets` appears in
 * the error's message or stack nor in those of its chain of causes; resolves with the error.
 */
export async function deliveryFailure(
  fn: () => Promise<unknown>,
  secrets: readonly string[],
): Promise<DeliveryError> {
  const error = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  const d = error as DeliveryError;
  let text = `${d.message}\n${d.stack}`;
  for (let c: unknown = d.cause; c instanceof Error; c = c.cause) text += `\n${c.message}\n${c.stack}`;
  for (const secret of secrets) expect(text).not.toContain(secret);
  return d;
}
