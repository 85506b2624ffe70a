import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { Env } from "../env.ts";

/** Request headers a browser client may send: the bearer token, JSON bodies, idempotency and its own request id. */
export const CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"];
/** Response headers a browser script may read (it sees only "simple" ones otherwise). */
export const CORS_EXPOSE_HEADERS = ["X-Request-Id", "Retry-After", "Allow", "WWW-Authenticate", "Idempotent-Replayed"];
export const CORS_ALLOW_METHODS = ["GET", "HEAD", "POST", "DELETE", "OPTIONS"];
/** Seconds a browser may cache a preflight answer. */
export const CORS_MAX_AGE = 600;

/**
 * CORS_ORIGINS as a list: comma-separated origins ("https://a.example, https://b.example"),
 * trimmed, empty entries and trailing slashes dropped (an Origin header never has one).
 * Unset or blank = no origin, i.e. no CORS headers at all.
 */
export function parseCorsOrigins(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((o) => o.trim().replace(/\/+$/, ""))
    .filter((o) => o.length > 0);
}

/**
 * hono/cors for the configured origins only. A request from any other origin (or none) passes
 * through untouched: no Access-Control-* headers, and an OPTIONS preflight falls through to the
 * usual 405, so a browser refuses it, while hono/cors alone would answer it 204. This runs
 * before auth and the rate limit: a preflight carries no Authorization header and must not count.
 */
export function corsMiddleware(): MiddlewareHandler<{ Bindings: Env }> {
  // Built per origin list, and only rebuilt when the setting changes (a new deploy).
  let cached: { raw: string | undefined; origins: string[]; handler: MiddlewareHandler } | undefined;
  return async (c, next) => {
    const raw = c.env.CORS_ORIGINS;
    let entry = cached;
    if (!entry || entry.raw !== raw) {
      const origins = parseCorsOrigins(raw);
      entry = cached = {
        raw,
        origins,
        handler: cors({
          origin: (origin) => (origins.includes("*") || origins.includes(origin) ? origin : null),
          allowHeaders: CORS_ALLOW_HEADERS,
          exposeHeaders: CORS_EXPOSE_HEADERS,
          allowMethods: CORS_ALLOW_METHODS,
          maxAge: CORS_MAX_AGE,
        }),
      };
    }
    const { origins, handler } = entry;
    if (origins.length === 0) return next();
    const origin = c.req.header("Origin");
    if (origin && (origins.includes("*") || origins.includes(origin))) return handler(c, next);
    await next();
    // Answers now differ by origin, so caches must keep one per Origin (hono/cors adds it on its path).
    c.header("Vary", "Origin", { append: true });
  };
}
