import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { ROUTER_NAME } from "../src/router/router-do.ts";
import { BAD_TICKET_INPUTS, withField } from "./bad-inputs.ts";
import { call, json, postJson } from "./helpers.ts";
import { drainV1, v1Status } from "./v1-queue.ts";

beforeEach(async () => {
  await drainV1();
});

describe("POST /v1/tickets rejects bad input", () => {
  it.each(BAD_TICKET_INPUTS)("$name → $status", async ({ init, status, detail }) => {
    const res = await call("/v1/tickets", init);
    expect(res.status).toBe(status);
    const body = await json<{ detail: string }>(res);
    expect(body.detail).toMatch(detail);
    const s = await json<{ pending: number }>(await call("/v1/tickets/status"));
    expect(s.pending).toBe(0);
  });

  it("accepts the limits exactly (500 / 5000 characters)", async () => {
    const res = await call("/v1/tickets", withField({ subject: "s".repeat(500), body: "b".repeat(5000) }));
    expect(res.status).toBe(201);
  });
});

describe("DELETE /v1/tickets rejects a bad limit", () => {
  it.each([
    ["0", "limit=0"],
    ["501", "limit=501"],
    ["not a number", "limit=abc"],
    ["negative", "limit=-1"],
    ["fractional", "limit=1.5"],
    ["exponent", "limit=1e2"],
    ["empty", "limit="],
    ["repeated", "limit=1&limit=2"],
  ])("%s → 422 naming limit, nothing removed", async (_, query) => {
    expect((await postJson("/v1/tickets", { subject: "Hello", body: "World" })).status).toBe(201);
    const res = await call(`/v1/tickets?${query}`, { method: "DELETE" });
    expect(res.status).toBe(422);
    const body = await json<{ detail: string; errors: { path: string }[] }>(res);
    expect(body.detail).toMatch(/^limit: limit must be an integer from 1 to 500/);
    expect(body.errors.map((e) => e.path)).toEqual(["limit"]);
    expect((await v1Status()).pending).toBe(1);
  });

  it.each([0, 501, 1.5, Number.NaN])("the Router refuses drain(%s) over RPC too, removing nothing", async (limit) => {
    expect((await postJson("/v1/tickets", { subject: "Hello", body: "World" })).status).toBe(201);
    let error: unknown = null;
    try {
      await env.ROUTER.getByName(ROUTER_NAME).drain(limit);
    } catch (e) {
      error = e;
    }
    expect(String(error)).toMatch(/drain limit must be an integer from 1 to 500/);
    expect((await v1Status()).pending).toBe(1);
  });

  it.each(["1", "500"])("accepts limit=%s", async (limit) => {
    const res = await call(`/v1/tickets?limit=${limit}`, { method: "DELETE" });
    expect(res.status).toBe(200);
  });
});

describe("routing errors", () => {
  it("answers unknown routes with JSON 404", async () => {
    const res = await call("/v1/nope");
    expect(res.status).toBe(404);
    expect((await json<{ detail: string }>(res)).detail).toBe("No route for GET /v1/nope");
  });

  it.each([
    ["PUT", "/v1/tickets", "DELETE, GET, HEAD, POST"],
    ["POST", "/v1/tickets/next", "GET, HEAD"],
    ["DELETE", "/health", "GET, HEAD"],
  ])("answers %s %s with 405 and Allow", async (method, path, allow) => {
    const res = await call(path, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")?.split(", ").sort().join(", ")).toBe(allow);
    expect((await json<{ detail: string }>(res)).detail).toContain(`Method ${method} not allowed`);
  });

  // A 64 KB path must not come back as a 65 KB error body.
  const longPath = `/v1/${"a".repeat(64 * 1024)}`;

  it("cuts a long path in the 404 to 200 characters and says so", async () => {
    const res = await call(longPath);
    expect(res.status).toBe(404);
    const { detail } = await json<{ detail: string }>(res);
    expect(detail).toBe(`No route for GET ${longPath.slice(0, 200)}… (path cut: ${longPath.length} characters)`);
  });

  it("cuts a long path in the 405 too, keeping the Allow list", async () => {
    // /v2/tickets/{id} answers only GET, so any long id sent with PUT is a 405.
    const path = `/v2/tickets/${"c".repeat(64 * 1024)}`;
    const res = await call(path, { method: "PUT" });
    expect(res.status).toBe(405);
    const { detail } = await json<{ detail: string }>(res);
    const [said, allowed] = detail.split("; allowed: ");
    expect(said).toBe(`Method PUT not allowed on ${path.slice(0, 200)}… (path cut: ${path.length} characters)`);
    expect(allowed?.split(", ").sort()).toEqual(["GET", "HEAD"]);
  });
});

describe("bearer auth when API_TOKEN is set", () => {
  const app = createApp();
  const secured = { ...env, API_TOKEN: "s3cret-token" };
  const fetchWith = (path: string, headers: Record<string, string> = {}) =>
    app.fetch(new Request(`http://edge.test${path}`, { headers }), secured, createExecutionContext());

  it.each([
    ["no header", {}],
    ["wrong token", { Authorization: "Bearer nope" }],
    ["wrong scheme", { Authorization: "Basic czNjcmV0LXRva2Vu" }],
    ["token prefix only", { Authorization: "Bearer s3cret" }],
  ])("rejects %s with 401", async (_, headers) => {
    const res = await fetchWith("/v1/tickets/status", headers);
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    expect((await json<{ detail: string }>(res)).detail).toMatch(/bearer token/i);
  });

  it("accepts the right token, guards /v2 too, and leaves /health open saying auth is on", async () => {
    expect((await fetchWith("/v1/tickets/status", { Authorization: "Bearer s3cret-token" })).status).toBe(200);
    expect((await fetchWith("/v2/tickets/status")).status).toBe(401);
    const health = await fetchWith("/health");
    expect(health.status).toBe(200);
    expect((await json<{ auth: string }>(health)).auth).toBe("on");
  });

  it("runs open without API_TOKEN", async () => {
    const res = await call("/health");
    expect((await json<{ auth: string }>(res)).auth).toBe("off");
  });
});
