import { describe, expect, it } from "vitest";
import { call, json, postJson } from "./helpers.ts";

describe("meta routes", () => {
  it("/health reports model, queue and auth", async () => {
    await postJson("/v1/tickets", { subject: "Invoice question", body: "Where can I download my invoice?" });
    const body = await json<{
      status: string;
      m1: { loaded: boolean; accuracy: number | null; load_ms: number | null };
      v1_queue: { pending: number };
    }>(await call("/health"));
    expect(body.status).toBe("ok");
    expect(body.m1.loaded).toBe(true);
    expect(body.m1.accuracy).toBeGreaterThan(0.5);
    expect(body.m1.load_ms).toBeGreaterThanOrEqual(0);
    expect(body.v1_queue.pending).toBeGreaterThanOrEqual(1);
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
      expect.arrayContaining(["/health", "/metrics", "/v1/tickets", "/v1/tickets/next", "/v1/tickets/peek", "/v1/tickets/status"]),
    );
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
