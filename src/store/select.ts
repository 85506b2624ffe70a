import type { Env } from "../env.ts";
import { EmbeddedTicketStore } from "./embedded.ts";
import type { TicketStore } from "./types.ts";
import { UpstashTicketStore } from "./upstash.ts";

type StoreEnv = Pick<Env, "STORE" | "UPSTASH_REDIS_REST_URL" | "UPSTASH_REDIS_REST_TOKEN">;

/** Overrides for tests and tuning; defaults suit production. */
export interface StoreTuning {
  ttlMs?: number;
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
  if (url && token) return new UpstashTicketStore({ url, token, ...tuning });
  return new EmbeddedTicketStore({ namespace: env.STORE, ...tuning });
}
