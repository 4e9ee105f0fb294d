/**
 * Retry delays. A failed attempt waits before the next one so that a flaky
 * dependency gets time to recover and retries of many tasks do not arrive at once.
 */

import { describe } from "./describe.ts";

export interface BackoffOptions {
  /** "fixed" waits `delayMs` each time; "exponential" doubles it per attempt. Default "exponential". */
  type?: "fixed" | "exponential";
  /** The first delay in ms. Default 1000. */
  delayMs?: number;
  /** The longest delay in ms. Default 3,600,000 (one hour). */
  maxDelayMs?: number;
  /**
   * Spread delays randomly between half and all of the computed delay. Default true
   * for "exponential" and false for "fixed".
   */
  jitter?: boolean;
}

export type Backoff = Required<BackoffOptions>;

export const DEFAULT_BACKOFF: Readonly<Backoff> = Object.freeze({
  type: "exponential",
  delayMs: 1_000,
  maxDelayMs: 3_600_000,
  jitter: true,
});

/** Checks the `backoff` option of `delay()` and fills in the defaults. */
export function validateBackoff(options: unknown, taskName: string): Backoff {
  if (options === undefined) {
    return { ...DEFAULT_BACKOFF };
  }
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`delay: backoff of task "${taskName}" must be an object such as { type: "fixed", delayMs: 500 }, got ${describe(options)}`);
  }

  const { type = "exponential", delayMs = DEFAULT_BACKOFF.delayMs, maxDelayMs = DEFAULT_BACKOFF.maxDelayMs } = options as BackoffOptions;
  if (type !== "fixed" && type !== "exponential") {
    throw new TypeError(`delay: backoff.type of task "${taskName}" must be "fixed" or "exponential", got ${describe(type)}`);
  }
  for (const [key, value] of [["delayMs", delayMs], ["maxDelayMs", maxDelayMs]] as const) {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`delay: backoff.${key} of task "${taskName}" must be a number of ms >= 0, got ${describe(value)}`);
    }
  }
  const jitter = (options as BackoffOptions).jitter ?? type === "exponential";
  if (typeof jitter !== "boolean") {
    throw new TypeError(`delay: backoff.jitter of task "${taskName}" must be true or false, got ${describe(jitter)}`);
  }
  return { type, delayMs, maxDelayMs: Math.max(maxDelayMs, delayMs), jitter };
}

/** Returns the wait in ms before the attempt after `failedAttempt` (1-based). */
export function retryDelayMs(backoff: Backoff, failedAttempt: number, random: () => number = Math.random): number {
  const base = backoff.type === "fixed"
    ? backoff.delayMs
    : Math.min(backoff.maxDelayMs, backoff.delayMs * 2 ** Math.max(0, failedAttempt - 1));
  const capped = Math.min(base, backoff.maxDelayMs);
  return Math.round(backoff.jitter ? capped / 2 + random() * (capped / 2) : capped);
}
