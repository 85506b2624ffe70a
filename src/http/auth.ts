import type { MiddlewareHandler } from "hono";
import { jsonError } from "./errors.ts";
import { logRequest } from "./request-id.ts";
import { DEFAULT_TENANT, parseApiTokens, type Principal } from "./tenant.ts";
import type { Env } from "../env.ts";

/**
 * Bearer auth, and with it the request's tenant and agent (c.get("tenant"), c.get("agent")).
 * - API_TOKENS (JSON, src/http/tenant.ts) maps each token to a tenant and agent;
 * - API_TOKEN, the single-tenant token, keeps working as tenant `default`, agent null;
 * - with neither set auth is off (local dev and tests; deploys require API_TOKEN) and every
 *   request is tenant `default`.
 * A malformed API_TOKENS answers 503 naming the setting on every protected request rather than
 * guessing who is who: a configuration error must be loud, and must never open the API.
 * Every configured token is compared, by SHA-256 digest, whatever matches first, so neither
 * which token matched nor the tokens' lengths or contents leak through timing.
 */
export function requireBearer(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const single = c.env.API_TOKEN || undefined;
    const many = c.env.API_TOKENS?.trim() || undefined;
    if (!single && !many) {
      setPrincipal(c, { tenant: DEFAULT_TENANT, agent: null });
      return next();
    }
    const candidates: [string, Principal][] = [];
    if (many) {
      const parsed = parseApiTokens(many);
      if (!parsed.ok) {
        logRequest(c, "error", "API_TOKENS is invalid; protected routes answer 503", { error: parsed.error });
        return jsonError(c, 503, parsed.error);
      }
      candidates.push(...parsed.grants);
    }
    if (single) candidates.push([single, { tenant: DEFAULT_TENANT, agent: null }]);

    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    const found = match ? await findGrant(match[1]!, candidates) : undefined;
    if (!found) {
      c.header("WWW-Authenticate", 'Bearer realm="smart-support"');
      return jsonError(c, 401, match ? "Invalid bearer token" : "Missing bearer token: send Authorization: Bearer <API_TOKEN>");
    }
    setPrincipal(c, found);
    return next();
  };
}

function setPrincipal(c: Parameters<MiddlewareHandler>[0], { tenant, agent }: Principal) {
  c.set("tenant", tenant);
  c.set("agent", agent);
}

/** The grant of the first candidate equal to `given`, after comparing all of them. */
async function findGrant(given: string, candidates: [string, Principal][]): Promise<Principal | undefined> {
  const givenDigest = await digest(given);
  const digests = await Promise.all(candidates.map(([token]) => digest(token)));
  let found: Principal | undefined;
  digests.forEach((d, i) => {
    if (bytesEqual(givenDigest, d) && !found) found = candidates[i]![1];
  });
  return found;
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Constant time over equal-length digests: no early exit. */
function bytesEqual(x: Uint8Array, y: Uint8Array): boolean {
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ (y[i] ?? 0);
  return diff === 0;
}

export async function tokensEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  return bytesEqual(a, b);
}
