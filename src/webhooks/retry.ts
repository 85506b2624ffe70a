/**
 * When to try a webhook again and how long to wait. Chat webhooks fail in bursts
 * (deploys, rate limits), so waits grow and are jittered to avoid retrying in lockstep.
 */

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 8_000;
/** A queue consumer must not park for minutes on one alert; later tickets wait behind it. */
export const RETRY_AFTER_CAP_MS = 10_000;

/** 429 and 5xx are the receiver saying "not now"; other 4xx will fail the same way again. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/**
 * "Equal jitter": half the exponential step fixed, half random, so each wait is in
 * [step/2, step) and strictly longer than the previous one until the cap.
 * `retry` counts from 1 (the wait before the second attempt).
 */
export function backoffDelay(retry: number, random: () => number = Math.random): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, retry - 1));
  return Math.floor(step / 2 + (step / 2) * random());
}

/** Retry-After as milliseconds (delta-seconds or HTTP-date), capped; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  const text = value?.trim() ?? "";
  if (text === "") return null;
  let ms: number;
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return null;
    ms = at - nowMs;
  }
  return Math.min(RETRY_AFTER_CAP_MS, Math.max(0, Math.ceil(ms)));
}

/** The wait before the next attempt: the server's ask when it gave one, never less than our backoff. */
export function nextDelay(retry: number, retryAfterMs: number | null, random?: () => number): number {
  return Math.max(backoffDelay(retry, random), retryAfterMs ?? 0);
}
