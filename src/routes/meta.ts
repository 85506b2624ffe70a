import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { swaggerUI } from "@hono/swagger-ui";
import m2Metrics from "../../models/m2/metrics.json" with { type: "json" };
import { m1Metrics } from "../m1/metrics.ts";
import { buildHealth } from "../health.ts";
import { HealthSchema } from "../schemas/health.ts";
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
  summary: "M1 and M2 evaluation metrics side by side (models/m1, models/m2)",
  responses: { 200: { description: "Metrics.", content: { "application/json": { schema: z.object({ m1: z.unknown(), m2: z.unknown() }) } } } },
});

export const meta = new OpenAPIHono<{ Bindings: Env }>();

meta.openapi(health, async (c) => c.json(await buildHealth(c.env), 200));
meta.openapi(metrics, (c) => c.json({ m1: m1Metrics, m2: m2Metrics }, 200));

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
