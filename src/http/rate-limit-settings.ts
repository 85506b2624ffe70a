import type { Env } from "../env.ts";

/**
 * The period of wrangler.jsonc's RATE_LIMITER binding (`simple.period`, 10 or 60 seconds).
 * The binding only answers success or not, so Retry-After is this: by then the window the
 * tenant exhausted has passed. The binding's settings are not visible at runtime, so
 * src/http/rate-limit.test.ts checks wrangler.jsonc's period against this.
 * (Its own module, free of Worker-only imports, so that Node test can load it.)
 */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

/**
 * Whether the per-tenant limit is on: RATE_LIMIT=on and a RATE_LIMITER binding. Off by default,
 * because wrangler dev and the tests simulate the binding from wrangler.jsonc and the suites send
 * far more than a production tenant's budget; production turns it on with one secret.
 */
export function rateLimitOn(env: Pick<Env, "RATE_LIMIT" | "RATE_LIMITER">): boolean {
  return env.RATE_LIMIT?.trim().toLowerCase() === "on" && typeof env.RATE_LIMITER?.limit === "function";
}
