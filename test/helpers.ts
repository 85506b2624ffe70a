import { exports } from "cloudflare:workers";
import { expect } from "vitest";

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

