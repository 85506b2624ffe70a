import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Env } from "../env.ts";

// Defined where Worker-free code (the consumer, queue messages) can import them without the Router.
import { DEFAULT_TENANT, TenantNameSchema } from "./tenant-name.ts";
export { DEFAULT_TENANT, TenantNameSchema };

/** One API_TOKENS entry: whose token it is. `agent` names the person or bot using it (null = the tenant as a whole). */
export const TokenGrantSchema = z
  .object({
    tenant: TenantNameSchema,
    agent: z.string().trim().min(1).max(100).nullable().optional().transform((a) => a ?? null),
  })
  .strict();

/** API_TOKENS: `{"<token>": {"tenant": "acme", "agent": "alice"}, ...}`, at least one token, none blank. */
export const ApiTokensSchema = z
  .record(z.string().min(16, "a token must be at least 16 characters").refine((t) => t.trim() === t, "a token must not start or end with whitespace"), TokenGrantSchema)
  .refine((m) => Object.keys(m).length > 0, "API_TOKENS must name at least one token");

export type TokenGrant = z.output<typeof TokenGrantSchema>;

/** Who a request acts as, once auth has run. */
export interface Principal {
  tenant: string;
  agent: string | null;
}

declare module "hono" {
  interface ContextVariableMap {
    tenant: string;
    agent: string | null;
  }
}

/** What API_TOKENS says: its grants, or why it cannot be used (the message names the setting, never a token). */
export type ParsedTokens = { ok: true; grants: [token: string, grant: TokenGrant][] } | { ok: false; error: string };

let memo: { raw: string; parsed: ParsedTokens } | undefined;

/** API_TOKENS parsed and validated; memoised on the raw text, which only changes with a deploy. */
export function parseApiTokens(raw: string): ParsedTokens {
  if (memo?.raw === raw) return memo.parsed;
  let parsed: ParsedTokens;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON.parse's message: it quotes the text around the error, i.e. part of a token, and
    // this message reaches unauthenticated callers (the 503) and /health.
    parsed = { ok: false, error: `API_TOKENS is not valid JSON (expected {"<token>": {"tenant": "...", "agent": "..."}}): its text is not shown, since it holds tokens` };
    memo = { raw, parsed };
    return parsed;
  }
  const result = ApiTokensSchema.safeParse(value);
  if (result.success) {
    parsed = { ok: true, grants: Object.entries(result.data) };
  } else {
    // Paths name token keys, which are secrets: report their position, not their text.
    const keys = value && typeof value === "object" ? Object.keys(value) : [];
    const problems = result.error.issues.map((issue) => {
      const [key, ...rest] = issue.path;
      const where = key === undefined ? "API_TOKENS" : [`token #${keys.indexOf(String(key)) + 1}`, ...rest].join(".");
      // zod reports a bad record key as "Invalid key in record"; the reason is one level down.
      const message = issue.code === "invalid_key" ? issue.issues.map((i) => i.message).join("; ") : issue.message;
      return `${where}: ${message}`;
    });
    parsed = { ok: false, error: `API_TOKENS is not valid (expected {"<token>": {"tenant": "...", "agent": "..."}}): ${problems.join("; ")}` };
  }
  memo = { raw, parsed };
  return parsed;
}

/** The tenant a request acts for: set by auth (src/http/auth.ts), `default` where auth did not run. */
export function tenantOf(c: Context): string {
  return c.get("tenant") ?? DEFAULT_TENANT;
}

/** The agent a request acts as: API_TOKENS' `agent`, else null. */
export function agentOf(c: Context): string | null {
  return c.get("agent") ?? null;
}

/** What the /v1 handlers pass to src/router/tenant-queue.ts: the Router namespace and the request's tenant. */
export function queueOf(c: Context<{ Bindings: Env }>): { ns: Env["ROUTER"]; tenant: string } {
  return { ns: c.env.ROUTER, tenant: tenantOf(c) };
}
