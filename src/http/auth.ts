import type { MiddlewareHandler } from "hono";
import { jsonError } from "./errors.ts";
import type { Env } from "../env.ts";

/**
 * Bearer auth, on only when the API_TOKEN secret is set (local dev runs open).
 * Compares SHA-256 digests so neither the length nor the content of the
 * configured token leaks through timing.
 */
export function requireBearer(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const expected = c.env.API_TOKEN;
    if (!expected) return next();
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match || !(await tokensEqual(match[1]!, expected))) {
      c.header("WWW-Authenticate", 'Bearer realm="smart-support"');
      return jsonError(c, 401, match ? "Invalid bearer token" : "Missing bearer token: send Authorization: Bearer <API_TOKEN>");
    }
    return next();
  };
}

export async function tokensEqual(given: string, expected: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(given)),
    crypto.subtle.digest("SHA-256", enc.encode(expected)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}
