import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { EmbeddedTicketStore } from "../src/store/embedded.ts";
import type { EmbeddedStore } from "../src/store/embedded-do.ts";
import { StoreUnavailableError } from "../src/store/errors.ts";
import type { NewTicket, StaleSweep, TicketResult, TicketStore } from "../src/store/types.ts";
import { UpstashTicketStore } from "../src/store/upstash.ts";
import { Redis } from "@upstash/redis/cloudflare";
import { ticketStoreFor } from "../src/store/select.ts";
import { advanceRedisTtls, GENEROUS_TIMEOUT_MS, HELD_MS, upstashPrefix, warmUpStoreObject } from "./store-harness.ts";
import { deadlineFired, hungEndpoint } from "./unreachable.ts";

// One contract, every implementation: the routes and consumer must not care which runs.

interface StoreHarness {
  store: TicketStore;
  /** Moves the store's injected clock: retention and delivery clocks follow it on both stores. */
  advance(ms: number): void;
  /** Lets a lock's TTL pass: Upstash locks are SET PX in Redis, on Redis' own clock. */
  outliveLock(ms: number): Promise<void>;
  /** Overwrites one stored field behind the store's back, as a bug or an old version might. */
  corrupt(id: string, field: string, value: string): Promise<void>;
}

interface StoreFactory {
  kind: TicketStore["kind"];
  make(options: { retentionMs?: number }): StoreHarness;
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
  make({ retentionMs }) {
    let now = Date.now();
    const name = `store-test-${crypto.randomUUID()}`;
    const store = new EmbeddedTicketStore({ namespace: env.STORE, name, retentionMs, timeoutMs: GENEROUS_TIMEOUT_MS, now: () => now });
    return {
      store,
      advance: (ms) => void (now += ms),
      outliveLock: async (ms) => void (now += ms),
      corrupt: (id, field, value) =>
        runInDurableObject(env.STORE.getByName(name), (_, state) => {
          state.storage.sql.exec(`UPDATE tickets SET ${field} = ? WHERE ticket_id = ?`, value, id);
        }),
    };
  },
  down() {
    const calls: string[] = [];
    const store = new EmbeddedTicketStore({ namespace: hungNamespace(calls), timeoutMs: DOWN_BUDGET_MS });
    return { store, requests: async () => calls.length };
  },
};

/** Real redis-server behind the Upstash REST bridge (test/global-setup.ts). */
const upstash: StoreFactory = {
  kind: "upstash",
  make({ retentionMs }) {
    const { url, token } = inject("upstash");
    let now = Date.now();
    const prefix = upstashPrefix("store");
    const store = new UpstashTicketStore({ url, token, retentionMs, prefix, timeoutMs: GENEROUS_TIMEOUT_MS, now: () => now });
    const raw = new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });
    return {
      store,
      advance: (ms) => void (now += ms),
      // Lock TTLs are Redis' own (SET PX): move them, rather than wait for them.
      outliveLock: (ms) => advanceRedisTtls(raw, prefix, ms),
      corrupt: async (id, field, value) => void (await raw.hset(`${prefix}ticket:${id}`, { [field]: value })),
    };
  },
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

const MINUTE = 60_000;
const DAY = 86_400_000;

beforeAll(warmUpStoreObject);

function ticket(id: string, n = 0): NewTicket {
  return {
    ticket_id: id,
    subject: `Subject ${n} – naïve “quotes” 🚀`,
    body: `Body ${n}\nsecond line`,
    accepted_at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  };
}

function result(score: number, category: TicketResult["category"] = "Billing"): TicketResult {
  return {
    category,
    urgency_score: score,
    confidence: 0.875,
    model_used: "m1",
    urgency_model: "m1",
    processed_at: "2026-01-01T00:01:00.000Z",
  };
}

async function processed(store: TicketStore, id: string, score: number): Promise<void> {
  expect(await store.createPending(ticket(id))).toBe(true);
  expect(await store.saveResult(id, result(score))).toBe("saved");
}

describe.each(storeFactories())("$kind ticket store", (factory) => {
  let h: StoreHarness;
  const fresh = (retentionMs?: number) => (h = factory.make({ retentionMs }));

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
    await h.outliveLock(HELD_MS / 2);
    expect(await store.acquireLock("t1", "early", HELD_MS)).toBe(false);
    await h.outliveLock(HELD_MS / 2 + 1_000);
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

  it("never expires a ticket still waiting in a queue, however long it waits", async () => {
    const { store } = fresh(60_000);
    await store.createPending(ticket("p"));
    await processed(store, "q", 0.9);
    h.advance(30 * DAY);
    expect(await store.getTicket("p")).toMatchObject({ status: "pending" });
    expect(await store.getTicket("q")).toMatchObject({ status: "processed" });
    expect(await store.counts()).toEqual({ pending: 1, processed: 1 });
    expect(await store.createPending(ticket("p"))).toBe(false);
    expect((await store.popNext())?.ticket_id).toBe("q");
    expect(await store.saveResult("p", result(0.2))).toBe("saved");
  });

  it("keeps a record that left the queues (popped, drained, failed) for the retention, then forgets it", async () => {
    const retention = 60_000;
    const { store } = fresh(retention);
    await processed(store, "popped", 0.9);
    await processed(store, "drained", 0.5);
    await store.createPending(ticket("failed"));
    await store.createPending(ticket("waiting"));
    // Queued for two days first: retention counts from leaving the queue, not from acceptance.
    h.advance(2 * DAY);
    expect((await store.popNext())?.ticket_id).toBe("popped");
    expect((await store.drain(10)).tickets.map((t) => t.ticket_id)).toEqual(["drained"]);
    expect(await store.markFailed("failed", "scoring failed")).toBe(true);

    h.advance(retention - 1);
    for (const id of ["popped", "drained", "failed"]) expect(await store.getTicket(id), id).not.toBeNull();
    h.advance(1);
    for (const id of ["popped", "drained", "failed"]) expect(await store.getTicket(id), id).toBeNull();
    expect(await store.getTicket("waiting")).toMatchObject({ status: "pending" });
    // Gone means gone everywhere: a late result cannot revive it, and the id is free again.
    expect(await store.saveResult("failed", result(0.1))).toBe("not_found");
    expect(await store.saveResult("popped", result(0.1))).toBe("not_found");
    expect(await store.createPending(ticket("popped"))).toBe(true);
    expect(await store.counts()).toEqual({ pending: 2, processed: 0 });
  });

  it("clears the retention of a failed ticket a late result puts back in the queue", async () => {
    const { store } = fresh(60_000);
    await store.createPending(ticket("t1"));
    await store.markFailed("t1", "gave up");
    expect(await store.saveResult("t1", result(0.4))).toBe("saved");
    h.advance(DAY);
    expect(await store.getTicket("t1")).toMatchObject({ status: "processed" });
    expect((await store.popNext())?.ticket_id).toBe("t1");
  });

  it("peeks at the ticket popNext would return, leaving it queued", async () => {
    const { store } = fresh();
    expect(await store.peekNext()).toBeNull();
    for (const [id, score] of [["a", 0.2], ["b", 0.9], ["d", 0.9], ["c", 0.5]] as const) await processed(store, id, score);
    await store.createPending(ticket("still-pending"));
    const peeked = await store.peekNext();
    expect(peeked).toEqual({ ...ticket("d"), ...result(0.9), status: "processed" });
    expect(await store.peekNext()).toEqual(peeked);
    expect(await store.counts()).toEqual({ pending: 1, processed: 4 });
    for (let top = await store.peekNext(); top; top = await store.peekNext()) {
      expect((await store.popNext())?.ticket_id).toBe(top.ticket_id);
    }
    expect(await store.popNext()).toBeNull();
  });

  it("drains pages atomically, in pop order, each ticket once, leaving pending ones", async () => {
    const { store } = fresh();
    const scores: Record<string, number> = { a: 0.2, b: 0.9, c: 0.55, d: 0.9, e: -1, f: 0, g: 0.7 };
    for (const [id, score] of Object.entries(scores)) await processed(store, id, score);
    await store.createPending(ticket("still-pending"));

    const first = await store.drain(3);
    expect(first.tickets.map((t) => t.ticket_id)).toEqual(["d", "b", "g"]);
    expect(first.tickets[0]).toEqual({ ...ticket("d"), ...result(0.9), status: "processed" });
    expect(first.remaining).toBe(4);
    const rest = await store.drain(500);
    expect(rest.tickets.map((t) => t.ticket_id)).toEqual(["c", "a", "f", "e"]);
    expect(rest.remaining).toBe(0);
    expect(await store.drain(100)).toEqual({ tickets: [], remaining: 0 });
    expect(await store.counts()).toEqual({ pending: 1, processed: 0 });
    expect(await store.getTicket("b")).toMatchObject({ status: "processed" });
    await expect(store.drain(0)).rejects.toThrow(TypeError);
    await expect(store.drain(501)).rejects.toThrow(TypeError);
  });

  it("splits 30 tickets among 8 concurrent drains and pops without loss or duplicates", async () => {
    const { store } = fresh();
    const ids = Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, "0")}`);
    await Promise.all(ids.map((id, i) => processed(store, id, (i % 7) / 7)));
    const [pages, pops] = await Promise.all([
      Promise.all(Array.from({ length: 8 }, () => store.drain(3))),
      Promise.all(Array.from({ length: 8 }, () => store.popNext())),
    ]);
    const got = [...pages.flatMap((p) => p.tickets), ...pops.flatMap((r) => (r ? [r] : []))].map((t) => t.ticket_id);
    expect(got).toHaveLength(30);
    expect([...got].sort()).toEqual(ids);
    for (const page of pages) {
      const scores = page.tickets.map((t) => t.urgency_score!);
      expect(scores).toEqual([...scores].sort((x, y) => y - x));
    }
  });

  const SWEEP: StaleSweep = { olderThanMs: 10 * MINUTE, limit: 100, maxResends: 3, failReason: "never delivered" };

  it("claims pending tickets whose delivery clock is stale, oldest first, each once per threshold", async () => {
    const { store } = fresh();
    await store.createPending(ticket("old", 1));
    h.advance(4 * MINUTE);
    await store.createPending(ticket("young", 2));
    await processed(store, "done", 0.5);
    await store.createPending(ticket("gave-up"));
    await store.markFailed("gave-up", "x");
    h.advance(6 * MINUTE);

    expect(await store.countStalePending(SWEEP.olderThanMs)).toBe(1);
    expect(await store.claimStalePending(SWEEP)).toEqual({
      resend: [{ ticket_id: "old", accepted_at: ticket("old", 1).accepted_at, resends: 1 }],
      failed: [],
    });
    // The claim restarted its clock: neither a second sweep nor /health sees it now.
    expect(await store.claimStalePending(SWEEP)).toEqual({ resend: [], failed: [] });
    expect(await store.countStalePending(SWEEP.olderThanMs)).toBe(0);

    h.advance(4 * MINUTE);
    expect((await store.claimStalePending(SWEEP)).resend.map((t) => t.ticket_id)).toEqual(["young"]);
    h.advance(6 * MINUTE);
    expect(await store.claimStalePending({ ...SWEEP, limit: 1 })).toMatchObject({ resend: [{ ticket_id: "old", resends: 2 }] });
    expect(await store.getTicket("old")).toEqual({ ...ticket("old", 1), status: "pending" });
    expect(await store.counts()).toEqual({ pending: 2, processed: 1 });
  });

  it("counts a consumer's delivery attempt as activity, so a retrying ticket is not stale", async () => {
    const { store } = fresh();
    await store.createPending(ticket("t1"));
    h.advance(9 * MINUTE);
    expect(await store.startDelivery("t1")).toEqual({ ...ticket("t1"), status: "pending" });
    h.advance(9 * MINUTE);
    expect(await store.countStalePending(SWEEP.olderThanMs)).toBe(0);
    expect(await store.claimStalePending(SWEEP)).toEqual({ resend: [], failed: [] });
    h.advance(1 * MINUTE);
    expect(await store.countStalePending(SWEEP.olderThanMs)).toBe(1);
    expect(await store.startDelivery("missing")).toBeNull();
    await processed(store, "p", 0.5);
    expect(await store.startDelivery("p")).toMatchObject({ status: "processed" });
  });

  it("fails a ticket whose re-sends are used up, with the reason, and retains it", async () => {
    const { store } = fresh(60_000);
    await store.createPending(ticket("lost"));
    for (let resend = 1; resend <= SWEEP.maxResends; resend++) {
      h.advance(SWEEP.olderThanMs);
      expect(await store.claimStalePending(SWEEP)).toMatchObject({ resend: [{ ticket_id: "lost", resends: resend }], failed: [] });
    }
    h.advance(SWEEP.olderThanMs);
    expect(await store.claimStalePending(SWEEP)).toEqual({ resend: [], failed: ["lost"] });
    expect(await store.getTicket("lost")).toMatchObject({ status: "failed", error: "never delivered" });
    expect(await store.counts()).toEqual({ pending: 0, processed: 0 });
    expect(await store.claimStalePending(SWEEP)).toEqual({ resend: [], failed: [] });
    h.advance(60_000);
    expect(await store.getTicket("lost")).toBeNull();
  });

  it("never hands one stale ticket to two of 6 concurrent sweeps", async () => {
    const { store } = fresh();
    const ids = Array.from({ length: 12 }, (_, i) => `s${String(i).padStart(2, "0")}`);
    for (const id of ids) await store.createPending(ticket(id));
    h.advance(SWEEP.olderThanMs);
    const claims = await Promise.all(Array.from({ length: 6 }, () => store.claimStalePending({ ...SWEEP, limit: 5 })));
    const got = claims.flatMap((c) => c.resend.map((t) => t.ticket_id));
    expect([...got].sort()).toEqual(ids);
  });

  it("keeps which model decided the category and which decided urgency, independently", async () => {
    const { store } = fresh();
    await store.createPending(ticket("t1", 1));
    expect(await store.saveResult("t1", { ...result(0.6), model_used: "m2", urgency_model: "m1" })).toBe("saved");
    expect(await store.getTicket("t1")).toMatchObject({ model_used: "m2", urgency_model: "m1" });
    await h.corrupt("t1", "urgency_model", "m3");
    await expect(store.getTicket("t1")).rejects.toThrow(/urgency_model/);
  });

  it("reads back only well-typed records: a stored enum outside the schema is an untrustworthy store", async () => {
    const { store } = fresh();
    await processed(store, "t1", 0.5);
    await h.corrupt("t1", "model_used", "m9");
    const error = await store.getTicket("t1").then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/model_used/);
    await processed(store, "t2", 0.5);
    await h.corrupt("t2", "category", "Sales");
    await expect(store.peekNext()).rejects.toThrow(/category/);
  });

  it("counts named counters atomically under concurrency", async () => {
    const { store } = factory.make({});
    expect(await store.counters()).toEqual({});
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.incrementCounter(i % 4 === 0 ? "webhook_failed" : "webhook_sent")));
    expect(await store.counters()).toEqual({ webhook_sent: 15, webhook_failed: 5 });
    await store.incrementCounter("sweeper_resent", 7);
    await store.incrementCounter("sweeper_resent", 5);
    expect((await store.counters()).sweeper_resent).toBe(12);
  });

  it("keeps named notes as written, last write wins, and reads an unwritten one as null", async () => {
    const { store } = factory.make({});
    expect(await store.note("consumer_report")).toBeNull();
    // JSON-looking text must come back as the same string, not parsed.
    const first = JSON.stringify({ at: "2026-12-01T10:00:00.000Z", m2: { state: "absent" } });
    await store.putNote("consumer_report", first);
    expect(await store.note("consumer_report")).toBe(first);
    await store.putNote("consumer_report", "42");
    await store.putNote("other", "x");
    expect(await store.note("consumer_report")).toBe("42");
    expect(await store.note("other")).toBe("x");
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
      ["peekNext", () => store.peekNext()],
      ["drain", () => store.drain(10)],
      ["startDelivery", () => store.startDelivery("t1")],
      ["claimStalePending", () => store.claimStalePending({ olderThanMs: 1, limit: 1, maxResends: 1, failReason: "x" })],
      ["countStalePending", () => store.countStalePending(1)],
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
  // Ops tooling and dashboards read these keys directly, so their names, scores and TTLs are contract.
  it("keeps the documented keys, scores and TTLs", async () => {
    const { url, token } = inject("upstash");
    const prefix = upstashPrefix("layout");
    const now = Date.UTC(2026, 0, 1);
    const store = new UpstashTicketStore({ url, token, prefix, timeoutMs: GENEROUS_TIMEOUT_MS, now: () => now });
    const raw = new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });

    const started = Date.now();
    await store.createPending(ticket("t1"));
    await store.createPending(ticket("t2"));
    await store.createPending(ticket("t3"));
    expect(await store.saveResult("t1", result(0.625))).toBe("saved");
    expect(await store.acquireLock("t1", "owner", HELD_MS)).toBe(true);
    expect(await store.claimWebhook("t1")).toBe(true);

    expect(await raw.hget(`${prefix}ticket:t1`, "status")).toBe("processed");
    expect(Number(await raw.zscore(`${prefix}processed_tickets`, "t1"))).toBe(0.625);
    expect(await raw.zscore(`${prefix}pending_tickets`, "t1")).toBeNull();
    // pending_tickets is scored by the delivery clock (ms), which the sweeper range-scans.
    expect(Number(await raw.zscore(`${prefix}pending_tickets`, "t2"))).toBe(now);
    expect(await raw.get(`${prefix}lock:ticket:t1`)).toBe("owner");
    // Queued tickets carry no TTL; popped and failed ones get the retention (24 h by default).
    expect(await raw.pttl(`${prefix}ticket:t1`)).toBe(-1);
    expect(await raw.pttl(`${prefix}ticket:t2`)).toBe(-1);
    expect((await store.popNext())?.ticket_id).toBe("t1");
    expect(await store.markFailed("t2", "x")).toBe(true);
    for (const id of ["t1", "t2"]) {
      const ttl = await raw.pttl(`${prefix}ticket:${id}`);
      // The retention, less at most the time since the first write: the bound widens with slowness.
      expect(ttl, id).toBeGreaterThanOrEqual(86_400_000 - (Date.now() - started) - 1);
      expect(ttl, id).toBeLessThanOrEqual(86_400_000);
      expect(Number(await raw.hget(`${prefix}ticket:${id}`, "expires_at")), id).toBe(now + 86_400_000);
    }
    expect(await raw.pttl(`${prefix}webhook:ticket:t1`)).toBeGreaterThanOrEqual(86_400_000 - (Date.now() - started) - 1);
    expect(await raw.pttl(`${prefix}lock:ticket:t1`)).toBeGreaterThan(0);
    expect(await raw.pttl(`${prefix}lock:ticket:t1`)).toBeLessThanOrEqual(HELD_MS);
    await store.claimStalePending({ olderThanMs: 0, limit: 10, maxResends: 5, failReason: "x" });
    expect(await raw.hget(`${prefix}ticket:t3`, "resends")).toBe("1");
    // Notes (the consumer's report for /health) are one hash, no TTL.
    await store.putNote("consumer_report", "{}");
    expect(await raw.hget(`${prefix}notes`, "consumer_report")).toBe("{}");
    expect(await raw.pttl(`${prefix}notes`)).toBe(-1);
  });

  it("drops index entries whose hash is gone instead of handing them out", async () => {
    const { url, token } = inject("upstash");
    const prefix = upstashPrefix("ghosts");
    const store = new UpstashTicketStore({ url, token, prefix, timeoutMs: GENEROUS_TIMEOUT_MS });
    const raw = new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });
    await processed(store, "kept", 0.1);
    await raw.zadd(`${prefix}processed_tickets`, { score: 0.9, member: "ghost" });
    await raw.zadd(`${prefix}pending_tickets`, { score: 0, member: "ghost" });

    expect((await store.peekNext())?.ticket_id).toBe("kept");
    expect(await store.claimStalePending({ olderThanMs: 0, limit: 10, maxResends: 5, failReason: "x" })).toEqual({ resend: [], failed: [] });
    expect(await store.counts()).toEqual({ pending: 0, processed: 1 });
    expect(await store.drain(10)).toMatchObject({ tickets: [{ ticket_id: "kept" }], remaining: 0 });
  });
});

describe("embedded store schema upgrade", () => {
  it("keeps an old object's queued tickets, never expiring, and sweeps its old pending ones", async () => {
    const name = `legacy-${crypto.randomUUID()}`;
    const stub = env.STORE.getByName(name);
    const inAnHour = Date.now() + 3_600_000;
    // Rebuild the object's tables as the first schema left them (1 h TTL on every row).
    await runInDurableObject(stub, (_, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE tickets");
      sql.exec(`CREATE TABLE tickets (ticket_id TEXT PRIMARY KEY, subject TEXT NOT NULL, body TEXT NOT NULL,
        status TEXT NOT NULL, accepted_at TEXT NOT NULL, category TEXT, urgency_score REAL, confidence REAL,
        model_used TEXT, processed_at TEXT, error TEXT, expires_at INTEGER NOT NULL, queue_score REAL)`);
      sql.exec("INSERT INTO tickets (ticket_id, subject, body, status, accepted_at, expires_at) VALUES ('old-pending', 's', 'b', 'pending', 'x', ?)", inAnHour);
      sql.exec(`INSERT INTO tickets (ticket_id, subject, body, status, accepted_at, category, urgency_score, confidence,
        model_used, processed_at, expires_at, queue_score) VALUES ('old-queued', 's', 'b', 'processed', 'x', 'Legal', 0.5, 0.5, 'm1', 'y', ?, 0.5)`, inAnHour);
    });
    await evictDurableObject(stub);

    let now = Date.now();
    const store = new EmbeddedTicketStore({ namespace: env.STORE, name, timeoutMs: GENEROUS_TIMEOUT_MS, now: () => now });
    now += 2 * DAY;
    expect(await store.counts()).toEqual({ pending: 1, processed: 1 });
    const claim = await store.claimStalePending({ olderThanMs: 10 * MINUTE, limit: 10, maxResends: 5, failReason: "x" });
    expect(claim.resend.map((t) => t.ticket_id)).toEqual(["old-pending"]);
    const popped = await store.popNext();
    expect(popped?.ticket_id).toBe("old-queued");
    // Scored before urgency_model existed: the field is absent, not invented.
    expect(popped).not.toHaveProperty("urgency_model");
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
