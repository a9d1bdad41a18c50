/** The retry timing knobs, in milliseconds (from `settings.delivery`). */
export interface BackoffSettings {
  readonly initialBackoff: number;
  readonly maxBackoff: number;
}

/**
 * Exponential backoff with "full jitter": a uniform draw in [0, min(max, initial·2^(attempt-1))].
 * Full jitter spreads the retries of a burst that failed together, so they do not come back
 * together (the thundering herd a fixed backoff creates against a recovering channel).
 * `attempt` is the number of the attempt that just failed, from 1.
 */
export function backoffDelay(attempt: number, settings: BackoffSettings, random: () => number): number {
  const ceiling = Math.min(settings.maxBackoff, settings.initialBackoff * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * When to try again: the jittered backoff, but never sooner than the far side's `Retry-After`.
 * Retry-After is honoured even past `maxBackoff` (the channel knows its own limits) up to a day,
 * so that a hostile or broken header cannot park a delivery forever.
 */
export function retryDelay(
  attempt: number,
  settings: BackoffSettings,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  const jittered = backoffDelay(attempt, settings, random);
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, 86_400_000));
}
