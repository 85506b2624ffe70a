import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { swaggerUI } from "@hono/swagger-ui";
import type { MiddlewareHandler } from "hono";
import { buildHealth } from "../health.ts";
import { buildMetrics } from "../metrics-report.ts";
import { CATEGORIES } from "../ml/categories.ts";
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
      description: `Support-ticket routing: classification (${CATEGORIES.join(" / ")}), urgency and priority queues.`,
    },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.get("/docs", docsHeaders, swaggerUI({
    title: "Smart-Support Edge · Swagger UI",
    url: "/openapi.json",
    // Served by the Worker's static assets (dev/build-assets.ts copies them from the pinned npm
    // package into public/vendor/): /vendor/swagger-ui-dist/swagger-ui.css and swagger-ui-bundle.js.
    baseUrl: VENDOR,
    // Swagger UI would otherwise send the spec's URL to validator.swagger.io for a badge.
    validatorUrl: "none",
  }));
  app.get("/redoc", docsHeaders, (c) => c.html(REDOC_HTML));
}

/** public/vendor/ as the asset server exposes it; dev/build-assets.ts fills it. */
const VENDOR = "/vendor";

/**
 * Both pages load only same-origin files, so the browser is told to refuse anything else: a
 * bundle that starts fetching fonts, telemetry or a validator badge from elsewhere shows up as
 * a CSP violation (npm run test:browser fails on one) instead of quietly leaking the docs'
 * visitors to a third party. Inline script and style: the Swagger UI page starts the bundle
 * from an inline <script>, and both UIs set inline styles; ReDoc runs its search in a blob: worker.
 */
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const docsHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header("Content-Security-Policy", DOCS_CSP);
};

const REDOC_HTML = `<!doctype html>
<html lang="en"><head><title>Smart-Support Edge · ReDoc</title><meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="${VENDOR}/redoc/redoc.standalone.js"></script></body></html>`;
