import { env, exports } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { createApp } from "../src/app.ts";
import { expect } from "vitest";
import type { Env } from "../src/env.ts";

export const BASE = "http://edge.test";

/** Sends a request through the Worker's real fetch handler (same isolate as the tests). */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return (exports as unknown as { default: Fetcher }).default.fetch(`${BASE}${path}`, init);
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  expect(res.headers.get("content-type") ?? "").toMatch(/application\/json/);
  return (await res.json()) as T;
}


/**
 * A STORE namespace that sends every call to one private EmbeddedStore instance, so a test can
 * give /health or the consumer a ticket store of its own (e.g. to write a consumer report that
 * says "misconfigured") without changing what other tests read from the Worker's store.
 */
export function privateStoreNamespace(namespace: Env["STORE"], name: string = `private-${crypto.randomUUID()}`): Env["STORE"] {
  return { getByName: () => namespace.getByName(name) } as unknown as Env["STORE"];
}

const tokenApp = createApp();

/**
 * One request through the app with `extraEnv` laid over the test env (e.g. API_TOKENS), as the
 * holder of `token`; a JSON `body` gets its Content-Type. What the tenant tests all send.
 */
export async function callWithToken(
  extraEnv: Partial<Env>,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const h: Record<string, string> = { Authorization: `Bearer ${token}`, ...headers };
  if (body !== undefined) h["Content-Type"] = "application/json";
  const res = await tokenApp.fetch(
    new Request(`${BASE}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) }),
    { ...env, ...extraEnv } as Env,
    createExecutionContext(),
  );
  return { status: res.status, headers: res.headers, body: await res.json() };
}
