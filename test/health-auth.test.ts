// /health and the auth settings: a malformed API_TOKENS makes every /v1 and /v2 request answer
// 503, so /health must say so (status degraded, auth_error naming the problem) without
// quoting the setting, which holds the tokens; a valid one, or none, leaves /health ok.
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app.ts";
import type { Env } from "../src/env.ts";
import type { Health } from "../src/schemas/health.ts";
import { json } from "./helpers.ts";

const app = createApp();
const fetchWith = (settings: Partial<Env>, path: string, init: RequestInit = {}) =>
  app.fetch(new Request(`http://health.test${path}`, init), { ...env, ...settings } as Env, createExecutionContext());

async function healthWith(settings: Partial<Env>): Promise<Health> {
  const res = await fetchWith(settings, "/health");
  expect(res.status).toBe(200);
  return json<Health>(res);
}

const TOKEN = "acme-secret-token-0123456789";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("/health and API_TOKENS", () => {
  it.each([
    // A bare token pasted where the JSON map belongs: JSON.parse's own message would quote it.
    ["a bare token instead of JSON", TOKEN, /^API_TOKENS is not valid JSON .*not shown/],
    ["JSON cut off after the token", `{"${TOKEN}": {"tenant": "acme"`, /^API_TOKENS is not valid JSON/],
    ["a bad tenant name", JSON.stringify({ [TOKEN]: { tenant: "Acme Corp" } }), /token #1\.tenant: tenant must be/],
    ["a short token", JSON.stringify({ short: { tenant: "acme" } }), /token #1: a token must be at least 16 characters/],
  ])("is degraded with auth_error when API_TOKENS is %s, matching the 503 every protected route gives", async (_, raw, why) => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const body = await healthWith({ API_TOKENS: raw });
    expect(body.status).toBe("degraded");
    expect(body.auth).toBe("on");
    expect(body.auth_error).toMatch(why);
    expect(body.auth_error).toMatch(/every \/v1 and \/v2 request answers 503/);
    expect(body.auth_error).not.toContain(TOKEN.slice(0, 10));
    // What /health describes is what a protected route does: 503, naming the same problem.
    for (const path of ["/v1/tickets/status", "/v2/tickets/status"]) {
      const res = await fetchWith({ API_TOKENS: raw }, path, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(503);
      const detail = (await json<{ detail: string }>(res)).detail;
      expect(body.auth_error).toContain(detail);
      expect(detail).not.toContain(TOKEN.slice(0, 10));
    }
  });

  it("is ok with auth on and no auth_error when API_TOKENS is valid, or only API_TOKEN is set", async () => {
    const valid = await healthWith({ API_TOKENS: JSON.stringify({ [TOKEN]: { tenant: "acme", agent: "alice" } }) });
    expect(valid).toMatchObject({ status: "ok", auth: "on", auth_error: null });
    expect(await healthWith({ API_TOKEN: "s3cret-token" })).toMatchObject({ status: "ok", auth: "on", auth_error: null });
  });

  it("is ok with auth off when neither is set, a blank API_TOKENS counting as unset as auth does", async () => {
    expect(await healthWith({ API_TOKENS: "  " })).toMatchObject({ status: "ok", auth: "off", auth_error: null });
    expect((await fetchWith({ API_TOKENS: "  " }, "/v1/tickets/status")).status).toBe(200);
  });
});
