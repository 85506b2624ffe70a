import { beforeAll, describe, expect, inject, it } from "vitest";
import { handleDeadLetters, handleMessage, MAX_RETRIES, type ConsumerDeps } from "../src/queue/consumer.ts";
import type { TicketMessage } from "../src/queue/message.ts";
import type { Score } from "../src/pipeline/score.ts";
import type { TicketStore } from "../src/store/types.ts";
import { webhookConfig } from "../src/webhooks/config.ts";
import { embeddedHarness, HELD_MS, type StoreHarness, upstashHarness, warmUpStoreObject } from "./store-harness.ts";
import { hungEndpoint } from "./unreachable.ts";

type FakeMessage = Message<TicketMessage> & { acks: number; retries: (QueueRetryOptions | undefined)[] };

function delivery(ticket_id: string, attempts = 1): FakeMessage {
  const m = {
    id: crypto.randomUUID(),
    timestamp: new Date(),
    body: { ticket_id, accepted_at: new Date().toISOString() },
    attempts,
    acks: 0,
    retries: [] as (QueueRetryOptions | undefined)[],
    ack() {
      m.acks++;
    },
    retry(options?: QueueRetryOptions) {
      m.retries.push(options);
    },
  };
  return m as unknown as FakeMessage;
}

// Each test gets a fresh store with generous call budgets and a clock only advance() moves.
const stores: [string, () => StoreHarness][] = [
  ["embedded", () => embeddedHarness()],
  ["upstash", () => upstashHarness({ kind: "consumer" })],
];

beforeAll(warmUpStoreObject);

/** A per-test path on the real receiver, so tests count only their own webhooks. */
function hookUrl(): string {
  return `${inject("webhookReceiver")}/hook/${crypto.randomUUID()}`;
}
async function hooksAt(url: string): Promise<{ path: string; body: string; headers: Record<string, string> }[]> {
  const all = (await (await fetch(`${inject("webhookReceiver")}/__received`)).json()) as { path: string; body: string; headers: Record<string, string> }[];
  return all.filter((h) => url.endsWith(h.path));
}

const URGENT: Score = { category: "Technical", confidence: 0.9, urgency_score: 0.95, model_used: "m1" };

async function pending(store: TicketStore, subject = "Server down") {
  const ticket_id = crypto.randomUUID();
  await store.createPending({ ticket_id, subject, body: "Everything is broken.", accepted_at: new Date().toISOString() });
  return ticket_id;
}

describe.each(stores)("queue consumer on the %s store", (_, harness) => {
  const makeStore = () => harness().store;

  it("processes 12 simultaneous deliveries of one ticket once, with one webhook", async () => {
    const store = makeStore();
    const url = hookUrl();
    let scored = 0;
    const deps: ConsumerDeps = {
      store,
      webhook: webhookConfig({ WEBHOOK_URL: url, WEBHOOK_SECRET: "s" }),
      score: async () => {
        scored++;
        await new Promise((r) => setTimeout(r, 20));
        return URGENT;
      },
    };
    const id = await pending(store);
    const messages = Array.from({ length: 12 }, () => delivery(id));
    const outcomes = await Promise.all(messages.map((m) => handleMessage(m, deps)));

    expect(outcomes.filter((o) => o === "processed")).toHaveLength(1);
    expect(scored).toBe(1);
    // Each message got exactly one verdict: ack, or retry while the lock was held.
    for (const m of messages) expect(m.acks + m.retries.length).toBe(1);
    // Redeliver the retried ones, one after another as the queue would: harmless duplicates.
    const retried = messages.filter((m) => m.retries.length);
    expect(retried).toHaveLength(11);
    for (const _ of retried) expect(await handleMessage(delivery(id, 2), deps)).toBe("duplicate");

    const record = await store.getTicket(id);
    expect(record).toMatchObject({ status: "processed", urgency_score: 0.95, category: "Technical", model_used: "m1" });
    const hooks = await hooksAt(url);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.body).toContain(id);
    expect(hooks[0]!.headers["x-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect((await store.counts()).processed).toBe(1);
    expect(await store.counters()).toEqual({ scored_m1: 1, webhook_sent: 1 });
  });

  it("reprocesses once after a consumer died holding the lock (lock expiry)", async () => {
    const h = harness();
    const { store } = h;
    const id = await pending(store);
    // A consumer took the lock and died: nobody releases it. Its TTL cannot run out by itself
    // during the test, so the first delivery meets the lock however slow the machine is.
    const deadLockTtl = HELD_MS / 2;
    expect(await store.acquireLock(id, "dead-consumer", deadLockTtl)).toBe(true);
    const deps: ConsumerDeps = { store, webhook: webhookConfig({}), score: async () => URGENT };

    const first = delivery(id);
    expect(await handleMessage(first, deps)).toBe("locked");
    expect(first.retries).toHaveLength(1);
    expect(first.retries[0]!.delaySeconds).toBeGreaterThan(0);
    expect((await store.getTicket(id))?.status).toBe("pending");

    // The lock's TTL runs out (the ticket's own, twice as long, does not).
    await h.advance(deadLockTtl + 1_000);
    expect(await handleMessage(delivery(id, 2), deps)).toBe("processed");
    expect(await handleMessage(delivery(id, 3), deps)).toBe("duplicate");
    expect((await store.counts()).processed).toBe(1);
    // Our lock was released: the next taker gets it at once.
    expect(await store.acquireLock(id, "next", 1000)).toBe(true);
  });

  it("retries transient failures with backoff, then records the failure on the last attempt", async () => {
    const store = makeStore();
    const id = await pending(store);
    const deps: ConsumerDeps = { store, webhook: webhookConfig({}), score: async () => Promise.reject(new Error("model exploded")) };

    const early = delivery(id, 1);
    expect(await handleMessage(early, deps)).toBe("retry");
    expect(early.retries[0]!.delaySeconds).toBe(2);
    expect((await store.getTicket(id))?.status).toBe("pending");

    const last = delivery(id, MAX_RETRIES + 1);
    expect(await handleMessage(last, deps)).toBe("failed");
    expect(last.retries).toHaveLength(1);
    const record = await store.getTicket(id);
    expect(record?.status).toBe("failed");
    expect(record?.error).toContain("model exploded");
    expect((await store.counts()).pending).toBe(0);
  });

  it("keeps the ticket when the webhook target is down", async () => {
    const store = makeStore();
    const id = await pending(store);
    // Down as in "never answers": the webhook's own timeout ends the attempt (a closed port
    // would fail at once and never exercise it).
    const target = hungEndpoint();
    const cfg = { ...webhookConfig({ WEBHOOK_URL: `${target.url}/hook` }), maxAttempts: 1, timeoutMs: 200 };
    expect(await handleMessage(delivery(id), { store, webhook: cfg, score: async () => URGENT })).toBe("processed");
    expect(await target.requests()).toBe(1);
    expect((await store.popNext())?.ticket_id).toBe(id);
    expect(await store.counters()).toEqual({ scored_m1: 1, webhook_failed: 1 });
  });

  it("sends no webhook at or below the threshold", async () => {
    const store = makeStore();
    const url = hookUrl();
    const id = await pending(store);
    const deps = { store, webhook: webhookConfig({ WEBHOOK_URL: url }), score: async () => ({ ...URGENT, urgency_score: 0.8 }) };
    expect(await handleMessage(delivery(id), deps)).toBe("processed");
    expect(await hooksAt(url)).toHaveLength(0);
  });

  it("acks messages for tickets that expired or never existed", async () => {
    const store = makeStore();
    const m = delivery(crypto.randomUUID());
    expect(await handleMessage(m, { store, webhook: webhookConfig({}), score: async () => URGENT })).toBe("missing");
    expect(m.acks).toBe(1);
  });

  it("marks dead-lettered tickets failed", async () => {
    const store = makeStore();
    const id = await pending(store);
    const m = delivery(id, MAX_RETRIES + 1);
    await handleDeadLetters({ queue: "smart-support-tickets-dlq", messages: [m] } as unknown as MessageBatch<TicketMessage>, store);
    expect(m.acks).toBe(1);
    expect(await store.getTicket(id)).toMatchObject({ status: "failed" });
    expect((await store.getTicket(id))?.error).toMatch(/retries exhausted/);
  });
});
