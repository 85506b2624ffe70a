import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import type { Health } from "../src/schemas/health.ts";
import { call, json, postJson } from "./helpers.ts";
import { hungEndpoint } from "./unreachable.ts";

describe("meta routes", () => {
  it("/health reports models, queues, store, webhook and auth", async () => {
    await postJson("/v1/tickets", { subject: "Invoice question", body: "Where can I download my invoice?" });
    const body = await json<Health>(await call("/health"));
    expect(body.status).toBe("ok");
    expect(body.auth).toBe("off");
    expect(body.models.live).toBe("m1");
    expect(body.models.m1).toMatchObject({ loaded: true, error: null });
    expect(body.models.m1.accuracy).toBeGreaterThan(0.5);
    expect(body.models.m1.macro_f1).toBeGreaterThan(0.3);
    expect(body.models.m1.load_ms).toBeGreaterThanOrEqual(0);
    expect(body.v1.pending).toBeGreaterThanOrEqual(1);
    expect(body.v2.store).toMatchObject({ kind: "embedded", reachable: true, error: null });
    expect(body.v2.queue.bound).toBe(true);
    expect(body.v2.webhook).toMatchObject({ mode: "mock", threshold: 0.8, error: null });
    await call("/v1/tickets", { method: "DELETE" });
  });

  it("/health says degraded, naming the component, when the store is down or a setting is bad", async () => {
    const app = createApp();
    const res = await app.fetch(
      new Request("http://edge.test/health"),
      // A store that never answers (test/unreachable.ts): a closed port would make workerd log noise.
      { ...env, ...hungEndpoint().upstashEnv, WEBHOOK_THRESHOLD: "lots" },
      createExecutionContext(),
    );
    expect(res.status).toBe(200);
    const body = await json<Health>(res);
    expect(body.status).toBe("degraded");
    expect(body.v2.store).toMatchObject({ kind: "upstash", reachable: false, pending: null });
    expect(body.v2.store.error).toMatch(/ticket store unavailable/);
    expect(body.v2.webhook.mode).toBe("misconfigured");
    expect(body.v2.webhook.error).toMatch(/WEBHOOK_THRESHOLD/);
    expect(body.models.m1.loaded).toBe(true);
  });

  it("/metrics serves M1's metrics.json", async () => {
    const body = await json<{ m1: Record<string, unknown> }>(await call("/metrics"));
    expect(Object.keys(body.m1).length).toBeGreaterThan(0);
  });

  it("/openapi.json documents every route with the zod schemas", async () => {
    const doc = await json<{ openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }>(
      await call("/openapi.json"),
    );
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(
      expect.arrayContaining([
        "/health", "/metrics", "/v1/tickets", "/v1/tickets/next", "/v1/tickets/peek", "/v1/tickets/status",
        "/v2/tickets", "/v2/tickets/next", "/v2/tickets/status", "/v2/tickets/{id}",
      ]),
    );
    expect(Object.keys(doc.paths["/v2/tickets"]!)).toEqual(["post"]);
    const post = doc.paths["/v2/tickets"]!.post as { responses: Record<string, unknown>; security: unknown };
    expect(Object.keys(post.responses).sort()).toEqual(["202", "400", "401", "413", "415", "422", "503"]);
    expect(post.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(doc.paths["/v1/tickets"]!).sort()).toEqual(["delete", "post"]);
    expect(doc.components.schemas).toHaveProperty("TicketInput");
    expect(doc.components.schemas).toHaveProperty("V1Ticket");
    expect(JSON.stringify(doc.components.schemas.TicketInput)).toContain('"maxLength":500');
  });

  it.each(["/docs", "/redoc"])("%s serves an HTML page pointing at /openapi.json", async (path) => {
    const res = await call(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain("/openapi.json");
  });
});
