// /v1 sharded per (tenant, category): order across shards, the pre-shard Router's tickets served
// through the new path, Idempotency-Key, the activity series, and the pieces they rest on.
import { env } from "cloudflare:workers";
import { createExecutionContext, evictAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { callWithToken } from "./helpers.ts";
import { createApp } from "../src/app.ts";
import type { Env } from "../src/env.ts";
import { m1State } from "../src/health.ts";
import { IDEMPOTENCY_MISMATCH_DETAIL, IDEMPOTENCY_TTL_MS, requestFingerprint } from "../src/http/idempotency-key.ts";
import { CATEGORIES, type Category } from "../src/ml/categories.ts";
import { decodeCursor, encodeCursor } from "../src/router/cursor.ts";
import { keyShardName, legacyRouterName, shardName, shardsOfTicketId, ticketIdFor, compareKeys } from "../src/router/shard-key.ts";
import { classify } from "../src/router/tenant-queue.ts";
import type { V1Ticket } from "../src/schemas/ticket.ts";
import { sha256Hex } from "../src/util/sha256.ts";
import { seedShards, setClocks, shardStub, testTicket } from "./v1-queue.ts";

const app = createApp();
// Fresh tenants per run: Router objects persist across tests in this runtime.
const run = crypto.randomUUID().slice(0, 8);
const LABELS = ["order", "legacy", "idem", "idem2", "expiry", "redeploy", "act", "act2", "take"] as const;
const T = Object.fromEntries(LABELS.map((l) => [l, { name: `${l}-${run}`, token: `${l}-${run}-token-0123456789` }])) as Record<
  (typeof LABELS)[number],
  { name: string; token: string }
>;
const API_TOKENS = JSON.stringify(Object.fromEntries(Object.values(T).map((t) => [t.token, { tenant: t.name }])));

type Reply = { status: number; headers: Headers; body: any };
const as = (t: { token: string }, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  callWithToken({ API_TOKENS }, t.token, method, path, body, headers);
const ids = (ts: { ticket_id: string }[]) => ts.map((t) => t.ticket_id);
const order = (ts: V1Ticket[]) => [...ts.filter((t) => t.urgency_level === 1), ...ts.filter((t) => t.urgency_level === 5)];
const BODY = { subject: "Refund for a double charge", body: "I was charged twice for my subscription invoice this month." };

async function pages(t: { token: string }, limit: number, query = ""): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 50; i++) {
    const r = await as(t, "GET", `/v1/tickets?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(r.status).toBe(200);
    seen.push(...r.body.tickets.map((e: { ticket: V1Ticket }) => e.ticket.ticket_id));
    cursor = r.body.next_cursor;
    if (!cursor) return seen;
  }
  throw new Error("listing never ended");
}

describe("order across category shards", () => {
  it("next without a category serves urgent first, then arrival order across shards; each category keeps its own order; listing pages across shards", async () => {
    const t0 = Date.parse("2030-01-01T00:00:00.000Z");
    const all = await seedShards(
      [
        testTicket("Billing", 5, t0),
        testTicket("Technical", 1, t0),
        testTicket("Legal", 5, t0),
        testTicket("Billing", 1, t0),
        testTicket("Technical", 5, t0),
        testTicket("Legal", 1, t0),
        testTicket("Billing", 5, t0),
      ],
      T.order.name,
    );
    const expected = order(all);
    // Each shard holds only its category.
    for (const c of CATEGORIES) {
      expect((await shardStub(c, T.order.name).status()).pending).toBe(all.filter((t) => t.category === c).length);
    }
    expect(await pages(T.order, 2)).toEqual(ids(expected));
    expect(await pages(T.order, 1, "&category=Billing")).toEqual(ids(expected.filter((t) => t.category === "Billing")));
    for (const c of CATEGORIES) {
      expect((await as(T.order, "GET", `/v1/tickets/peek?category=${c}`)).body.ticket_id).toBe(expected.find((t) => t.category === c)!.ticket_id);
    }
    const popped: string[] = [];
    for (let i = 0; i < all.length; i++) {
      expect((await as(T.order, "GET", "/v1/tickets/peek")).body.ticket_id).toBe(expected[i]!.ticket_id);
      const r = await as(T.order, "GET", "/v1/tickets/next");
      expect(r.status).toBe(200);
      popped.push(r.body.ticket_id);
    }
    expect(popped).toEqual(ids(expected));
    expect((await as(T.order, "GET", "/v1/tickets/next")).status).toBe(404);
    expect((await as(T.order, "GET", "/v1/tickets/status")).body).toMatchObject({ pending: 0, processed: all.length });
  });

  it("a shard takes its head only while it is still at or before the bound it is given", async () => {
    const t0 = Date.parse("2030-01-01T00:00:00.000Z");
    const [a, b] = await seedShards([testTicket("Billing", 5, t0), testTicket("Billing", 5, t0)], T.take.name);
    const billing = shardStub("Billing", T.take.name);
    const keyOf = (t: V1Ticket) => ({ urgency_level: t.urgency_level, arrival: Date.parse(t.queued_at) * 1000, ticket_id: t.ticket_id });
    // A bound before the head: another shard's head comes first, so nothing is taken.
    const before = { ...keyOf(a!), arrival: keyOf(a!).arrival - 1 };
    expect(await billing.take({ action: "claim", category: null, bound: before })).toEqual({ kind: "behind" });
    expect((await billing.status()).pending).toBe(2);
    const took = await billing.take({ action: "next", category: null, bound: keyOf(a!) });
    expect(took).toMatchObject({ kind: "taken", ticket: { ticket_id: a!.ticket_id }, lease: null });
    // The head is now b, past the same bound.
    expect(await billing.take({ action: "next", category: null, bound: keyOf(a!) })).toEqual({ kind: "behind" });
    expect(await billing.take({ action: "next", category: null, bound: null })).toMatchObject({ kind: "taken", ticket: { ticket_id: b!.ticket_id } });
    expect(await billing.take({ action: "next", category: null, bound: null })).toEqual({ kind: "empty" });
  });
});

describe("migration from the pre-shard Router", () => {
  it("serves, lists, acks and drains the old object's tickets beside the shards', each exactly once, and never fills it again", async () => {
    const t0 = Date.now() - 3_600_000;
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    const old = (category: Category, urgency_level: 1 | 5, ms: number): V1Ticket => ({
      ticket_id: crypto.randomUUID(), // the old Router's ids: version 4
      subject: `old ${category}`,
      body: "Body",
      category,
      confidence: 0.5,
      urgency_level,
      queued_at: at(ms),
    });
    const [old1, old2, old3] = [old("Billing", 5, 1), old("Technical", 1, 2), old("Legal", 5, 5)];
    // The table as the first deployed Router made it: no lease, category or arrival columns.
    await runInDurableObject(env.ROUTER.getByName(legacyRouterName(T.legacy.name)), (_, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE IF EXISTS v1_queue");
      sql.exec("DELETE FROM v1_counters");
      sql.exec("CREATE TABLE v1_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, urgency_level INTEGER NOT NULL, ticket TEXT NOT NULL)");
      for (const t of [old1!, old2!, old3!]) sql.exec("INSERT INTO v1_queue (urgency_level, ticket) VALUES (?, ?)", t.urgency_level, JSON.stringify(t));
    });
    // As a deploy would: the object restarts on the new code, whose constructor migrates the table.
    await evictAllDurableObjects();
    const mk = (category: Category, urgency_level: 1 | 5, ms: number): V1Ticket => ({ ...old(category, urgency_level, ms), ticket_id: ticketIdFor(category), subject: `new ${category}` });
    const [new1, new2] = await seedShards([mk("Billing", 5, 3), mk("Technical", 1, 4)], T.legacy.name);
    const expected = [old2!, new2!, old1!, new1!, old3!];

    const s = (await as(T.legacy, "GET", "/v1/tickets/status")).body;
    expect(s).toMatchObject({ pending: 5, claimed: 0 });
    expect(s.by_category.Billing).toEqual({ pending: 2, by_urgency: { "1": 0, "5": 2 } });
    expect(await pages(T.legacy, 2)).toEqual(ids(expected));
    expect((await as(T.legacy, "GET", `/v1/tickets/${old1!.ticket_id}`)).body).toEqual({ state: "queued", ticket: old1 });

    const c = await as(T.legacy, "POST", "/v1/tickets/claim", { agent: "alice" });
    expect(c.body.ticket).toEqual(old2);
    expect((await as(T.legacy, "POST", `/v1/tickets/${old2!.ticket_id}/ack`, { lease_id: crypto.randomUUID() })).status).toBe(409);
    expect((await as(T.legacy, "POST", `/v1/tickets/${old2!.ticket_id}/ack`, { lease_id: c.body.lease.id })).status).toBe(200);
    expect((await as(T.legacy, "GET", `/v1/tickets/${old2!.ticket_id}`)).body).toMatchObject({ state: "done", ticket: { via: "ack" } });
    expect((await as(T.legacy, "GET", "/v1/tickets/next")).body).toEqual(new2);
    expect((await as(T.legacy, "GET", "/v1/tickets/next?category=Billing")).body).toEqual(old1);

    const d = await as(T.legacy, "POST", "/v1/tickets/claim", {});
    expect(d.body.ticket).toEqual(new1);
    expect((await as(T.legacy, "POST", `/v1/tickets/${new1!.ticket_id}/release`, { lease_id: d.body.lease.id })).status).toBe(200);
    const drained = (await as(T.legacy, "DELETE", "/v1/tickets?limit=500")).body;
    expect(drained).toEqual({ drained: 2, remaining: 0, tickets: [new1, old3] });
    expect((await as(T.legacy, "GET", "/v1/tickets/status")).body).toMatchObject({ pending: 0, claimed: 0, processed: 3 });
    expect((await as(T.legacy, "GET", `/v1/tickets/${old3!.ticket_id}`)).body).toMatchObject({ state: "done", ticket: { via: "drain" } });

    // New tickets go to their shard; the old object stays empty.
    const posted = await as(T.legacy, "POST", "/v1/tickets", BODY);
    expect(posted.status).toBe(201);
    expect((await env.ROUTER.getByName(legacyRouterName(T.legacy.name)).status()).pending).toBe(0);
    expect((await shardStub(posted.body.category, T.legacy.name).status()).pending).toBe(1);
    expect((await as(T.legacy, "GET", "/v1/tickets/next")).body.ticket_id).toBe(posted.body.ticket_id);
  });
});

describe("Idempotency-Key on POST /v1/tickets", () => {
  const post = (t: { token: string }, key: string, body: unknown = BODY) => as(t, "POST", "/v1/tickets", body, { "Idempotency-Key": key });

  it("answers a retry with the first ticket (201, Idempotent-Replayed), even after it was claimed and acked; a different body is a 422", async () => {
    const key = crypto.randomUUID();
    const first = await post(T.idem, key);
    expect(first.status).toBe(201);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const again = await post(T.idem, key);
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect((await as(T.idem, "GET", "/v1/tickets/status")).body).toMatchObject({ pending: 1 });

    const c = await as(T.idem, "POST", "/v1/tickets/claim", {});
    expect(c.body.ticket.ticket_id).toBe(first.body.ticket_id);
    expect((await as(T.idem, "POST", `/v1/tickets/${first.body.ticket_id}/ack`, { lease_id: c.body.lease.id })).status).toBe(200);
    const late = await post(T.idem, key);
    expect(late.status).toBe(201);
    expect(late.body).toEqual(first.body);
    expect((await as(T.idem, "GET", "/v1/tickets/status")).body).toMatchObject({ pending: 0, claimed: 0, processed: 1 });

    const other = await post(T.idem, key, { ...BODY, body: `${BODY.body} And a second thing.` });
    expect(other.status).toBe(422);
    expect(other.body).toEqual({ detail: IDEMPOTENCY_MISMATCH_DETAIL });
    // Whitespace the schema trims is the same body.
    expect((await post(T.idem, key, { subject: ` ${BODY.subject}`, body: BODY.body })).body).toEqual(first.body);
    expect((await as(T.idem, "GET", "/v1/tickets/status")).body).toMatchObject({ pending: 0, processed: 1 });
  });

  it("makes one ticket of 20 concurrent first uses of a key; keys are per tenant", async () => {
    const key = crypto.randomUUID();
    const replies = await Promise.all(Array.from({ length: 20 }, () => post(T.idem2, key)));
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(replies.map((r) => r.body.ticket_id)).size).toBe(1);
    expect(replies.filter((r) => r.headers.get("Idempotent-Replayed") === null)).toHaveLength(1);
    expect((await as(T.idem2, "GET", "/v1/tickets/status")).body).toMatchObject({ pending: 1 });
    const list = (await as(T.idem2, "GET", "/v1/tickets")).body;
    expect(list.tickets.map((e: { ticket: V1Ticket }) => e.ticket.ticket_id)).toEqual([replies[0]!.body.ticket_id]);

    const elsewhere = await post(T.idem, key);
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.headers.get("Idempotent-Replayed")).toBeNull();
    expect(elsewhere.body.ticket_id).not.toBe(replies[0]!.body.ticket_id);
  });

  it.each([
    ["a space", "has space"],
    ["256 characters", "k".repeat(256)],
    ["an empty value", ""],
  ])("refuses a key with %s (422 naming the header), queueing nothing", async (_, key) => {
    const before = (await as(T.idem2, "GET", "/v1/tickets/status")).body.pending;
    const r = await post(T.idem2, key);
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual(["idempotency-key"]);
    expect((await as(T.idem2, "GET", "/v1/tickets/status")).body.pending).toBe(before);
  });

  it("forgets a key 24 hours after its first use (injected clock)", async () => {
    let now = Date.parse("2030-06-01T00:00:00.000Z");
    await setClocks(() => now, T.expiry.name);
    const key = "order-4711";
    const first = await post(T.expiry, key);
    now += IDEMPOTENCY_TTL_MS - 1;
    const replay = await post(T.expiry, key);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.body.ticket_id).toBe(first.body.ticket_id);
    now += 1;
    const fresh = await post(T.expiry, key, { subject: "Another", body: "A different ticket under an old key." });
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get("Idempotent-Replayed")).toBeNull();
    expect(fresh.body.ticket_id).not.toBe(first.body.ticket_id);
    expect((await post(T.expiry, key, { subject: "Another", body: "A different ticket under an old key." })).body.ticket_id).toBe(fresh.body.ticket_id);
    expect((await as(T.expiry, "GET", "/v1/tickets/status")).body).toMatchObject({ pending: 2 });
    await setClocks(() => Date.now(), T.expiry.name);
  });

  it("answers a retry with the remembered ticket and its shard, whatever the model says now (a redeploy), and queues it if the first request died before it could", async () => {
    const key = crypto.randomUUID();
    const keyHash = await sha256Hex(new TextEncoder().encode(key));
    const { ticket, arrival } = classify({ subject: BODY.subject, body: BODY.body });
    const other = CATEGORIES.find((c) => c !== ticket.category)!;
    // What a first request under an older model remembered before it died: another category.
    const remembered = { ...ticket, category: other, ticket_id: ticketIdFor(other) };
    const fingerprint = await requestFingerprint(BODY);
    await env.ROUTER.getByName(keyShardName(T.redeploy.name, keyHash)).rememberKey(keyHash, { fingerprint, ticket: remembered, arrival }, IDEMPOTENCY_TTL_MS);

    const r = await post(T.redeploy, key);
    expect(r.status).toBe(201);
    expect(r.headers.get("Idempotent-Replayed")).toBe("true");
    expect(r.body).toEqual(remembered);
    expect((await as(T.redeploy, "GET", `/v1/tickets/${remembered.ticket_id}`)).body).toEqual({ state: "queued", ticket: remembered });
    expect((await shardStub(other, T.redeploy.name).status()).pending).toBe(1);
    expect((await shardStub(ticket.category, T.redeploy.name).status()).pending).toBe(0);
  });
});

describe("GET /v1/tickets/activity", () => {
  it("counts arrivals and completions (next, ack, drain) per minute over the last hour, per tenant", async () => {
    const m = Math.floor(Date.parse("2030-03-01T12:00:00.000Z") / 60_000);
    let now = m * 60_000 + 30_000;
    await setClocks(() => now, T.act.name);
    for (let i = 0; i < 3; i++) expect((await as(T.act, "POST", "/v1/tickets", { subject: `Ticket ${i}`, body: "Please help with my account." })).status).toBe(201);
    expect((await as(T.act, "GET", "/v1/tickets/next")).status).toBe(200);
    now += 2 * 60_000;
    const c = await as(T.act, "POST", "/v1/tickets/claim", {});
    expect((await as(T.act, "POST", `/v1/tickets/${c.body.ticket.ticket_id}/ack`, { lease_id: c.body.lease.id })).status).toBe(200);
    expect((await as(T.act, "POST", "/v1/tickets", BODY)).status).toBe(201);
    expect((await as(T.act, "POST", "/v1/tickets/claim", {})).status).toBe(200); // claimed: not a completion
    expect((await as(T.act, "DELETE", "/v1/tickets")).body.drained).toBe(1);

    const r = await as(T.act, "GET", "/v1/tickets/activity");
    expect(r.status).toBe(200);
    expect(r.body.window_minutes).toBe(60);
    expect(r.body.minutes).toHaveLength(60);
    const starts = r.body.minutes.map((e: { start: string }) => Date.parse(e.start) / 60_000);
    expect(starts).toEqual(Array.from({ length: 60 }, (_, i) => m + 2 - 59 + i));
    const at = (minute: number) => r.body.minutes[minute - (m + 2 - 59)];
    expect(at(m)).toMatchObject({ arrivals: 3, completions: 1 });
    expect(at(m + 2)).toMatchObject({ arrivals: 1, completions: 2 });
    const rest = r.body.minutes.filter((_: unknown, i: number) => i !== 57 && i !== 59);
    expect(rest.every((e: { arrivals: number; completions: number }) => e.arrivals === 0 && e.completions === 0)).toBe(true);

    // Another tenant's hour is its own.
    const other = (await as(T.act2, "GET", "/v1/tickets/activity")).body;
    expect(other.minutes.every((e: { arrivals: number; completions: number }) => e.arrivals === 0 && e.completions === 0)).toBe(true);

    // An hour on, minute m has left the window.
    now += 58 * 60_000;
    const later = (await as(T.act, "GET", "/v1/tickets/activity")).body;
    expect(Date.parse(later.minutes[0].start) / 60_000).toBe(m + 1);
    expect(later.minutes[1]).toMatchObject({ arrivals: 1, completions: 2 });
    expect(later.minutes.reduce((s: number, e: { arrivals: number }) => s + e.arrivals, 0)).toBe(1);
    await setClocks(() => Date.now(), T.act.name);
  });
});

describe("shard keys, ids and cursors", () => {
  it("names one shard per tenant and category, and keeps the pre-shard names", () => {
    expect(shardName("acme", "Billing")).toBe("v1:acme:Billing");
    expect(legacyRouterName("default")).toBe("global");
    expect(legacyRouterName("acme")).toBe("tenant:acme");
  });

  it("makes ticket ids that are UUIDs and name their category's shard; old (v4) ids name the pre-shard Router", () => {
    for (const c of CATEGORIES) {
      const id = ticketIdFor(c);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(shardsOfTicketId(id)).toEqual([c]);
      expect(shardsOfTicketId(id.toUpperCase())).toEqual([c]);
    }
    expect(shardsOfTicketId(crypto.randomUUID())).toBe("legacy");
    expect(shardsOfTicketId("not-a-ticket")).toEqual([]);
  });

  it("round-trips a cursor and refuses others, including the pre-shard format", () => {
    const key = { urgency_level: 5, arrival: 1_893_456_000_000_123, ticket_id: ticketIdFor("Legal") };
    expect(decodeCursor(encodeCursor(key))).toEqual(key);
    expect(decodeCursor(btoa("q1:5:12"))).toBeNull();
    expect(decodeCursor("!!")).toBeNull();
    expect(compareKeys(key, { ...key, urgency_level: 1 })).toBeGreaterThan(0);
    expect(compareKeys(key, { ...key, arrival: key.arrival + 1 })).toBeLessThan(0);
  });

  it("reports an M1 that does not load, for /health, instead of throwing", () => {
    expect(m1State(() => { throw new Error("bad artefact"); })).toEqual({ modelLoaded: false, modelLoadMs: null, modelError: "bad artefact" });
    expect(m1State(() => ({ loadMs: 12 }))).toEqual({ modelLoaded: true, modelLoadMs: 12, modelError: null });
  });
});

describe("OpenAPI", () => {
  it("documents 429 on every /v1 operation, the Idempotency-Key header and the activity route", async () => {
    const doc = (await (await app.fetch(new Request("http://edge.test/openapi.json"), env as Env, createExecutionContext())).json()) as any;
    const ops = Object.entries(doc.paths as Record<string, Record<string, any>>)
      .filter(([p]) => p.startsWith("/v1/"))
      .flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => [`${m} ${p}`, op] as const));
    expect(ops.length).toBeGreaterThanOrEqual(11);
    expect(ops.filter(([, op]) => !("429" in op.responses)).map(([name]) => name)).toEqual([]);
    const post = doc.paths["/v1/tickets"].post;
    expect(post.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: "idempotency-key", in: "header" })]));
    expect(post.responses["201"].headers).toHaveProperty("Idempotent-Replayed");
    expect(doc.paths["/v1/tickets/activity"].get.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Activity" });
  });
});
