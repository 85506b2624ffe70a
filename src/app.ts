import { OpenAPIHono } from "@hono/zod-openapi";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requireBearer } from "./http/auth.ts";
import { corsMiddleware } from "./http/cors.ts";
import { rateLimitPerTenant } from "./http/rate-limit.ts";
import { requestIdMiddleware, type RequestIdVariables } from "./http/request-id.ts";
import type { Principal } from "./http/tenant.ts";
import { safeHead } from "./http/safe-head.ts";
import { echoPath, jsonError, notFound, onError, validationHook } from "./http/errors.ts";
import { dashboard } from "./routes/dashboard.ts";
import { meta, mountDocs } from "./routes/meta.ts";
import { v1 } from "./routes/v1.ts";
import { v2 } from "./routes/v2.ts";
import { corrections } from "./routes/corrections.ts";
import type { Env } from "./env.ts";

/**
 * What the edge middleware puts on the context: the request id, and who the bearer token says is
 * calling. Typed for every handler through hono's ContextVariableMap (src/http/tenant.ts,
 * hono/request-id), so sub-apps typed `{ Bindings: Env }` (v1, v2, meta) read them typed too.
 */
export type AppVariables = RequestIdVariables & Principal;

export function createApp() {
  const app = new OpenAPIHono<{ Bindings: Env }>({ defaultHook: validationHook });
  // Order matters: the request id first, so every answer (404, 405, 401, 429, 500) carries it;
  // CORS before the 405 check and auth, which would refuse a preflight (OPTIONS, no token);
  // the rate limit after auth, since its key is the tenant the token names.
  app.use(requestIdMiddleware());
  app.use(corsMiddleware());
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        c.header("Allow", methods.join(", "));
        return jsonError(c, 405, `Method ${c.req.method} not allowed on ${echoPath(c.req.path)}; allowed: ${methods.join(", ")}`);
      },
    }),
  );
  app.use("/v1/*", requireBearer(), rateLimitPerTenant());
  app.use("/v2/*", requireBearer(), rateLimitPerTenant());
  app.use(safeHead(app));
  app.route("/", meta);
  app.route("/", dashboard);
  app.route("/v1", v1);
  app.route("/v2", v2);
  app.route("/v1", corrections);
  mountDocs(app);
  app.notFound(notFound);
  app.onError(onError);
  return app;
}
