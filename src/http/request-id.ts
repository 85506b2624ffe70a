import type { Context, MiddlewareHandler } from "hono";
import { requestId as honoRequestId, type RequestIdVariables } from "hono/request-id";

export type { RequestIdVariables };

/** Longest incoming X-Request-Id echoed; a longer one (or one with other characters) is replaced. */
export const REQUEST_ID_MAX = 200;

/**
 * X-Request-Id on every response. A client's own id is echoed when it is short and made of
 * [A-Za-z0-9_=-] (hono's rule), so a caller can correlate its logs with ours; anything else
 * (CR/LF, quotes, 64 KB) is replaced by a fresh UUID rather than reflected into headers and logs.
 */
export function requestIdMiddleware(): MiddlewareHandler {
  return honoRequestId({ limitLength: REQUEST_ID_MAX });
}

/** The request's id, or null outside the middleware (tests calling a sub-app directly). */
export function requestIdOf(c: Context): string | null {
  return (c.get("requestId" as never) as string | undefined) ?? null;
}

/**
 * One JSON log line for a request: every line carries request_id, method and path so Workers
 * Logs can be filtered to one request; the id is the one the client got in X-Request-Id.
 */
export function logRequest(c: Context, level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, request_id: requestIdOf(c), method: c.req.method, path: c.req.path, ...fields });
  if (level === "info") console.log(line);
  else console.error(line);
}
