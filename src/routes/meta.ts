import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { swaggerUI } from "@hono/swagger-ui";
import { m1Metrics } from "../ml/m1-bundled.ts";
import { ROUTER_NAME } from "../router/router-do.ts";
import type { Env } from "../env.ts";

const HealthSchema = z
  .object({
    status: z.literal("ok"),
    auth: z.enum(["on", "off"]).openapi({ description: "on when API_TOKEN is set: /v1 and /v2 need a bearer token." }),
    m1: z.object({
      loaded: z.boolean(),
      load_ms: z.number().nullable(),
      error: z.string().nullable(),
      accuracy: z.number().nullable().openapi({ description: "Accuracy on the seed's 15% stratified hold-out (models/m1/metrics.json)." }),
      macro_f1: z.number().nullable().openapi({ description: "Macro-F1, mean of the leakage-safe grouped 5-fold CV." }),
    }),
    v1_queue: z.object({ pending: z.number().int(), processed: z.number().int() }),
  })
  .openapi("Health");

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["meta"],
  summary: "Liveness, model state, queue depths, auth",
  responses: { 200: { description: "Healthy.", content: { "application/json": { schema: HealthSchema } } } },
});
const metrics = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["meta"],
  summary: "Model evaluation metrics (models/m1/*.json)",
  responses: { 200: { description: "Metrics.", content: { "application/json": { schema: z.object({ m1: z.unknown() }) } } } },
});

export const meta = new OpenAPIHono<{ Bindings: Env }>();

meta.openapi(health, async (c) => {
  const stats = await c.env.ROUTER.getByName(ROUTER_NAME).stats();
  const headline = m1Headline();
  return c.json(
    {
      status: "ok" as const,
      auth: c.env.API_TOKEN ? ("on" as const) : ("off" as const),
      m1: { loaded: stats.modelLoaded, load_ms: stats.modelLoadMs, error: stats.modelError, ...headline },
      v1_queue: { pending: stats.pending, processed: stats.processed },
    },
    200,
  );
});
meta.openapi(metrics, (c) => c.json({ m1: m1Metrics }, 200));

/** The shipped model's headline figures from models/m1/metrics.json. */
function m1Headline(): { accuracy: number | null; macro_f1: number | null } {
  const m = m1Metrics.classifier as {
    shipped?: { holdout?: { report?: { accuracy?: number } }; groupedCv?: { macroF1?: { mean?: number } } };
  };
  return { accuracy: m.shipped?.holdout?.report?.accuracy ?? null, macro_f1: m.shipped?.groupedCv?.macroF1?.mean ?? null };
}

export function mountDocs(app: OpenAPIHono<{ Bindings: Env }>): void {
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Smart-Support Edge",
      version: "1.0.0",
      description: "Support-ticket routing: classification (Billing / Legal / Technical), urgency and priority queues.",
    },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.get("/docs", swaggerUI({ url: "/openapi.json" }));
  app.get("/redoc", (c) => c.html(REDOC_HTML));
}

const REDOC_HTML = `<!doctype html>
<html><head><title>Smart-Support Edge · ReDoc</title><meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="https://cdn.redoc.ly/redoc/latest/bundles/redoc.standalone.js"></script></body></html>`;
