// The processed queue's agent features on both ticket stores, one contract: per-category
// pulls, leases (claim / ack / release / expiry on the injected clock), listing, per-category
// status, Idempotency-Key reservations, tenants' separate stores, and stores written before
// the per-category index existed.
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { Redis } from "@upstash/redis/cloudflare";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { CATEGORIES } from "../src/ml/categories.ts";
import { EmbeddedTicketStore } from "../src/store/embedded.ts";
import { embeddedNameFor, ticketStoreFor, upstashPrefixFor } from "../src/store/select.ts";
import type { ClaimRequest, ListRequest, NewTicket, TicketResult, TicketStore } from "../src/store/types.ts";
import { UpstashTicketStore } from "../src/store/upstash.ts";
import { embeddedHarness, GENEROUS_TIMEOUT_MS, type StoreHarness, upstashHarness, upstashPrefix, warmUpStoreObject } from "./store-harness.ts";

beforeAll(warmUpStoreObject);

const MINUTE = 60_000;
const RETENTION = 60 * MINUTE;

const harnesses: [string, () => StoreHarness][] = [
  ["embedded", () => embeddedHarness({ retentionMs: RETENTION })],
  ["upstash", () => upstashHarness({ retentionMs: RETENTION, kind: "queues" })],
];

type Cat = TicketResult["category"];

function ticket(id: string): NewTicket {
  return { ticket_id: id, subject: `Subject ${id}`, body: `Body ${id}`, accepted_at: "2026-01-01T00:00:00.000Z" };
}

function result(score: number, category: Cat): TicketResult {
  return { category, urgency_score: score, confidence: 0.5, model_used: "m1", urgency_model: "m1", processed_at: "2026-01-01T00:01:00.000Z" };
}

async function processed(store: TicketStore, id: string, score: number, category: Cat = "Billing"): Promise<void> {
  expect(await store.createPending(ticket(id))).toBe(true);
  expect(await store.saveResult(id, result(score, category))).toBe("saved");
}

const claimOf = (overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
  category: null,
  leaseId: crypto.randomUUID(),
  leaseMs: 5 * MINUTE,
  agent: null,
  ...overrides,
});

const listOf = (overrides: Partial<ListRequest> = {}): ListRequest => ({ category: null, state: null, limit: 50, after: null, ...overrides });

async function popAll(store: TicketStore, category: Cat | null = null): Promise<string[]> {
  const out: string[] = [];
  for (let r = await store.popNext(category); r; r = await store.popNext(category)) out.push(r.ticket_id);
  return out;
}

/** Every page of a listing, following next cursors, as ids. */
async function listAll(store: TicketStore, request: Partial<ListRequest>): Promise<string[]> {
  const ids: string[] = [];
  let after: ListRequest["after"] = null;
  for (let page = 0; page < 100; page++) {
    const got = await store.list(listOf({ ...request, after }));
    ids.push(...got.tickets.map((t) => t.ticket_id));
    if (!got.next) return ids;
    after = got.next;
  }
  throw new Error("listing did not end");
}

describe.each(harnesses)("%s store: per-category pulls", (_, make) => {
  it("pops and peeks one category in its own order, and a pop from either order removes from both", async () => {
    const { store } = make();
    await processed(store, "b1", 0.3, "Billing");
    await processed(store, "t1", 0.9, "Technical");
    await processed(store, "b2", 0.7, "Billing");
    await processed(store, "l1", 0.5, "Legal");
    await processed(store, "t2", 0.1, "Technical");

    expect((await store.peekNext("Billing"))?.ticket_id).toBe("b2");
    expect((await store.peekNext("Legal"))?.ticket_id).toBe("l1");
    expect((await store.popNext("Billing"))?.ticket_id).toBe("b2");
    // Gone from the global order too: the global head is t1, then b1 is next after l1.
    expect((await store.popNext())?.ticket_id).toBe("t1");
    // And the global pop took t1 out of Technical's order.
    expect((await store.peekNext("Technical"))?.ticket_id).toBe("t2");
    expect(await store.counts()).toEqual({ pending: 0, processed: 3 });
    expect(await popAll(store, "Billing")).toEqual(["b1"]);
    expect(await store.popNext("Billing")).toBeNull();
    expect(await popAll(store)).toEqual(["l1", "t2"]);
    expect(await store.peekNext("Technical")).toBeNull();
  });

  it("drains every category and leaves no category order behind", async () => {
    const { store } = make();
    await processed(store, "b", 0.2, "Billing");
    await processed(store, "t", 0.8, "Technical");
    expect((await store.drain(10)).tickets.map((t) => t.ticket_id)).toEqual(["t", "b"]);
    expect(await store.popNext("Billing")).toBeNull();
    expect(await store.popNext("Technical")).toBeNull();
  });

  it("deletes a ticket out of its category's order and its lease", async () => {
    const { store } = make();
    await processed(store, "a", 0.5, "Legal");
    await processed(store, "c", 0.4, "Legal");
    expect((await store.claimNext(claimOf({ category: "Legal" })))?.record.ticket_id).toBe("a");
    expect(await store.deleteTicket("a")).toBe(true);
    expect(await store.deleteTicket("c")).toBe(true);
    expect(await store.popNext("Legal")).toBeNull();
    expect((await store.queueStatus()).claimed).toBe(0);
  });

  it("refuses an unknown category before touching the store", async () => {
    const { store } = make();
    await processed(store, "a", 0.5);
    await expect(store.claimNext(claimOf({ category: "Sales" as Cat }))).rejects.toThrow(TypeError);
    await expect(store.list(listOf({ category: "Sales" as Cat }))).rejects.toThrow(TypeError);
    expect((await store.peekNext())?.ticket_id).toBe("a");
  });
});

describe.each(harnesses)("%s store: leases", (_, make) => {
  it("claims the head out of the waiting order; ack finishes it and starts its retention", async () => {
    const h = make();
    const { store } = h;
    await processed(store, "low", 0.2);
    await processed(store, "high", 0.9);
    const claimed = await store.claimNext(claimOf({ leaseId: "lease-1", agent: "alice" }));
    expect(claimed?.record).toMatchObject({ ticket_id: "high", status: "processed", lease: { id: "lease-1", agent: "alice" } });
    expect(claimed?.lease).toEqual(claimed?.record.lease);
    expect((await store.getTicket("high"))?.lease).toEqual(claimed?.lease);
    // Out of the waiting order: not peeked, popped, drained or counted as waiting.
    expect((await store.peekNext())?.ticket_id).toBe("low");
    expect(await store.counts()).toEqual({ pending: 0, processed: 1 });
    expect((await store.queueStatus()).claimed).toBe(1);

    expect(await store.ackLease("high", "wrong")).toEqual({ ok: false, reason: "stale" });
    const acked = await store.ackLease("high", "lease-1");
    expect(acked.ok).toBe(true);
    expect(acked.ok && acked.record).toMatchObject({ ticket_id: "high", status: "processed" });
    expect(acked.ok && acked.record).not.toHaveProperty("lease");
    expect(await store.ackLease("high", "lease-1")).toEqual({ ok: false, reason: "stale" });
    expect(await store.releaseLease("high", "lease-1")).toEqual({ ok: false, reason: "stale" });
    expect((await store.queueStatus()).claimed).toBe(0);
    expect((await store.drain(10)).tickets.map((t) => t.ticket_id)).toEqual(["low"]);

    // Upstash's harness moves Redis' own TTLs too, and real time counts there: a minute of slack.
    await h.advance(RETENTION - MINUTE);
    expect(await store.getTicket("high")).not.toBeNull();
    await h.advance(MINUTE);
    expect(await store.getTicket("high")).toBeNull();
    expect(await store.ackLease("high", "lease-1")).toEqual({ ok: false, reason: "unknown" });
    expect(await store.ackLease("never", "x")).toEqual({ ok: false, reason: "unknown" });
    // A ticket still being scored was never claimed: any lease for it is stale.
    await store.createPending(ticket("scoring"));
    expect(await store.releaseLease("scoring", "lease-1")).toEqual({ ok: false, reason: "stale" });
    expect(await store.getTicket("scoring")).toMatchObject({ status: "pending" });
  });

  it("release puts the ticket back at its old place; a stale release changes nothing", async () => {
    const { store } = make();
    for (const [id, score] of [["a", 0.9], ["b", 0.6], ["c", 0.6], ["d", 0.1]] as const) await processed(store, id, score);
    // ties pop by the greatest id: a, c, b, d
    const first = await store.claimNext(claimOf());
    const second = await store.claimNext(claimOf());
    expect([first?.record.ticket_id, second?.record.ticket_id]).toEqual(["a", "c"]);
    await processed(store, "e", 0.6);
    expect(await store.releaseLease("c", first!.lease.id)).toEqual({ ok: false, reason: "stale" });
    expect((await store.queueStatus()).claimed).toBe(2);
    const released = await store.releaseLease("c", second!.lease.id);
    expect(released.ok && released.record).toMatchObject({ ticket_id: "c" });
    expect(released.ok && released.record).not.toHaveProperty("lease");
    expect(await store.releaseLease("a", first!.lease.id)).toMatchObject({ ok: true });
    expect(await popAll(store)).toEqual(["a", "e", "c", "b", "d"]);
  });

  it("a lease that runs out puts the ticket back at its place, applied lazily by the next call", async () => {
    const h = make();
    const { store } = h;
    await processed(store, "x", 0.8, "Technical");
    await processed(store, "y", 0.5, "Technical");
    const lease = (await store.claimNext(claimOf({ category: "Technical", leaseMs: 10_000 })))!.lease;
    await h.advance(9_999);
    expect((await store.getTicket("x"))?.lease?.id).toBe(lease.id);
    expect((await store.peekNext("Technical"))?.ticket_id).toBe("y");
    await h.advance(1);
    // A read shows it unleased before any write applied the expiry.
    expect(await store.getTicket("x")).not.toHaveProperty("lease");
    expect((await store.peekNext("Technical"))?.ticket_id).toBe("x");
    expect(await store.ackLease("x", lease.id)).toEqual({ ok: false, reason: "stale" });
    const again = await store.claimNext(claimOf({ agent: "bob" }));
    expect(again?.record.ticket_id).toBe("x");
    expect(again?.lease.agent).toBe("bob");
    expect(await store.ackLease("x", again!.lease.id)).toMatchObject({ ok: true });
    expect(await popAll(store, "Technical")).toEqual(["y"]);
  });

  it("expires leases before counting, listing and draining", async () => {
    const h = make();
    const { store } = h;
    await processed(store, "a", 0.5, "Legal");
    await store.claimNext(claimOf({ leaseMs: 1_000 }));
    expect(await store.counts()).toMatchObject({ processed: 0 });
    expect((await store.list(listOf({ state: "claimed" }))).tickets.map((t) => t.ticket_id)).toEqual(["a"]);
    await h.advance(1_000);
    expect(await store.counts()).toMatchObject({ processed: 1 });
    const status = await store.queueStatus();
    expect(status.claimed).toBe(0);
    expect(status.by_category.Legal!.processed).toBe(1);
    expect((await store.list(listOf({ state: "claimed" }))).tickets).toEqual([]);
    expect((await store.drain(10)).tickets.map((t) => t.ticket_id)).toEqual(["a"]);
  });

  it("gives each of 20 tickets to exactly one of 50 concurrent claims, and each lease acks once", async () => {
    const { store } = make();
    const ids = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, "0")}`);
    await Promise.all(ids.map((id, i) => processed(store, id, i / 20, CATEGORIES[i % CATEGORIES.length] as Cat)));
    const claims = await Promise.all(Array.from({ length: 50 }, (_, i) => store.claimNext(claimOf({ category: i % 2 ? null : (CATEGORIES[i % CATEGORIES.length] as Cat) }))));
    const got = claims.flatMap((c) => (c ? [c] : []));
    expect(got.map((c) => c.record.ticket_id).sort()).toEqual(ids);
    // Two concurrent acks per lease: exactly one wins each.
    const acks = await Promise.all(got.flatMap((c) => [store.ackLease(c.record.ticket_id, c.lease.id), store.ackLease(c.record.ticket_id, c.lease.id)]));
    expect(acks.filter((a) => a.ok)).toHaveLength(20);
    expect(acks.filter((a) => !a.ok && a.reason === "stale")).toHaveLength(20);
    expect(await store.queueStatus()).toMatchObject({ processed: 0, claimed: 0 });
  });

  it("refuses a non-positive lease length before touching the store", async () => {
    const { store } = make();
    await processed(store, "a", 0.5);
    await expect(store.claimNext(claimOf({ leaseMs: 0 }))).rejects.toThrow(TypeError);
    expect((await store.peekNext())?.ticket_id).toBe("a");
  });
});

describe.each(harnesses)("%s store: listing and status", (_, make) => {
  it("lists waiting and claimed tickets in queue order, by state and category, paging through ties", async () => {
    const { store } = make();
    const seeded: [string, number, Cat][] = [
      ["a", 0.9, "Billing"], ["b", 0.5, "Technical"], ["c", 0.5, "Billing"], ["d", 0.5, "Legal"],
      ["e", 0.5, "Billing"], ["f", 0.2, "Technical"], ["g", 0.95, "Legal"],
    ];
    for (const [id, score, cat] of seeded) await processed(store, id, score, cat);
    await store.createPending(ticket("pending-one"));
    const claimed = await store.claimNext(claimOf({ category: "Billing", agent: "alice" })); // a
    expect(claimed?.record.ticket_id).toBe("a");

    const order = ["g", "a", "e", "d", "c", "b", "f"];
    expect(await listAll(store, { limit: 500 })).toEqual(order);
    for (const limit of [1, 2, 3]) expect(await listAll(store, { limit }), `limit ${limit}`).toEqual(order);
    expect(await listAll(store, { limit: 2, state: "processed" })).toEqual(order.filter((id) => id !== "a"));
    expect(await listAll(store, { state: "claimed" })).toEqual(["a"]);
    expect(await listAll(store, { limit: 1, category: "Billing" })).toEqual(["a", "e", "c"]);
    expect(await listAll(store, { category: "Billing", state: "processed" })).toEqual(["e", "c"]);

    const page = await store.list(listOf({ limit: 2 }));
    expect(page.tickets.map((t) => t.ticket_id)).toEqual(["g", "a"]);
    expect(page.tickets[1]?.lease).toMatchObject({ agent: "alice", id: claimed!.lease.id });
    expect(page.next).toEqual({ score: 0.9, id: "a" });
    // Popping and claiming between pages does not shift the next page.
    await store.popNext(); // g
    await store.claimNext(claimOf()); // e
    expect((await store.list(listOf({ limit: 2, after: page.next }))).tickets.map((t) => t.ticket_id)).toEqual(["e", "d"]);
    expect(await store.list(listOf({ after: { score: 0.1, id: "zzz" } }))).toEqual({ tickets: [], next: null });
  });

  it("counts waiting tickets per category and urgency band, and claimed ones apart", async () => {
    const { store } = make();
    for (const [id, score, cat] of [
      ["b1", 0.8, "Billing"], ["b2", 0.79, "Billing"], ["b3", 0.5, "Billing"], ["b4", 0.1, "Billing"],
      ["t1", 0.99, "Technical"], ["t2", 0.3, "Technical"],
    ] as [string, number, Cat][]) await processed(store, id, score, cat);
    await store.createPending(ticket("p"));
    await store.claimNext(claimOf({ category: "Technical" })); // t1
    const status = await store.queueStatus();
    expect(status).toMatchObject({ pending: 1, processed: 5, claimed: 1 });
    expect(status.by_category.Billing).toEqual({ processed: 4, by_urgency: { high: 1, medium: 2, low: 1 } });
    expect(status.by_category.Technical).toEqual({ processed: 1, by_urgency: { high: 0, medium: 0, low: 1 } });
    expect(Object.keys(status.by_category).sort()).toEqual([...CATEGORIES].sort());
    for (const c of CATEGORIES) if (c !== "Billing" && c !== "Technical") expect(status.by_category[c]!.processed).toBe(0);
  });
});

describe.each(harnesses)("%s store: Idempotency-Key", (_, make) => {
  const KEY = { key: "key-1", fingerprint: "fp-1", ttlMs: 24 * 60 * MINUTE };

  it("creates once per key; a taken key returns its entry and ticket status, and frees after its lifetime", async () => {
    const h = make();
    const { store } = h;
    expect(await store.createPendingOnce(ticket("t1"), KEY)).toEqual({ created: true });
    expect(await store.getTicket("t1")).toMatchObject({ status: "pending" });
    const again = await store.createPendingOnce(ticket("t2"), { ...KEY, fingerprint: "other" });
    expect(again).toEqual({ created: false, entry: { fingerprint: "fp-1", ticket_id: "t1", accepted_at: ticket("t1").accepted_at }, status: "pending" });
    expect(await store.getTicket("t2")).toBeNull();
    expect(await store.counts()).toMatchObject({ pending: 1 });
    await store.saveResult("t1", result(0.4, "Legal"));
    expect(await store.createPendingOnce(ticket("t3"), KEY)).toMatchObject({ created: false, status: "processed" });
    // Another key is another ticket.
    expect(await store.createPendingOnce(ticket("t4"), { ...KEY, key: "key-2" })).toEqual({ created: true });

    await h.advance(KEY.ttlMs - MINUTE);
    expect(await store.createPendingOnce(ticket("t5"), KEY)).toMatchObject({ created: false });
    await h.advance(MINUTE);
    expect(await store.createPendingOnce(ticket("t5"), KEY)).toEqual({ created: true });
    expect(await store.createPendingOnce(ticket("t6"), KEY)).toMatchObject({ created: false, entry: { ticket_id: "t5" } });
  });

  it("lets exactly one of 12 concurrent first uses of a key create a ticket", async () => {
    const { store } = make();
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => store.createPendingOnce(ticket(`k${i}`), KEY)));
    const created = outcomes.flatMap((o, i) => (o.created ? [`k${i}`] : []));
    expect(created).toHaveLength(1);
    for (const o of outcomes) if (!o.created) expect(o.entry.ticket_id).toBe(created[0]);
    expect(await store.counts()).toMatchObject({ pending: 1 });
  });

  it("throws on a ticket id collision and remembers no key for it", async () => {
    const { store } = make();
    await store.createPending(ticket("dup"));
    await expect(store.createPendingOnce(ticket("dup"), KEY)).rejects.toThrow(/collision/);
    expect(await store.createPendingOnce(ticket("fresh"), KEY)).toEqual({ created: true });
  });
});

describe("tenants' stores", () => {
  it("prefixes a tenant's Upstash keys with t:<tenant>: and keeps default's keys unprefixed", async () => {
    const { url, token } = inject("upstash");
    const raw = new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });
    const acme = `acme-${crypto.randomUUID().slice(0, 8)}`;
    const upstashEnv = { STORE: env.STORE, UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token };
    const a = ticketStoreFor(upstashEnv, { timeoutMs: GENEROUS_TIMEOUT_MS }, acme);
    const b = ticketStoreFor(upstashEnv, { timeoutMs: GENEROUS_TIMEOUT_MS }, `beta-${crypto.randomUUID().slice(0, 8)}`);
    const id = crypto.randomUUID();
    await processed(a, id, 0.5);
    expect(upstashPrefixFor("default")).toBe("");
    expect(await raw.hget(`t:${acme}:ticket:${id}`, "status")).toBe("processed");
    expect(Number(await raw.zscore(`t:${acme}:processed_tickets:Billing`, id))).toBe(0.5);
    expect(await raw.exists(`ticket:${id}`)).toBe(0);
    expect(await b.getTicket(id)).toBeNull();
    expect(await b.popNext()).toBeNull();
    expect(await b.claimNext(claimOf())).toBeNull();
    expect((await a.popNext())?.ticket_id).toBe(id);
  });

  it("gives each tenant its own EmbeddedStore object, default keeping its old name", async () => {
    expect(embeddedNameFor("default")).toBe("tickets");
    const acme = `acme-${crypto.randomUUID().slice(0, 8)}`;
    expect(embeddedNameFor(acme)).toBe(`tenant:${acme}`);
    const a = ticketStoreFor({ STORE: env.STORE }, { timeoutMs: GENEROUS_TIMEOUT_MS }, acme);
    const other = ticketStoreFor({ STORE: env.STORE }, { timeoutMs: GENEROUS_TIMEOUT_MS }, `beta-${crypto.randomUUID().slice(0, 8)}`);
    const id = crypto.randomUUID();
    await processed(a, id, 0.5);
    expect(await other.getTicket(id)).toBeNull();
    expect((await other.list(listOf())).tickets).toEqual([]);
    const direct = new EmbeddedTicketStore({ namespace: env.STORE, name: `tenant:${acme}`, timeoutMs: GENEROUS_TIMEOUT_MS });
    expect((await direct.popNext())?.ticket_id).toBe(id);
  });
});

describe("upstash key layout of the queue features", () => {
  // Ops tooling reads these keys directly, so names, scores and TTLs are contract (redis-keys.ts).
  it("keeps claims in claimed_tickets by expiry and Idempotency-Keys as expiring hashes", async () => {
    const { url, token } = inject("upstash");
    const prefix = upstashPrefix("queue-layout");
    const now = Date.UTC(2026, 0, 1);
    const store = new UpstashTicketStore({ url, token, prefix, timeoutMs: GENEROUS_TIMEOUT_MS, now: () => now });
    const raw = new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });
    await processed(store, "t1", 0.25, "Legal");
    expect(Number(await raw.zscore(`${prefix}processed_tickets:Legal`, "t1"))).toBe(0.25);
    await store.claimNext(claimOf({ leaseId: "L", leaseMs: 30_000, agent: "ann" }));
    expect(Number(await raw.zscore(`${prefix}claimed_tickets`, "t1"))).toBe(now + 30_000);
    expect(await raw.zscore(`${prefix}processed_tickets`, "t1")).toBeNull();
    expect(await raw.zscore(`${prefix}processed_tickets:Legal`, "t1")).toBeNull();
    expect(await raw.hmget(`${prefix}ticket:t1`, "lease_id", "lease_expires", "lease_agent")).toEqual(["L", String(now + 30_000), "ann"]);
    await store.createPendingOnce(ticket("t2"), { key: "abc", fingerprint: "fp", ttlMs: 86_400_000 });
    expect(await raw.hget(`${prefix}idempotency:abc`, "ticket_id")).toBe("t2");
    expect(await raw.pttl(`${prefix}idempotency:abc`)).toBeGreaterThan(0);
    expect(await raw.pttl(`${prefix}idempotency:abc`)).toBeLessThanOrEqual(86_400_000);
  });
});

describe("stores written before the per-category index", () => {
  it("upstash: indexes the waiting tickets of an old store on first use, so category pulls reach them", async () => {
    const { url, token } = inject("upstash");
    const prefix = upstashPrefix("legacy");
    const raw = new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });
    // What the old SAVE_RESULT left: the hash and the global zset only.
    for (const [id, score, cat] of [["old-l", 0.4, "Legal"], ["old-b", 0.9, "Billing"], ["old-l2", 0.7, "Legal"]] as const) {
      await raw.hset(`${prefix}ticket:${id}`, { ...Object.fromEntries(chunk([...Object.entries(ticket(id)).flat()])), status: "processed", category: cat, urgency_score: String(score), confidence: "0.5", model_used: "m1", processed_at: "x" });
      await raw.zadd(`${prefix}processed_tickets`, { score, member: id });
    }
    const store = new UpstashTicketStore({ url, token, prefix, timeoutMs: GENEROUS_TIMEOUT_MS });
    expect((await store.queueStatus()).by_category.Legal!.processed).toBe(2);
    expect(await popAll(store, "Legal")).toEqual(["old-l2", "old-l"]);
    expect(await raw.get(`${prefix}processed_index_version`)).toBe("1");
    expect(await popAll(store)).toEqual(["old-b"]);
  });

  it("upstash: never hands out a category entry that left the global order (an older writer's pop)", async () => {
    const { url, token } = inject("upstash");
    const prefix = upstashPrefix("ghost-cat");
    const raw = new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });
    const store = new UpstashTicketStore({ url, token, prefix, timeoutMs: GENEROUS_TIMEOUT_MS });
    await processed(store, "kept", 0.2, "Billing");
    await processed(store, "popped-by-old", 0.9, "Billing");
    // An API Worker from before the index popped it from the global zset only.
    await raw.zrem(`${prefix}processed_tickets`, "popped-by-old");
    expect((await store.peekNext("Billing"))?.ticket_id).toBe("kept");
    expect((await store.list(listOf({ category: "Billing" }))).tickets.map((t) => t.ticket_id)).toEqual(["kept"]);
    expect(await popAll(store, "Billing")).toEqual(["kept"]);
  });

  it("embedded: an object from before leases and the category index keeps its queue, reachable per category", async () => {
    const name = `legacy-queues-${crypto.randomUUID()}`;
    const stub = env.STORE.getByName(name);
    await runInDurableObject(stub, (_, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE tickets");
      sql.exec(`CREATE TABLE tickets (ticket_id TEXT PRIMARY KEY, subject TEXT NOT NULL, body TEXT NOT NULL,
        status TEXT NOT NULL, accepted_at TEXT NOT NULL, category TEXT, urgency_score REAL, confidence REAL,
        model_used TEXT, processed_at TEXT, error TEXT, expires_at INTEGER NOT NULL, queue_score REAL,
        delivery_at INTEGER NOT NULL DEFAULT 0, resends INTEGER NOT NULL DEFAULT 0, urgency_model TEXT)`);
      for (const [id, score, cat] of [["l", 0.4, "Legal"], ["b", 0.9, "Billing"]] as const) {
        sql.exec(`INSERT INTO tickets (ticket_id, subject, body, status, accepted_at, category, urgency_score, confidence,
          model_used, processed_at, expires_at, queue_score) VALUES (?, 's', 'b', 'processed', 'x', ?, ?, 0.5, 'm1', 'y', ?, ?)`,
          id, cat, score, Number.MAX_SAFE_INTEGER, score);
      }
    });
    await evictDurableObject(stub);
    const store = new EmbeddedTicketStore({ namespace: env.STORE, name, timeoutMs: GENEROUS_TIMEOUT_MS });
    expect((await store.peekNext("Legal"))?.ticket_id).toBe("l");
    const claimed = await store.claimNext(claimOf({ category: "Legal" }));
    expect(claimed?.record.ticket_id).toBe("l");
    expect(await store.releaseLease("l", claimed!.lease.id)).toMatchObject({ ok: true });
    expect(await popAll(store)).toEqual(["b", "l"]);
  });
});

function chunk(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}
