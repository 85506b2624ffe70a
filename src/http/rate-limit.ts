import type { MiddlewareHandler } from "hono";
import { jsonError } from "./errors.ts";
import { logRequest } from "./request-id.ts";
import { tenantOf } from "./tenant.ts";
import type { Env } from "../env.ts";
import { RATE_LIMIT_PERIOD_SECONDS, rateLimitOn } from "./rate-limit-settings.ts";

export { RATE_LIMIT_PERIOD_SECONDS, rateLimitOn };

/** The minimal slice of the Workers rate-limiting binding this uses, so tests can inject a fake. */
export interface Limiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
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
