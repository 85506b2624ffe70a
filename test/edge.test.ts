// The API Worker's edge (src/app.ts middleware): request ids, CORS, tenants from bearer tokens
// and the per-tenant rate limit. Each test passes its own settings to createApp().fetch, so the
// Worker's own env (no API_TOKEN, no CORS_ORIGINS, RATE_LIMIT off) stays what other suites see.
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app.ts";
import { requireBearer } from "../src/http/auth.ts";
import { RATE_LIMIT_PERIOD_SECONDS, type Limiter } from "../src/http/rate-limit.ts";
import { requestIdMiddleware } from "../src/http/request-id.ts";
import { agentOf, DEFAULT_TENANT, parseApiTokens, tenantOf } from "../src/http/tenant.ts";
import { legacyRouterName } from "../src/router/shard-key.ts";
import { ROUTER_NAME } from "../src/router/router-do.ts";
import type { Env } from "../src/env.ts";
import { call, json } from "./helpers.ts";

const app = createApp();
const fetchWith = (settings: Partial<Env>, path: string, init: RequestInit = {}) =>
  app.fetch(new Request(`http://edge.test${path}`, init), { ...env, ...settings } as Env, createExecutionContext());

const ACME = "acme-token-0123456789";
const BETA = "beta-token-0123456789";
const API_TOKENS = JSON.stringify({ [ACME]: { tenant: "acme", agent: "alice" }, [BETA]: { tenant: "beta" } });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

afterEach(() => {
  vi.restoreAllMocks();
});

describe("X-Request-Id", () => {
  it("is generated for every answer, a fresh one each time", async () => {
    const ids = [];
    for (const path of ["/health", "/v1/tickets/status", "/nope"]) {
      const res = await call(path);
      const id = res.headers.get("X-Request-Id");
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      ids.push(id);
    }
    expect(new Set(ids).size).toBe(3);
  });

  it("echoes a sane incoming id on success and on errors (401, 404, 405, 415)", async () => {
    const id = "client-42_abc=";
    const headers = { "X-Request-Id": id };
    expect((await call("/health", { headers })).headers.get("X-Request-Id")).toBe(id);
    expect((await call("/nope", { headers })).headers.get("X-Request-Id")).toBe(id);
    expect((await call("/v1/tickets/status", { method: "PUT", headers })).headers.get("X-Request-Id")).toBe(id);
    expect((await call("/v1/tickets", { method: "POST", headers, body: "{}" })).headers.get("X-Request-Id")).toBe(id);
    const denied = await fetchWith({ API_TOKEN: "s3cret-token" }, "/v1/tickets/status", { headers });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("X-Request-Id")).toBe(id);
  });

  it("replaces an id that is too long or has characters outside [A-Za-z0-9_=-]", async () => {
    for (const bad of ["has space", "quote\"", "x".repeat(201), "semi;colon"]) {
      const got = (await call("/health", { headers: { "X-Request-Id": bad } })).headers.get("X-Request-Id");
      expect(got).not.toBe(bad);
      expect(got).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect((await call("/health", { headers: { "X-Request-Id": "x".repeat(200) } })).headers.get("X-Request-Id")).toBe("x".repeat(200));
  });

  it("is in the JSON log line a request writes", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void lines.push(String(line)));
    const res = await fetchWith({ API_TOKENS: "{not json" }, "/v1/tickets/status", { headers: { "X-Request-Id": "trace-7" } });
    expect(res.status).toBe(503);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(expect.objectContaining({ request_id: "trace-7", method: "GET", path: "/v1/tickets/status", level: "error" }));
  });
});

describe("CORS", () => {
  const CORS_ORIGINS = "https://app.example, https://ops.example/";
  const preflight = (origin: string, settings: Partial<Env> = { CORS_ORIGINS }) =>
    fetchWith(settings, "/v1/tickets", {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, idempotency-key, content-type" },
    });

  it("answers a preflight from a configured origin, before auth, allowing Authorization and Idempotency-Key", async () => {
    const res = await preflight("https://app.example", { CORS_ORIGINS, API_TOKEN: "s3cret-token", RATE_LIMIT: "on", RATE_LIMITER: denyAll() });
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    const allowed = res.headers.get("Access-Control-Allow-Headers")!.toLowerCase().split(",");
    expect(allowed).toEqual(expect.arrayContaining(["authorization", "idempotency-key", "content-type"]));
    expect(res.headers.get("Access-Control-Allow-Methods")).toMatch(/POST/);
    expect(res.headers.get("Access-Control-Max-Age")).toBe("600");
    expect(res.headers.get("Vary")).toMatch(/Origin/);
    // A trailing slash in the setting does not matter: an Origin never has one.
    expect((await preflight("https://ops.example")).headers.get("Access-Control-Allow-Origin")).toBe("https://ops.example");
  });

  it("adds the allow-origin and exposes X-Request-Id on ordinary answers to a configured origin", async () => {
    const res = await fetchWith({ CORS_ORIGINS }, "/v1/tickets/status", { headers: { Origin: "https://app.example" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    expect(res.headers.get("Access-Control-Expose-Headers")).toMatch(/X-Request-Id/);
  });

  it("gives any other origin no CORS headers, and its preflight the usual 405", async () => {
    const res = await fetchWith({ CORS_ORIGINS }, "/v1/tickets/status", { headers: { Origin: "https://evil.example" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(res.headers.get("Vary")).toMatch(/Origin/);
    const pre = await preflight("https://evil.example");
    expect(pre.status).toBe(405);
    expect(pre.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("sends no CORS headers at all while CORS_ORIGINS is unset", async () => {
    const res = await call("/v1/tickets/status", { headers: { Origin: "https://app.example" } });
    expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(res.headers.get("Vary")).toBeNull();
    expect((await preflight("https://app.example", {})).status).toBe(405);
  });
});

/** A tiny app behind the real auth middleware that says whom the request acts as. */
function whoami(settings: Partial<Env>, headers: Record<string, string> = {}) {
  const probe = new Hono<{ Bindings: Env }>();
  probe.use(requestIdMiddleware());
  probe.use(requireBearer());
  probe.get("/who", (c) => c.json({ tenant: tenantOf(c), agent: agentOf(c), router: legacyRouterName(tenantOf(c)) }));
  return probe.fetch(new Request("http://edge.test/who", { headers }), { ...env, ...settings } as Env, createExecutionContext());
}

describe("tenants from bearer tokens", () => {
  it("gives each API_TOKENS token its tenant and agent, and each tenant its own Router", async () => {
    expect(await (await whoami({ API_TOKENS }, bearer(ACME))).json()).toEqual({ tenant: "acme", agent: "alice", router: "tenant:acme" });
    expect(await (await whoami({ API_TOKENS }, bearer(BETA))).json()).toEqual({ tenant: "beta", agent: null, router: "tenant:beta" });
  });

  it("keeps API_TOKEN working beside API_TOKENS as tenant default on the existing Router", async () => {
    const settings = { API_TOKENS, API_TOKEN: "s3cret-token" };
    expect(await (await whoami(settings, bearer("s3cret-token"))).json()).toEqual({ tenant: DEFAULT_TENANT, agent: null, router: ROUTER_NAME });
    expect(ROUTER_NAME).toBe("global");
    expect(await (await whoami(settings, bearer(ACME))).json()).toMatchObject({ tenant: "acme" });
    expect((await whoami(settings, bearer("nope"))).status).toBe(401);
  });

  it("makes every request tenant default while auth is off", async () => {
    expect(await (await whoami({}, bearer(ACME))).json()).toEqual({ tenant: DEFAULT_TENANT, agent: null, router: ROUTER_NAME });
  });

  it("refuses unknown, missing and prefix tokens with 401 through the Worker's routes", async () => {
    for (const headers of [{}, bearer("nope"), bearer(ACME.slice(0, -1)), { Authorization: `Basic ${ACME}` }]) {
      const res = await fetchWith({ API_TOKENS }, "/v1/tickets/status", { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    }
    expect((await fetchWith({ API_TOKENS }, "/v1/tickets/status", { headers: bearer(ACME) })).status).toBe(200);
    expect((await fetchWith({ API_TOKENS }, "/v2/tickets/status", { headers: bearer(BETA) })).status).toBe(200);
    expect((await fetchWith({ API_TOKENS }, "/health")).status).toBe(200);
  });

  it.each([
    ["not JSON", "{oops", /^API_TOKENS is not valid JSON .*: /],
    ["an array", "[]", /^API_TOKENS is not valid .*: API_TOKENS: /],
    ["empty", "{}", /must name at least one token/],
    ["a bad tenant name", JSON.stringify({ [ACME]: { tenant: "Acme Corp" } }), /token #1\.tenant: tenant must be/],
    ["an unknown field", JSON.stringify({ [ACME]: { tenant: "acme", role: "admin" } }), /token #1: .*role/],
    ["a short token", JSON.stringify({ short: { tenant: "acme" } }), /token #1: a token must be at least 16 characters/],
  ])("answers 503 naming API_TOKENS when it is %s, never opening the API", async (_, raw, detail) => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await fetchWith({ API_TOKENS: raw, API_TOKEN: "s3cret-token" }, "/v1/tickets/status", { headers: bearer("s3cret-token") });
    expect(res.status).toBe(503);
    const body = await json<{ detail: string }>(res);
    expect(body.detail).toMatch(detail);
    expect(body.detail).not.toContain(ACME);
    expect((await fetchWith({ API_TOKENS: raw }, "/health")).status).toBe(200);
  });

  it("validates API_TOKENS with the zod schema, defaulting agent to null", () => {
    expect(parseApiTokens(API_TOKENS)).toEqual({ ok: true, grants: [[ACME, { tenant: "acme", agent: "alice" }], [BETA, { tenant: "beta", agent: null }]] });
  });
});

/** A fake RATE_LIMITER: `budget` calls per key, then refusals; it records the keys it was asked about. */
function fakeLimiter(budget: number) {
  const used = new Map<string, number>();
  const limiter: Limiter & { keys: string[] } = {
    keys: [],
    async limit({ key }) {
      limiter.keys.push(key);
      const n = (used.get(key) ?? 0) + 1;
      used.set(key, n);
      return { success: n <= budget };
    },
  };
  return limiter;
}
const denyAll = () => fakeLimiter(0) as unknown as RateLimit;

describe("per-tenant rate limit", () => {
  it("answers 429 with Retry-After once a tenant's budget is spent, leaving other tenants alone", async () => {
    const limiter = fakeLimiter(2);
    const settings = { API_TOKENS, RATE_LIMIT: "on", RATE_LIMITER: limiter as unknown as RateLimit };
    const acme = () => fetchWith(settings, "/v1/tickets/status", { headers: bearer(ACME) });
    expect((await acme()).status).toBe(200);
    expect((await acme()).status).toBe(200);
    const limited = await acme();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe(String(RATE_LIMIT_PERIOD_SECONDS));
    expect(limited.headers.get("X-Request-Id")).toBeTruthy();
    expect((await json<{ detail: string }>(limited)).detail).toBe(`Rate limit exceeded for tenant acme; retry after ${RATE_LIMIT_PERIOD_SECONDS} s`);
    expect((await fetchWith(settings, "/v2/tickets/status", { headers: bearer(BETA) })).status).toBe(200);
    expect(limiter.keys).toEqual(["tenant:acme", "tenant:acme", "tenant:acme", "tenant:beta"]);
  });

  it("counts only authenticated /v1 and /v2 requests: not /health, not a 401", async () => {
    const limiter = fakeLimiter(0);
    const settings = { API_TOKENS, RATE_LIMIT: "on", RATE_LIMITER: limiter as unknown as RateLimit };
    expect((await fetchWith(settings, "/health")).status).toBe(200);
    expect((await fetchWith(settings, "/v1/tickets/status", { headers: bearer("nope") })).status).toBe(401);
    expect(limiter.keys).toEqual([]);
    expect((await fetchWith(settings, "/v1/tickets/status", { headers: bearer(ACME) })).status).toBe(429);
  });

  it("limits tenant default while auth is off", async () => {
    const limiter = fakeLimiter(0);
    expect((await fetchWith({ RATE_LIMIT: "on", RATE_LIMITER: limiter as unknown as RateLimit }, "/v1/tickets/status")).status).toBe(429);
    expect(limiter.keys).toEqual(["tenant:default"]);
  });

  it.each([
    ["RATE_LIMIT unset", { RATE_LIMITER: denyAll() }],
    ["RATE_LIMIT=off", { RATE_LIMIT: "off", RATE_LIMITER: denyAll() }],
    ["no binding", { RATE_LIMIT: "on", RATE_LIMITER: undefined }],
  ])("sets no limit with %s", async (_, settings) => {
    expect((await fetchWith(settings, "/v1/tickets/status")).status).toBe(200);
  });

  it("is off in the Worker's own configuration (local dev and tests)", async () => {
    expect(env.RATE_LIMIT).toBeUndefined();
    expect((await call("/v1/tickets/status")).status).toBe(200);
  });

  it("lets requests through, logged, when the binding fails", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void lines.push(String(line)));
    const broken = { limit: async () => { throw new Error("limiter down"); } } as unknown as RateLimit;
    expect((await fetchWith({ RATE_LIMIT: "on", RATE_LIMITER: broken }, "/v1/tickets/status")).status).toBe(200);
    expect(lines.some((l) => l.includes("rate limiter unavailable") && l.includes("limiter down"))).toBe(true);
  });
});

describe("OpenAPI", () => {
  it("documents X-Request-Id on every response of every /v1 and /v2 operation", async () => {
    const doc = await json<{ paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>> }>(await call("/openapi.json"));
    const ops = Object.entries(doc.paths).filter(([path]) => /^\/v[12]\//.test(path)).flatMap(([, methods]) => Object.values(methods));
    expect(ops.length).toBeGreaterThan(8);
    for (const op of ops) for (const response of Object.values(op.responses)) expect(response.headers).toHaveProperty("X-Request-Id");
  });
});
