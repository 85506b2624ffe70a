// Ticket stores for the workerd tests, built so that no outcome depends on how fast the
// machine is: generous call budgets, TTLs that cannot lapse mid-test, and time that passes
// only when a test says so (advance), for both implementations.
import { env } from "cloudflare:workers";
import { Redis } from "@upstash/redis/cloudflare";
import { inject } from "vitest";
import { EmbeddedTicketStore } from "../src/store/embedded.ts";
import type { TicketStore } from "../src/store/types.ts";
import { UpstashTicketStore } from "../src/store/upstash.ts";

/**
 * Budget for each store call in tests that check behaviour, not deadlines. The production
 * budgets (1.5 s Upstash, 5 s embedded) are checked by the store-down tests with a backend
 * that never answers; here a loaded machine must not turn a slow answer into "unavailable".
 */
export const GENEROUS_TIMEOUT_MS = 60_000;

/** A lock or record lifetime that cannot lapse during any test (the longest test timeout is minutes). */
export const HELD_MS = 60 * 60_000;

export interface StoreHarness {
  store: TicketStore;
  /**
   * Moves this store's clock forward by `ms`: every TTL, lock and index deadline then sees
   * `ms` more elapsed. Real time that passes meanwhile counts too, but no test relies on it.
   */
  advance(ms: number): Promise<void>;
}

export interface HarnessOptions {
  /** How long a record stays readable after it leaves the queues (the stores' retentionMs). */
  retentionMs?: number;
}

/** The embedded store on its own Durable Object instance, with a fake clock. */
export function embeddedHarness({ retentionMs }: HarnessOptions = {}): StoreHarness {
  let now = Date.now();
  const store = new EmbeddedTicketStore({
    namespace: env.STORE,
    name: `test-${crypto.randomUUID()}`,
    retentionMs,
    timeoutMs: GENEROUS_TIMEOUT_MS,
    now: () => now,
  });
  return { store, advance: async (ms) => void (now += ms) };
}

// Redis expires keys on its own clock, which a test cannot set. This moves it for one key
// prefix: every key with a TTL gets `ms` less of it, and a key whose TTL runs out is deleted,
// which is what Redis does when a key expires. Keys without a TTL are left alone, as Redis
// would. One script, so it is atomic against the store's own scripts.
const ADVANCE_TTLS = `
local cursor = '0'
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', ARGV[1] .. '*', 'COUNT', 1000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do
    local left = redis.call('PTTL', key)
    if left > 0 then
      left = left - tonumber(ARGV[2])
      if left > 0 then redis.call('PEXPIRE', key, left) else redis.call('DEL', key) end
    end
  end
until cursor == '0'
return 1
`;

/** Lets `ms` of Redis' own time pass for every key under `prefix` (see ADVANCE_TTLS). */
export async function advanceRedisTtls(raw: Redis, prefix: string, ms: number): Promise<void> {
  await raw.eval(ADVANCE_TTLS, [], [prefix, String(ms)]);
}

/** A key prefix inside this run's prefix, unique to one store. */
export function upstashPrefix(kind: string): string {
  return `${inject("redis").keyPrefix}${kind}:${crypto.randomUUID()}:`;
}

/**
 * The Upstash store against the run's own redis-server (through the bridge), on its own key
 * prefix. Its index deadlines follow a fake clock and advance() moves Redis' TTLs by the same
 * amount, so expiry is tested without waiting and without racing real time.
 */
export function upstashHarness({ retentionMs, kind = "store" }: HarnessOptions & { kind?: string } = {}): StoreHarness {
  const { url, token } = inject("upstash");
  const prefix = upstashPrefix(kind);
  let now = Date.now();
  const store = new UpstashTicketStore({ url, token, retentionMs, prefix, timeoutMs: GENEROUS_TIMEOUT_MS, now: () => now });
  const raw = new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });
  return {
    store,
    async advance(ms) {
      now += ms;
      await advanceRedisTtls(raw, prefix, ms);
    },
  };
}

/**
 * The first call into a Durable Object evaluates the Worker's bundle, models included: seconds
 * on a loaded machine. Doing it once here, with no deadline but the hook timeout, keeps that
 * cost out of the tests (and out of the stores' own deadlines).
 */
export async function warmUpStoreObject(): Promise<void> {
  await env.STORE.getByName("warm-up").ping();
}
