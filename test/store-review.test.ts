// The review lane and category corrections on both ticket stores, one contract: a ticket
// routed "review" waits in its own lane (global + per category), claims, releases and lease
// expiry keep it there, drains take both lanes or one, and correctCategory relabels and moves
// a waiting ticket to the new category's auto lane at the same score, atomically.
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { Redis } from "@upstash/redis/cloudflare";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { EmbeddedTicketStore } from "../src/store/embedded.ts";
import type { CategoryCorrection, ClaimRequest, Lane, ListRequest, NewTicket, TicketResult, TicketStore } from "../src/store/types.ts";
import { UpstashTicketStore } from "../src/store/upstash.ts";
import type { RoutingReason } from "../src/schemas/routing.ts";
import { embeddedHarness, GENEROUS_TIMEOUT_MS, type StoreHarness, upstashHarness, upstashPrefix, warmUpStoreObject } from "./store-harness.ts";

beforeAll(warmUpStoreObject);

const MINUTE = 60_000;
const RETENTION = 60 * MINUTE;

const harnesses: [string, () => StoreHarness][] = [
  ["embedded", () => embeddedHarness({ retentionMs: RETENTION })],
  ["upstash", () => upstashHarness({ retentionMs: RETENTION, kind: "review" })],
];

type Cat = TicketResult["category"];
const MODEL_REASON: RoutingReason = { decided_by: "model", rules: [], detail: "no rule matched; model said it" };
const AGENT_REASON: RoutingReason = { decided_by: "agent", rules: [], detail: "alice corrected Billing to Legal" };

function ticket(id: string): NewTicket {
  return { ticket_id: id, subject: `Subject ${id}`, body: `Body ${id}`, accepted_at: "2026-01-01T00:00:00.000Z" };
}

async function saved(store: TicketStore, id: string, score: number, category: Cat, routing: Lane): Promise<void> {
  expect(await store.createPending(ticket(id))).toBe(true);
  const result: TicketResult = {
    category, urgency_score: score, confidence: 0.5, model_used: "m1", urgency_model: "m1", processed_at: "2026-01-01T00:01:00.000Z",
    routing, reason: MODEL_REASON,
  };
  expect(await store.saveResult(id, result)).toBe("saved");
}

const claimOf = (overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({ category: null, leaseId: crypto.randomUUID(), leaseMs: 5 * MINUTE, agent: null, ...overrides });
const listOf = (overrides: Partial<ListRequest> = {}): ListRequest => ({ category: null, state: null, limit: 50, after: null, ...overrides });
const fix = (category: Cat, leaseId: string | null = null): CategoryCorrection => ({ category, leaseId, reason: AGENT_REASON });

async function popAll(store: TicketStore, category: Cat | null, lane: Lane): Promise<string[]> {
  const out: string[] = [];
  for (let r = await store.popNext(category, lane); r; r = await store.popNext(category, lane)) out.push(r.ticket_id);
  return out;
}

describe.each(harnesses)("%s store: review lane", (_, make) => {
  it("keeps review tickets out of the auto lane: next, peek, counts and status see each lane apart", async () => {
    const { store } = make();
    await saved(store, "a1", 0.5, "Billing", "auto");
    await saved(store, "r1", 0.9, "Billing", "review");
    await saved(store, "r2", 0.3, "Legal", "review");

    expect((await store.peekNext())?.ticket_id).toBe("a1");
    expect((await store.peekNext(null, "review"))?.ticket_id).toBe("r1");
    expect((await store.peekNext("Legal", "review"))?.ticket_id).toBe("r2");
    expect(await store.peekNext("Legal")).toBeNull();
    expect(await store.counts()).toEqual({ pending: 0, processed: 1 });
    const status = await store.queueStatus();
    expect(status.processed).toBe(1);
    expect(status.by_category.Billing).toEqual({ processed: 1, by_urgency: { high: 0, medium: 1, low: 0 } });
    expect(status.review.processed).toBe(2);
    expect(status.review.by_category.Billing).toEqual({ processed: 1, by_urgency: { high: 1, medium: 0, low: 0 } });
    expect(status.review.by_category.Legal).toEqual({ processed: 1, by_urgency: { high: 0, medium: 0, low: 1 } });

    const popped = await store.popNext(null, "review");
    expect(popped).toMatchObject({ ticket_id: "r1", routing: "review", reason: MODEL_REASON });
    expect(await popAll(store, null, "review")).toEqual(["r2"]);
    expect(await popAll(store, null, "auto")).toEqual(["a1"]);
    expect((await store.queueStatus()).review.processed).toBe(0);
  });

  it("claims from the review lane; release and lease expiry put the ticket back in review, at its place", async () => {
    const h = make();
    const { store } = h;
    await saved(store, "r-high", 0.9, "Technical", "review");
    await saved(store, "r-low", 0.2, "Technical", "review");
    await saved(store, "auto", 0.95, "Technical", "auto");

    const claimed = await store.claimNext(claimOf({ lane: "review", category: "Technical" }));
    expect(claimed?.record.ticket_id).toBe("r-high");
    expect((await store.peekNext(null, "review"))?.ticket_id).toBe("r-low");
    // Listed as claimed in the lane it returns to, not in auto.
    expect((await store.list(listOf({ lane: "review" }))).tickets.map((t) => [t.ticket_id, Boolean(t.lease)])).toEqual([["r-high", true], ["r-low", false]]);
    expect((await store.list(listOf())).tickets.map((t) => t.ticket_id)).toEqual(["auto"]);
    expect((await store.queueStatus()).claimed).toBe(1);

    expect(await store.releaseLease("r-high", claimed!.lease.id)).toMatchObject({ ok: true });
    expect((await store.peekNext(null, "review"))?.ticket_id).toBe("r-high");
    expect((await store.peekNext())?.ticket_id).toBe("auto");

    const again = await store.claimNext(claimOf({ lane: "review", leaseMs: MINUTE }));
    expect(again?.record.ticket_id).toBe("r-high");
    await h.advance(MINUTE);
    expect(await popAll(store, "Technical", "review")).toEqual(["r-high", "r-low"]);
    expect(await store.ackLease("r-high", again!.lease.id)).toEqual({ ok: false, reason: "stale" });
  });

  it("drains both lanes merged in one order by default, or one lane with its own remaining count", async () => {
    const { store } = make();
    await saved(store, "a-9", 0.9, "Billing", "auto");
    await saved(store, "r-8", 0.8, "Legal", "review");
    await saved(store, "a-5", 0.5, "Legal", "auto");
    await saved(store, "r-3", 0.3, "Billing", "review");
    await saved(store, "a-1", 0.1, "Billing", "auto");

    const reviewOnly = await store.drain(1, "review");
    expect(reviewOnly.tickets.map((t) => t.ticket_id)).toEqual(["r-8"]);
    expect(reviewOnly.remaining).toBe(1);
    const both = await store.drain(3);
    expect(both.tickets.map((t) => t.ticket_id)).toEqual(["a-9", "a-5", "r-3"]);
    expect(both.remaining).toBe(1);
    expect(await store.drain(10, "auto")).toMatchObject({ tickets: [{ ticket_id: "a-1" }], remaining: 0 });
  });
});

describe.each(harnesses)("%s store: category corrections", (_, make) => {
  it("moves a waiting review ticket to the new category's auto lane at its score, in one step", async () => {
    const { store } = make();
    await saved(store, "legal-high", 0.9, "Legal", "auto");
    await saved(store, "legal-low", 0.2, "Legal", "auto");
    await saved(store, "x", 0.5, "Billing", "review");

    expect(await store.ticketState("x")).toMatchObject({ state: "processed" });
    const outcome = await store.correctCategory("x", fix("Legal"));
    expect(outcome).toMatchObject({ ok: true, state: "processed", previous: "Billing", relabelled: true });
    expect(outcome.ok && outcome.record).toMatchObject({ category: "Legal", routing: "auto", reason: AGENT_REASON });
    // Gone from review and from Billing; between the two Legal tickets by its unchanged score.
    expect(await store.peekNext(null, "review")).toBeNull();
    expect(await store.peekNext("Billing")).toBeNull();
    const status = await store.queueStatus();
    expect(status.review.processed).toBe(0);
    expect(status.by_category.Legal!.processed).toBe(3);
    expect(await popAll(store, "Legal", "auto")).toEqual(["legal-high", "x", "legal-low"]);
  });

  it("moves an auto ticket between category orders, and the global order keeps its place", async () => {
    const { store } = make();
    await saved(store, "b", 0.7, "Billing", "auto");
    await saved(store, "t", 0.6, "Technical", "auto");
    expect(await store.correctCategory("b", fix("Technical"))).toMatchObject({ ok: true, state: "processed", previous: "Billing" });
    expect(await store.peekNext("Billing")).toBeNull();
    expect((await store.list(listOf({ category: "Technical" }))).tickets.map((t) => t.ticket_id)).toEqual(["b", "t"]);
    expect(await popAll(store, null, "auto")).toEqual(["b", "t"]);
  });

  it("relabels a claimed ticket only under its live lease; it keeps the lease and returns to the new category's auto lane", async () => {
    const h = make();
    const { store } = h;
    await saved(store, "c", 0.4, "Billing", "review");
    const claimed = await store.claimNext(claimOf({ lane: "review", agent: "bob" }));
    expect(await store.ticketState("c")).toMatchObject({ state: "claimed" });

    expect(await store.correctCategory("c", fix("Legal", "not-the-lease"))).toEqual({ ok: false, reason: "stale" });
    expect(await store.correctCategory("c", fix("Legal"))).toEqual({ ok: false, reason: "stale" });
    expect((await store.getTicket("c"))?.category).toBe("Billing");

    const outcome = await store.correctCategory("c", fix("Legal", claimed!.lease.id));
    expect(outcome).toMatchObject({ ok: true, state: "claimed", previous: "Billing", relabelled: true });
    expect(outcome.ok && outcome.record).toMatchObject({ category: "Legal", routing: "auto", lease: { id: claimed!.lease.id, agent: "bob" } });
    // Still held: in no lane until released.
    expect(await store.peekNext("Legal")).toBeNull();
    expect(await store.releaseLease("c", claimed!.lease.id)).toMatchObject({ ok: true, record: { category: "Legal" } });
    expect(await store.peekNext(null, "review")).toBeNull();
    expect((await store.peekNext("Legal"))?.ticket_id).toBe("c");

    // Expiry returns a corrected claimed ticket to the same place.
    const second = await store.claimNext(claimOf({ category: "Legal", leaseMs: MINUTE }));
    expect(await store.correctCategory("c", fix("Technical", second!.lease.id))).toMatchObject({ ok: true, state: "claimed" });
    await h.advance(MINUTE);
    expect(await popAll(store, "Technical", "auto")).toEqual(["c"]);
  });

  it("records nothing on the ticket once it is done or failed, refuses pending and unknown ones", async () => {
    const h = make();
    const { store } = h;
    await saved(store, "popped", 0.5, "Billing", "auto");
    await store.popNext();
    expect(await store.ticketState("popped")).toMatchObject({ state: "done" });
    expect(await store.correctCategory("popped", fix("Legal"))).toMatchObject({ ok: true, state: "done", previous: "Billing", relabelled: false, record: { category: "Billing" } });

    await saved(store, "acked", 0.5, "Billing", "review");
    const claimed = await store.claimNext(claimOf({ lane: "review" }));
    await store.ackLease("acked", claimed!.lease.id);
    expect(await store.correctCategory("acked", fix("Legal", claimed!.lease.id))).toMatchObject({ ok: true, state: "done", relabelled: false });

    await store.createPending(ticket("failed"));
    await store.markFailed("failed", "boom");
    expect(await store.correctCategory("failed", fix("Legal"))).toMatchObject({ ok: true, state: "failed", previous: null, relabelled: false });

    await store.createPending(ticket("pending"));
    expect(await store.ticketState("pending")).toMatchObject({ state: "pending" });
    expect(await store.correctCategory("pending", fix("Legal"))).toEqual({ ok: false, reason: "pending" });
    expect(await store.correctCategory("never", fix("Legal"))).toEqual({ ok: false, reason: "unknown" });
    expect(await store.ticketState("never")).toBeNull();

    await h.advance(RETENTION);
    expect(await store.correctCategory("popped", fix("Legal"))).toEqual({ ok: false, reason: "unknown" });
  });

  it("under concurrent pops and corrections, every ticket ends in exactly one place", async () => {
    const { store } = make();
    const ids = Array.from({ length: 12 }, (_, i) => `c${String(i).padStart(2, "0")}`);
    for (const [i, id] of ids.entries()) await saved(store, id, i / 20, "Billing", "review");
    const [pops, fixes] = await Promise.all([
      Promise.all(ids.map(() => store.popNext(null, "review"))),
      Promise.all(ids.map((id) => store.correctCategory(id, fix("Legal")))),
    ]);
    const popped = pops.flatMap((r) => (r ? [r.ticket_id] : []));
    const moved = ids.filter((_, i) => fixes[i]!.ok && (fixes[i] as { state: string }).state === "processed");
    // A ticket popped before its correction is done (recorded only); one corrected first is in Legal's auto lane.
    const inLegal = (await store.list({ category: "Legal", state: null, limit: 50, after: null })).tickets.map((t) => t.ticket_id);
    expect(new Set(popped).size).toBe(popped.length);
    expect([...popped, ...inLegal].sort()).toEqual(ids);
    expect(inLegal.sort()).toEqual(moved.sort());
    for (const [i, id] of ids.entries()) {
      const expected = popped.includes(id) && !moved.includes(id) ? "done" : "processed";
      expect(fixes[i], id).toMatchObject({ ok: true, state: expected });
    }
    expect((await store.queueStatus()).review.processed).toBe(0);
  });

  it("refuses a category the taxonomy does not have before any I/O", async () => {
    const { store } = make();
    await expect(store.correctCategory("x", fix("Sales" as Cat))).rejects.toThrow(TypeError);
  });
});

describe("records saved before routing existed", () => {
  it("upstash: a hash without routing or reason parses, waits in the auto lane and can be corrected", async () => {
    const { url, token } = inject("upstash");
    const prefix = upstashPrefix("pre-routing");
    const raw = new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });
    const store = new UpstashTicketStore({ url, token, prefix, timeoutMs: GENEROUS_TIMEOUT_MS });
    await store.createPending(ticket("old"));
    await store.saveResult("old", { category: "Billing", urgency_score: 0.5, confidence: 0.5, model_used: "m1", urgency_model: "m1", processed_at: "x" });
    expect(await raw.hget(`${prefix}ticket:old`, "routing")).toBeNull();
    const record = await store.getTicket("old");
    expect(record).not.toHaveProperty("routing");
    expect(record).not.toHaveProperty("reason");
    expect((await store.peekNext())?.ticket_id).toBe("old");
    expect(await store.correctCategory("old", fix("Legal"))).toMatchObject({ ok: true, state: "processed", record: { category: "Legal", routing: "auto" } });
    expect((await store.peekNext("Legal"))?.ticket_id).toBe("old");
  });

  it("embedded: an object from before routing gains the columns in place; its rows parse and wait in auto", async () => {
    const name = `pre-routing-${crypto.randomUUID()}`;
    const stub = env.STORE.getByName(name);
    await runInDurableObject(stub, (_, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE tickets");
      sql.exec(`CREATE TABLE tickets (ticket_id TEXT PRIMARY KEY, subject TEXT NOT NULL, body TEXT NOT NULL,
        status TEXT NOT NULL, accepted_at TEXT NOT NULL, category TEXT, urgency_score REAL, confidence REAL,
        model_used TEXT, processed_at TEXT, error TEXT, expires_at INTEGER NOT NULL, queue_score REAL,
        delivery_at INTEGER NOT NULL DEFAULT 0, resends INTEGER NOT NULL DEFAULT 0, urgency_model TEXT,
        lease_id TEXT, lease_expires INTEGER, lease_agent TEXT)`);
      sql.exec(`INSERT INTO tickets (ticket_id, subject, body, status, accepted_at, category, urgency_score, confidence,
        model_used, processed_at, expires_at, queue_score) VALUES ('old', 's', 'b', 'processed', 'x', 'Billing', 0.5, 0.5, 'm1', 'y', ?, 0.5)`,
        Number.MAX_SAFE_INTEGER);
    });
    await evictDurableObject(stub);
    const store = new EmbeddedTicketStore({ namespace: env.STORE, name, timeoutMs: GENEROUS_TIMEOUT_MS });
    const record = await store.getTicket("old");
    expect(record).toMatchObject({ ticket_id: "old", category: "Billing" });
    expect(record).not.toHaveProperty("routing");
    expect(record).not.toHaveProperty("reason");
    expect(await store.peekNext(null, "review")).toBeNull();
    expect(await store.correctCategory("old", fix("Legal"))).toMatchObject({ ok: true, state: "processed", record: { category: "Legal", routing: "auto" } });
    expect(await store.popNext("Legal")).toMatchObject({ ticket_id: "old", reason: AGENT_REASON });
  });
});
