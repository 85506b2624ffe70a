import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { swaggerUI } from "@hono/swagger-ui";
import { buildHealth } from "../health.ts";
import { buildMetrics } from "../metrics-report.ts";
import { HealthSchema } from "../schemas/health.ts";
import { MetricsSchema } from "../schemas/metrics.ts";
import type { Env } from "../env.ts";

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["meta"],
  summary: "Liveness; model, store, queue and webhook state; queue depths; auth",
  responses: { 200: { description: "Healthy.", content: { "application/json": { schema: HealthSchema } } } },
});
const metrics = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["meta"],
  summary: "M1 and M2 held-out metrics: the seed's fields (sklearn classification_report, accuracy, rmse, mae), then models/m1 and models/m2 in full",
  responses: { 200: { description: "Metrics.", content: { "application/json": { schema: MetricsSchema } } } },
});

export const meta = new OpenAPIHono<{ Bindings: Env }>();

meta.openapi(health, async (c) => c.json(await buildHealth(c.env), 200));
meta.openapi(metrics, (c) => c.json(buildMetrics(), 200));

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
