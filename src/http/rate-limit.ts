import type { MiddlewareHandler } from "hono";
import { jsonError } from "./errors.ts";
import { logRequest } from "./request-id.ts";
import { tenantOf } from "./tenant.ts";
import type { Env } from "../env.ts";

/**
 * The period of wrangler.jsonc's RATE_LIMITER binding (`simple.period`, 10 or 60 seconds).
 * The binding only answers success or not, so Retry-After is this: by then the window the
 * tenant exhausted has passed. The binding's settings are not visible at runtime, so
 * src/http/rate-limit.test.ts checks wrangler.jsonc's period against this.
 */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

/** The minimal slice of the Workers rate-limiting binding this uses, so tests can inject a fake. */
export interface Limiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/**
 * Whether the per-tenant limit is on: RATE_LIMIT=on and a RATE_LIMITER binding. Off by default,
 * because wrangler dev and the tests simulate the binding from wrangler.jsonc and the suites send
 * far more than a production tenant's budget; production turns it on with one secret.
 */
export function rateLimitOn(env: Pick<Env, "RATE_LIMIT" | "RATE_LIMITER">): boolean {
  return env.RATE_LIMIT?.trim().toLowerCase() === "on" && typeof env.RATE_LIMITER?.limit === "function";
}

/**
 * One budget per tenant (key `tenant:<name>`), counted after auth so the key is who the token
 * says, never what a client claims. Over budget: 429 with Retry-After. If the binding itself
 * fails the request goes through (logged): a limiter outage must not take the API down.
 */
export function rateLimitPerTenant(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    if (!rateLimitOn(c.env)) return next();
    const limiter = c.env.RATE_LIMITER as Limiter;
    const tenant = tenantOf(c);
    let allowed = true;
    try {
      allowed = (await limiter.limit({ key: `tenant:${tenant}` })).success;
    } catch (err) {
      logRequest(c, "warn", "rate limiter unavailable; request let through", { tenant, error: String(err) });
    }
    if (allowed) return next();
    logRequest(c, "info", "rate limited", { tenant });
    c.header("Retry-After", String(RATE_LIMIT_PERIOD_SECONDS));
    return jsonError(c, 429, `Rate limit exceeded for tenant ${tenant}; retry after ${RATE_LIMIT_PERIOD_SECONDS} s`);
  };
}
