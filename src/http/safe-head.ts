import type { Context, Hono, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { jsonError } from "./errors.ts";

/**
 * GET routes whose handler changes state, each mapped to the route whose GET reports,
 * without the change, what theirs would answer: `peek` returns the very ticket `next`
 * would pop, so its status and headers are exactly GET next's. Every other GET route must
 * be safe; test/head.test.ts fails when a GET route is in neither list.
 */
export const STATE_CHANGING_GETS: Readonly<Record<string, string>> = {
  "/v1/tickets/next": "/v1/tickets/peek",
  "/v2/tickets/next": "/v2/tickets/peek",
};

/**
 * Hono answers HEAD by running the GET handler and dropping the body, which on a popping
 * route removed a ticket nobody received. RFC 9110 makes HEAD safe (§9.2.1) and GET minus
 * content (§9.3.2), so HEAD on a state-changing GET answers as the GET of its safe twin.
 * Where the twin is not registered nothing can tell what GET would say without changing
 * state, so the resource does not support HEAD: 405.
 */
export function safeHead(app: Hono<any>, unsafe: Readonly<Record<string, string>> = STATE_CHANGING_GETS): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== "HEAD") return next();
    // The route that would respond, as the router matched it, so the rule follows the handler
    // whatever the URL's spelling (`/v1/tickets/%6Eext` reaches `next` too).
    const route = matchedRoutes(c).find((r) => r.method === "GET");
    const twin = route ? unsafe[route.path] : undefined;
    if (route === undefined || twin === undefined) return next();

    if (!app.routes.some((r) => r.method === "GET" && r.path === twin)) {
      const allow = [...new Set(app.routes.filter((r) => r.path === route.path && r.method !== "ALL").map((r) => r.method))];
      c.header("Allow", allow.join(", "));
      return jsonError(c, 405, `Method HEAD not allowed on ${c.req.path}: its GET changes state and HEAD must not; allowed: ${allow.join(", ")}`);
    }

    const url = new URL(c.req.url);
    url.pathname = twin;
    // The twin's GET runs under this request's id, so its log lines and the answer's X-Request-Id match.
    const headers = new Headers(c.req.raw.headers);
    const id = c.get("requestId");
    if (id) headers.set("X-Request-Id", id);
    const res = await app.fetch(new Request(url, { method: "GET", headers }), c.env, executionCtxOf(c));
    await res.body?.cancel();
    return new Response(null, res);
  };
}

function executionCtxOf(c: Context): ExecutionContext | undefined {
  // Hono's getter throws when the app was called without one (tests calling app.fetch).
  try {
    return c.executionCtx as ExecutionContext;
  } catch {
    return undefined;
  }
}
