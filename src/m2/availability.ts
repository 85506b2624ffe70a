/**
 * Whether M2 can serve, as one state machine with one retry policy. Loading M2
 * means reading a 67 MB model and creating an ORT session: seconds, so it happens
 * on first use, once, and its outcome is remembered (what /health reports):
 *
 *   idle ──first get()──▶ loading ──▶ ready
 *                               ├──▶ absent   no model to load
 *                               ├──▶ failed   a model that could not be read or run
 *                               └──▶ refused  heads bound to another encoder
 *
 * absent and failed are believed for `retryAfterMs`, then the next get() loads
 * again: a model uploaded later is picked up without a deploy, and a missing one
 * is not re-read for every ticket. refused is final for the isolate: the bundled
 * heads cannot change without a deploy, which starts new isolates.
 *
 * A ready value that throws in use() makes that call return null (the caller falls
 * back) and status() say failed with the reason until a later use() succeeds; the
 * value is kept, since one ticket that cannot be scored says nothing of the next.
 */

export type AvailabilityStatus =
  | { state: "idle" }
  | { state: "loading" }
  | { state: "ready"; source: string; loadMs: number }
  /** No model to load: callers fall back. */
  | { state: "absent"; reason: string; at: number }
  /** A model was there but could not be read or run. */
  | { state: "failed"; reason: string; at: number }
  /** The model loaded but what it would serve with belongs to another one. */
  | { state: "refused"; reason: string; at: number };

/** What one load attempt found. */
export type LoadOutcome<T> =
  | { state: "ready"; value: T; source: string }
  | { state: "absent" | "failed" | "refused"; reason: string };

export interface Availability<T> {
  /** The loaded value, or null while there is none; never rejects. Concurrent calls share one load. */
  get(): Promise<T | null>;
  /**
   * fn on the loaded value; null when there is none or fn throws (then `describe`
   * of the error is the failed reason status() gives until fn next succeeds).
   */
  use<R>(fn: (value: T) => Promise<R>, describe: (error: unknown) => string): Promise<R | null>;
  status(): AvailabilityStatus;
}

export interface AvailabilityOptions {
  /** How long absent or failed is believed before the next load. Default 5 minutes. */
  retryAfterMs?: number;
  now?: () => number;
}

export const DEFAULT_RETRY_AFTER_MS = 5 * 60_000;

export function createAvailability<T>(load: () => Promise<LoadOutcome<T>>, options: AvailabilityOptions = {}): Availability<T> {
  const { retryAfterMs = DEFAULT_RETRY_AFTER_MS, now = Date.now } = options;
  let status: AvailabilityStatus = { state: "idle" };
  let value: { loaded: T; ready: AvailabilityStatus } | null = null;
  let pending: Promise<T | null> | null = null;

  async function attempt(): Promise<T | null> {
    const started = now();
    let outcome: LoadOutcome<T>;
    try {
      outcome = await load();
    } catch (error) {
      outcome = { state: "failed", reason: messageOf(error) };
    }
    if (outcome.state !== "ready") {
      status = { state: outcome.state, reason: outcome.reason, at: now() };
      return null;
    }
    status = { state: "ready", source: outcome.source, loadMs: now() - started };
    value = { loaded: outcome.value, ready: status };
    return outcome.value;
  }

  function get(): Promise<T | null> {
    if (value) return Promise.resolve(value.loaded);
    if (pending) return pending;
    if (status.state === "refused") return Promise.resolve(null);
    if ((status.state === "absent" || status.state === "failed") && now() - status.at < retryAfterMs) {
      return Promise.resolve(null);
    }
    status = { state: "loading" };
    pending = attempt().finally(() => {
      pending = null;
    });
    return pending;
  }

  return {
    get,
    async use(fn, describe) {
      const loaded = await get();
      if (loaded === null || !value) return null;
      try {
        const result = await fn(loaded);
        status = value.ready;
        return result;
      } catch (error) {
        status = { state: "failed", reason: describe(error), at: now() };
        return null;
      }
    },
    status: () => status,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
