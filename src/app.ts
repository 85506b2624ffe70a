import { OpenAPIHono } from "@hono/zod-openapi";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requireBearer } from "./http/auth.ts";
import { safeHead } from "./http/safe-head.ts";
import { echoPath, jsonError, notFound, onError, validationHook } from "./http/errors.ts";
import { meta, mountDocs } from "./routes/meta.ts";
import { v1 } from "./routes/v1.ts";
import { v2 } from "./routes/v2.ts";
import type { Env } from "./env.ts";

export function createApp() {
  const app = new OpenAPIHono<{ Bindings: Env }>({ defaultHook: validationHook });
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        c.header("Allow", methods.join(", "));
        return jsonError(c, 405, `Method ${c.req.method} not allowed on ${echoPath(c.req.path)}; allowed: ${methods.join(", ")}`);
      },
    }),
  );
  app.use("/v1/*", requireBearer());
  app.use("/v2/*", requireBearer());
  app.use(safeHead(app));
  app.route("/", meta);
  app.route("/v1", v1);
  app.route("/v2", v2);
  mountDocs(app);
  app.notFound(notFound);
  app.onError(onError);
  return app;
}
