import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { EmbeddedTicketStore } from "../src/store/embedded.ts";
import type { EmbeddedStore } from "../src/store/embedded-do.ts";
import { StoreUnavailableError } from "../src/store/errors.ts";
import type { NewTicket, TicketResult, TicketStore } from "../src/store/types.ts";
import { UpstashTicketStore } from "../src/store/upstash.ts";
import { Redis } from "@upstash/redis/cloudflare";
import { ticketStoreFor } from "../src/store/select.ts";
import {
  embeddedHarness,
  GENEROUS_TIMEOUT_MS,
  HELD_MS,
  type StoreHarness,
  upstashHarness,
  upstashPrefix,
  warmUpStoreObject,
} from "./store-harness.ts";
import { deadlineFired, hungEndpoint } from "./unreachable.ts";

// One contract, every implementation: the routes and consumer must not care which runs.

interface StoreFactory {
  kind: TicketStore["kind"];
  make(options: { ttlMs?: number }): StoreHarness;
  /** A store whose backend never answers, with a call budget of DOWN_BUDGET_MS. */
  down(): { store: TicketStore; requests(): Promise<number> };
}

const DOWN_BUDGET_MS = 150;

/** A DO namespace whose instance never answers: the embedded store's "down". */
function hungNamespace(calls: string[] = []) {
  return {
    getByName: () =>
      new Proxy({}, { get: (_, method) => () => (calls.push(String(method)), new Promise(() => {})) }),
  } as unknown as DurableObjectNamespace<EmbeddedStore>;
}

const embedded: StoreFactory = {
  kind: "embedded",
  make: embeddedHarness,
  down() {
    const calls: string[] = [];
    const store = new EmbeddedTicketStore({ namespace: hungNamespace(calls), timeoutMs: DOWN_BUDGET_MS });
    return { store, requests: async () => calls.length };
  },
};

/** Real redis-server behind the Upstash REST bridge (test/global-setup.ts). */
const upstash: StoreFactory = {
  kind: "upstash",
  make: upstashHarness,
  // Accepts the connection, never answers: only the store's own deadline can end each call.
  down() {
    const hung = hungEndpoint();
    const store = new UpstashTicketStore({ url: hung.url, token: "t", timeoutMs: DOWN_BUDGET_MS });
    return { store, requests: hung.requests };
  },
};

function storeFactories(): StoreFactory[] {
  return [embedded, upstash];
}

beforeAll(warmUpStoreObject);

function ticket(id: string, n = 0): NewTicket {
  return {
    ticket_id: id,
    subject: `Subject ${n} – naïve “quotes” 🚀`,
    body: `Body ${n}\nsecond line`,
    accepted_at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  };
}

function result(score: number, category = "Billing"): TicketResult {
  return {
    category,
    urgency_score: score,
    confidence: 0.875,
    model_used: "m1",
    processed_at: "2026-01-01T00:01:00.000Z",
  };
}

async function processed(store: TicketStore, id: string, score: number): Promise<void> {
  expect(await store.createPending(ticket(id))).toBe(true);
  expect(await store.saveResult(id, result(score))).toBe("saved");
}

describe.each(storeFactories())("$kind ticket store", (factory) => {
  let h: StoreHarness;
  const fresh = (ttlMs?: number) => (h = factory.make({ ttlMs }));

  it("creates a pending ticket once and reads it back", async () => {
    const { store } = fresh();
    expect(store.kind).toBe(factory.kind);
    expect(await store.getTicket("t1")).toBeNull();
    expect(await store.createPending(ticket("t1", 1))).toBe(true);
    expect(await store.createPending({ ...ticket("t1", 2), subject: "other" })).toBe(false);
    expect(await store.getTicket("t1")).toEqual({ ...ticket("t1", 1), status: "pending" });
    expect(await store.counts()).toEqual({ pending: 1, processed: 0 });
  });

  it("deletes a ticket and every index entry for it", async () => {
    const { store } = fresh();
    await store.createPending(ticket("a"));
    await processed(store, "b", 0.5);
    expect(await store.deleteTicket("a")).toBe(true);
    expect(await store.deleteTicket("b")).toBe(true);
    expect(await store.deleteTicket("a")).toBe(false);
    expect(await store.getTicket("a")).toBeNull();
    expect(await store.counts()).toEqual({ pending: 0, processed: 0 });
    expect(await store.popNext()).toBeNull();
  });

  it("saves a result once: fields typed, pending moves to processed", async () => {
    const { store } = fresh();
    await store.createPending(ticket("t1", 1));
    expect(await store.saveResult("t1", result(0.75))).toBe("saved");
    expect(await store.getTicket("t1")).toEqual({
      ...ticket("t1", 1),
      ...result(0.75),
      status: "processed",
    });
    expect(await store.counts()).toEqual({ pending: 0, processed: 1 });

    expect(await store.saveResult("t1", result(0.1, "Legal"))).toBe("already_processed");
    expect(await store.getTicket("t1")).toMatchObject({ category: "Billing", urgency_score: 0.75 });
    expect(await store.counts()).toEqual({ pending: 0, processed: 1 });
    expect(await store.saveResult("missing", result(0.5))).toBe("not_found");
    expect(await store.getTicket("missing")).toBeNull();
  });

  it("never requeues a popped ticket when its result is saved again", async () => {
    const { store } = fresh();
    await processed(store, "t1", 0.5);
    expect((await store.popNext())?.ticket_id).toBe("t1");
    expect(await store.saveResult("t1", result(0.5))).toBe("already_processed");
    expect(await store.popNext()).toBeNull();
    expect(await store.getTicket("t1")).toMatchObject({ status: "processed", urgency_score: 0.5 });
  });

  it("rejects a non-finite score before touching the store", async () => {
    const { store } = fresh();
    await store.createPending(ticket("t1"));
    await expect(store.saveResult("t1", result(Number.NaN))).rejects.toThrow(TypeError);
    expect(await store.getTicket("t1")).toMatchObject({ status: "pending" });
  });

  it("marks only pending tickets failed; a later result supersedes the failure", async () => {
    const { store } = fresh();
    await store.createPending(ticket("t1"));
    expect(await store.markFailed("t1", "scoring timed out")).toBe(true);
    expect(await store.getTicket("t1")).toMatchObject({ status: "failed", error: "scoring timed out" });
    expect(await store.counts()).toEqual({ pending: 0, processed: 0 });
    expect(await store.markFailed("t1", "again")).toBe(false);
    expect(await store.markFailed("missing", "x")).toBe(false);

    expect(await store.saveResult("t1", result(0.4))).toBe("saved");
    const record = await store.getTicket("t1");
    expect(record).toMatchObject({ status: "processed", urgency_score: 0.4 });
    expect(record).not.toHaveProperty("error");
    expect(await store.markFailed("t1", "late")).toBe(false);
  });

  it("pops by descending score, ties by greatest id, then empty", async () => {
    const { store } = fresh();
    const scores: Record<string, number> = { a: 0.2, b: 0.9, c: 0.55, d: 0.9, e: -1, f: 0 };
    for (const [id, score] of Object.entries(scores)) await processed(store, id, score);
    await store.createPending(ticket("still-pending"));

    const order: string[] = [];
    for (let r = await store.popNext(); r; r = await store.popNext()) order.push(r.ticket_id);
    expect(order).toEqual(["d", "b", "c", "a", "f", "e"]);
    expect(await store.counts()).toEqual({ pending: 1, processed: 0 });
    expect(await store.getTicket("b")).toMatchObject({ status: "processed", urgency_score: 0.9 });
  });

  it("hands each ticket to exactly one of 50 concurrent pops", async () => {
    const { store } = fresh();
    const ids = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, "0")}`);
    await Promise.all(ids.map((id, i) => processed(store, id, i / 20)));

    const popped = await Promise.all(Array.from({ length: 50 }, () => store.popNext()));
    const got = popped.flatMap((r) => (r ? [r.ticket_id] : []));
    expect(got).toHaveLength(20);
    expect([...got].sort()).toEqual(ids);
    expect(popped.filter((r) => r === null)).toHaveLength(30);
    expect(await store.counts()).toEqual({ pending: 0, processed: 0 });
  });

  it("locks with NX and releases only for the owner", async () => {
    const { store } = fresh();
    expect(await store.acquireLock("t1", "owner-a", HELD_MS)).toBe(true);
    expect(await store.acquireLock("t1", "owner-b", HELD_MS)).toBe(false);
    expect(await store.acquireLock("t2", "owner-b", HELD_MS)).toBe(true);

    expect(await store.releaseLock("t1", "owner-b")).toBe(false);
    expect(await store.acquireLock("t1", "owner-c", HELD_MS)).toBe(false);
    expect(await store.releaseLock("t1", "owner-a")).toBe(true);
    expect(await store.releaseLock("t1", "owner-a")).toBe(false);
    expect(await store.acquireLock("t1", "owner-c", HELD_MS)).toBe(true);
  });

  it("lets one of many concurrent lockers win", async () => {
    const { store } = fresh();
    const wins = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.acquireLock("t1", `owner-${i}`, HELD_MS)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it("expires a lock so a stuck owner cannot block forever", async () => {
    const { store } = fresh();
    // A TTL that real time cannot use up during the test: only advance() ends it.
    expect(await store.acquireLock("t1", "stuck", HELD_MS)).toBe(true);
    await h.advance(HELD_MS / 2);
    expect(await store.acquireLock("t1", "early", HELD_MS)).toBe(false);
    await h.advance(HELD_MS / 2 + 1_000);
    expect(await store.acquireLock("t1", "next", HELD_MS)).toBe(true);
    expect(await store.releaseLock("t1", "stuck")).toBe(false);
    expect(await store.acquireLock("t1", "third", HELD_MS)).toBe(false);
  });

  it("claims a webhook exactly once under 12 concurrent calls", async () => {
    const { store } = fresh();
    const claims = await Promise.all(Array.from({ length: 12 }, () => store.claimWebhook("t1")));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.claimWebhook("t1")).toBe(false);
    expect(await store.claimWebhook("t2")).toBe(true);
  });

  it("expires records, queue entries and markers after the TTL", async () => {
    // A TTL no real delay can use up: only advance() makes it lapse, so the checks before it
    // hold however slow the machine is.
    const ttlMs = HELD_MS;
    const { store } = fresh(ttlMs);
    await store.createPending(ticket("p"));
    await processed(store, "q", 0.9);
    expect(await store.claimWebhook("q")).toBe(true);
    expect(await store.counts()).toEqual({ pending: 1, processed: 1 });

    // Halfway: everything is still there (with half an hour of real time to spare).
    await h.advance(ttlMs / 2);
    expect(await store.getTicket("p")).toMatchObject({ status: "pending" });
    expect(await store.counts()).toEqual({ pending: 1, processed: 1 });
    expect(await store.claimWebhook("q")).toBe(false);

    await h.advance(ttlMs / 2 + 1_000);
    expect(await store.getTicket("p")).toBeNull();
    expect(await store.getTicket("q")).toBeNull();
    expect(await store.counts()).toEqual({ pending: 0, processed: 0 });
    expect(await store.popNext()).toBeNull();
    expect(await store.claimWebhook("q")).toBe(true);
    expect(await store.createPending(ticket("p"))).toBe(true);
    expect(await store.saveResult("q", result(0.1))).toBe("not_found");
  });

  it("counts named counters atomically under concurrency", async () => {
    const { store } = factory.make({});
    expect(await store.counters()).toEqual({});
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.incrementCounter(i % 4 === 0 ? "webhook_failed" : "webhook_sent")));
    expect(await store.counters()).toEqual({ webhook_sent: 15, webhook_failed: 5 });
  });

  it("pings", async () => {
    await expect(fresh().store.ping()).resolves.toBeUndefined();
  });

  // Down as in "never answers": no error arrives, so only the store's own deadline can end
  // each call. Asserting that the deadline fired (its message, with the configured budget)
  // proves the bound without measuring milliseconds, which a loaded machine would distort.
  it("raises StoreUnavailableError from its own deadline when the backend never answers", async () => {
    const { store, requests } = factory.down();
    const calls: Array<[string, () => Promise<unknown>]> = [
      ["ping", () => store.ping()],
      ["createPending", () => store.createPending(ticket("t1"))],
      ["getTicket", () => store.getTicket("t1")],
      ["acquireLock", () => store.acquireLock("t1", "o", 1000)],
      ["popNext", () => store.popNext()],
      ["counts", () => store.counts()],
    ];
    for (const [operation, call] of calls) {
      const error = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, operation).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).operation).toBe(operation);
      expect((error as Error).message, operation).toMatch(deadlineFired(DOWN_BUDGET_MS));
    }
    // Each call really reached the backend and was left hanging there.
    expect(await requests()).toBe(calls.length);
  });
});

describe("embedded store isolation", () => {
  it("keeps separate Durable Object names apart", async () => {
    const timeoutMs = GENEROUS_TIMEOUT_MS;
    const a = new EmbeddedTicketStore({ namespace: env.STORE, name: `iso-a-${crypto.randomUUID()}`, timeoutMs });
    const b = new EmbeddedTicketStore({ namespace: env.STORE, name: `iso-b-${crypto.randomUUID()}`, timeoutMs });
    await a.createPending(ticket("t1"));
    expect(await b.getTicket("t1")).toBeNull();
    expect(await b.counts()).toEqual({ pending: 0, processed: 0 });
  });

  it("times out a hung Durable Object at the configured budget", async () => {
    const store = new EmbeddedTicketStore({ namespace: hungNamespace(), timeoutMs: 200 });
    const started = Date.now();
    await expect(store.ping()).rejects.toThrow(/ping.*timed out after 200 ms/);
    // A lower bound only: slowness can lengthen the wait, never shorten it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe("upstash key layout", () => {
  // Ops tooling and dashboards read these keys directly, so their names and TTLs are contract.
  it("keeps the documented keys, scores and TTLs", async () => {
    const { url, token } = inject("upstash");
    const prefix = upstashPrefix("layout");
    const store = new UpstashTicketStore({ url, token, prefix, timeoutMs: GENEROUS_TIMEOUT_MS });
    const raw = new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });

    const started = Date.now();
    await store.createPending(ticket("t1"));
    await store.createPending(ticket("t2"));
    expect(await store.saveResult("t1", result(0.625))).toBe("saved");
    expect(await store.acquireLock("t1", "owner", HELD_MS)).toBe(true);
    expect(await store.claimWebhook("t1")).toBe(true);

    expect(await raw.hget(`${prefix}ticket:t1`, "status")).toBe("processed");
    expect(Number(await raw.zscore(`${prefix}processed_tickets`, "t1"))).toBe(0.625);
    expect(await raw.zscore(`${prefix}pending_tickets`, "t1")).toBeNull();
    expect(await raw.zscore(`${prefix}pending_tickets`, "t2")).not.toBeNull();
    expect(await raw.get(`${prefix}lock:ticket:t1`)).toBe("owner");
    const ttl = await raw.pttl(`${prefix}ticket:t1`);
    const webhookTtl = await raw.pttl(`${prefix}webhook:ticket:t1`);
    const lockTtl = await raw.pttl(`${prefix}lock:ticket:t1`);
    // An hour, less at most the time since the first write (plus 1 ms of rounding): the
    // lower bound widens with slowness instead of failing because of it.
    const hourLeft = 3_600_000 - (Date.now() - started) - 1;
    expect(ttl).toBeGreaterThanOrEqual(hourLeft);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    expect(webhookTtl).toBeGreaterThanOrEqual(hourLeft);
    expect(webhookTtl).toBeLessThanOrEqual(3_600_000);
    expect(lockTtl).toBeGreaterThan(0);
    expect(lockTtl).toBeLessThanOrEqual(HELD_MS);
  });
});

describe("ticketStoreFor", () => {
  it("uses Upstash only when both settings are present", async () => {
    const { url, token } = inject("upstash");
    const both = ticketStoreFor(
      { STORE: env.STORE, UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token },
      { timeoutMs: GENEROUS_TIMEOUT_MS },
    );
    expect(both.kind).toBe("upstash");
    await expect(both.ping()).resolves.toBeUndefined();

    expect(ticketStoreFor({ STORE: env.STORE, UPSTASH_REDIS_REST_URL: url }).kind).toBe("embedded");
    expect(ticketStoreFor({ STORE: env.STORE, UPSTASH_REDIS_REST_URL: " ", UPSTASH_REDIS_REST_TOKEN: token }).kind)
      .toBe("embedded");
    expect(ticketStoreFor({ STORE: env.STORE }).kind).toBe("embedded");
  });

  it("passes timeout tuning through", async () => {
    // Against a backend that never answers, the tuned budget is the one that fires, and the
    // message names it (the default would read 1500 ms). Why it is settleWithin's message and
    // not the request's AbortSignal, set to the same budget: for ping, the client sends the
    // request (and creates that signal) a few microtasks after settleWithin set its timer, on
    // the same clock reading, so settleWithin's timer is the earlier one. Order, not speed.
    const hung = hungEndpoint();
    const store = ticketStoreFor({ STORE: env.STORE, ...hung.upstashEnv }, { timeoutMs: 50 });
    const error = await store.ping().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toBe("ticket store unavailable during ping: timed out after 50 ms");
  });
});
