import type { Env } from "../env.ts";
import { EmbeddedTicketStore } from "./embedded.ts";
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
 * Upstash when both of its settings are present (production), otherwise the embedded
 * Durable Object, so `wrangler dev` and tests need no Redis. `store.kind` tells /health
 * which one answered.
 */
export function ticketStoreFor(env: StoreEnv, tuning: StoreTuning = {}): TicketStore {
  const url = env.UPSTASH_REDIS_REST_URL?.trim();
  const token = env.UPSTASH_REDIS_REST_TOKEN?.trim();
  const options = { retentionMs: v2Settings(env).retentionMs, ...tuning };
  if (url && token) return new UpstashTicketStore({ url, token, ...options });
  return new EmbeddedTicketStore({ namespace: env.STORE, ...options });
}
