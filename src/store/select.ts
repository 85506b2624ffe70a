import type { Env } from "../env.ts";
import { DEFAULT_TENANT } from "../http/tenant-name.ts";
import { DEFAULT_EMBEDDED_NAME, EmbeddedTicketStore } from "./embedded.ts";
import { v2Settings } from "./settings.ts";
import type { TicketStore } from "./types.ts";
import { UpstashTicketStore } from "./upstash.ts";

type StoreEnv = Pick<
  Env,
  "STORE" | "UPSTASH_REDIS_REST_URL" | "UPSTASH_REDIS_REST_TOKEN" | "V2_RETENTION_SECONDS"
>;

/** Overrides for tests and tuning; defaults suit production. */
export interface StoreTuning {
  retentionMs?: number;
  timeoutMs?: number;
}

/**
 * Where a tenant's tickets live. Each tenant has a store of its own, so no call on one
 * tenant's store can see, pop, claim or drain another's tickets: on Upstash every key is
 * prefixed `t:<tenant>:`; embedded, each tenant has its own EmbeddedStore object
 * `tenant:<tenant>`. Tenant `default` keeps the empty prefix and the object name the store
 * had before tenants, so a deployment that adds API_TOKENS keeps its existing tickets.
 * (No default-tenant key starts with `t:`, so the prefixes never overlap.)
 */
export function upstashPrefixFor(tenant: string): string {
  return tenant === DEFAULT_TENANT ? "" : `t:${tenant}:`;
}

export function embeddedNameFor(tenant: string): string {
  return tenant === DEFAULT_TENANT ? DEFAULT_EMBEDDED_NAME : `tenant:${tenant}`;
}

/**
 * Upstash when both of its settings are present (production), otherwise the embedded
 * Durable Object, so `wrangler dev` and tests need no Redis. `store.kind` tells /health
 * which one answered. `tenant` picks the tenant's own store (the request's tenant for the
 * routes, the queue message's for the consumer).
 */
export function ticketStoreFor(env: StoreEnv, tuning: StoreTuning = {}, tenant: string = DEFAULT_TENANT): TicketStore {
  const url = env.UPSTASH_REDIS_REST_URL?.trim();
  const token = env.UPSTASH_REDIS_REST_TOKEN?.trim();
  const options = { retentionMs: v2Settings(env).retentionMs, ...tuning };
  if (url && token) return new UpstashTicketStore({ url, token, prefix: upstashPrefixFor(tenant), ...options });
  return new EmbeddedTicketStore({ namespace: env.STORE, name: embeddedNameFor(tenant), ...options });
}
