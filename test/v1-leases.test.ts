import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Category } from "../src/ml/categories.ts";
import { PriorityQueue } from "../src/router/priority-queue.ts";
import type { V1Ticket } from "../src/schemas/ticket.ts";
import { call, json, postJson } from "./helpers.ts";
import { clearQueues, seedShards, setClocks, shardStub, testTicket } from "./v1-queue.ts";

type Claim = { ticket: V1Ticket; lease: { id: string; expires_at: string; agent: string | null } };
type Entry = { state: "queued" | "claimed" | "done"; ticket: V1Ticket & { via?: string; done_at?: string }; lease?: { expires_at: string; agent: string | null } };
type List = { tickets: Entry[]; next_cursor: string | null };
type Status = {
  pending: number;
  processed: number;
  claimed: number;
  message: string;
  by_category: Record<Category, { pending: number; by_urgency: Record<"1" | "5", number> }>;
};

const T0 = Date.parse("2030-01-01T00:00:00.000Z");
/** The Router's lease clock while a test runs: tests move it instead of sleeping. */
let now = T0;

beforeEach(async () => {
  now = T0;
  await setClocks(() => now);
  // Claimed tickets survive a drain by design, so start each test from empty shards.
  await clearQueues();
});
afterEach(async () => {
  await setClocks(() => Date.now());
  await clearQueues();
});

const ticket = (category: Category, urgency_level: 1 | 5) => testTicket(category, urgency_level, T0);
/** Into each ticket's (tenant default, category) shard, in this order. */
const seed = (...tickets: V1Ticket[]) => seedShards(tickets);
const ids = (ts: { ticket_id: string }[]) => ts.map((t) => t.ticket_id);
/** Expected queue order: urgent first, then arrival. */
const order = (ts: V1Ticket[]) => [...ts.filter((t) => t.urgency_level === 1), ...ts.filter((t) => t.urgency_level === 5)];

async function claim(body: Record<string, unknown> = {}): Promise<Response> {
  return postJson("/v1/tickets/claim", body);
}
async function claimOk(body: Record<string, unknown> = {}): Promise<Claim> {
  const res = await claim(body);
  expect(res.status).toBe(200);
  return json<Claim>(res);
}
const ack = (id: string, lease_id: string) => postJson(`/v1/tickets/${id}/ack`, { lease_id });
const release = (id: string, lease_id: string) => postJson(`/v1/tickets/${id}/release`, { lease_id });
async function lookup(id: string): Promise<Entry> {
  const res = await call(`/v1/tickets/${id}`);
  expect(res.status).toBe(200);
  return json<Entry>(res);
}
const status = async () => json<Status>(await call("/v1/tickets/status"));
const peekId = async (q = "") => (await json<V1Ticket>(await call(`/v1/tickets/peek${q}`))).ticket_id;

describe("per-category next and peek", () => {
  it("serves one category urgent-first and FIFO within a level, leaving the others", async () => {
    const all = await seed(
      ticket("Billing", 5),
      ticket("Technical", 1),
      ticket("Billing", 1),
      ticket("Legal", 5),
      ticket("Billing", 5),
      ticket("Billing", 1),
    );
    const billing = order(all.filter((t) => t.category === "Billing"));
    expect(await peekId("?category=Billing")).toBe(billing[0]!.ticket_id);
    const popped: string[] = [];
    for (let i = 0; i < billing.length; i++) {
      const res = await call("/v1/tickets/next?category=Billing");
      expect(res.status).toBe(200);
      popped.push((await json<V1Ticket>(res)).ticket_id);
    }
    expect(popped).toEqual(ids(billing));
    for (const path of ["/v1/tickets/next?category=Billing", "/v1/tickets/peek?category=Billing"]) {
      const res = await call(path);
      expect(res.status).toBe(404);
      expect(await json(res)).toEqual({ detail: "Queue is empty." });
    }
    // Without a category: global order over what is left.
    expect(await peekId()).toBe(all[1]!.ticket_id);
    expect((await status()).pending).toBe(2);
    // next is still one step: the popped tickets are done, not claimed.
    expect(await lookup(billing[0]!.ticket_id)).toMatchObject({ state: "done", ticket: { via: "next", category: "Billing" } });
  });

  it.each([
    ["GET", "/v1/tickets/next?category=Sales"],
    ["GET", "/v1/tickets/peek?category=billing"],
    ["GET", "/v1/tickets?category=Sales"],
    ["POST", "/v1/tickets/claim"],
  ])("%s %s with an unknown category → 422 naming the allowed ones, nothing taken", async (method, path) => {
    await seed(ticket("Billing", 5));
    const res = method === "POST" ? await claim({ category: "Sales" }) : await call(path);
    expect(res.status).toBe(422);
    const body = await json<{ detail: string; errors: { path: string }[] }>(res);
    expect(body.detail).toBe("category: category must be one of Billing, Legal, Technical");
    expect(body.errors.map((e) => e.path)).toEqual(["category"]);
    expect(await status()).toMatchObject({ pending: 1, claimed: 0 });
  });
});

describe("claim, ack, release", () => {
  it("claims the next ticket out of the waiting order, acks it as processed", async () => {
    const [a, b] = await seed(ticket("Technical", 5), ticket("Technical", 5));
    const before = await status();
    const c = await claimOk({ agent: "alice" });
    expect(c.ticket).toEqual(a);
    expect(c.lease.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(c.lease).toMatchObject({ agent: "alice", expires_at: new Date(T0 + 300_000).toISOString() });
    // Out of the waiting order, not done.
    expect(await peekId()).toBe(b!.ticket_id);
    expect(await status()).toMatchObject({ pending: 1, claimed: 1, processed: before.processed });
    expect(await lookup(a!.ticket_id)).toEqual({
      state: "claimed",
      ticket: a,
      lease: { agent: "alice", expires_at: c.lease.expires_at },
    });

    const res = await ack(a!.ticket_id, c.lease.id);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ state: "done", ticket: a });
    expect(await status()).toMatchObject({ pending: 1, claimed: 0, processed: before.processed + 1 });
    expect(await lookup(a!.ticket_id)).toMatchObject({ state: "done", ticket: { ticket_id: a!.ticket_id, via: "ack", done_at: new Date(T0).toISOString() } });
  });

  it("claims per category, urgent first and FIFO within a level", async () => {
    const all = await seed(ticket("Legal", 5), ticket("Billing", 5), ticket("Legal", 1), ticket("Billing", 1), ticket("Legal", 5));
    const legal = order(all.filter((t) => t.category === "Legal"));
    const got: string[] = [];
    for (let i = 0; i < legal.length; i++) got.push((await claimOk({ category: "Legal" })).ticket.ticket_id);
    expect(got).toEqual(ids(legal));
    const res = await claim({ category: "Legal" });
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ detail: "Queue is empty." });
    expect((await claimOk()).ticket.ticket_id).toBe(all[3]!.ticket_id);
  });

  it("release puts the ticket back at its old place (same urgency, same arrival order)", async () => {
    const all = await seed(ticket("Billing", 5), ticket("Billing", 5), ticket("Billing", 1), ticket("Billing", 5));
    const c = await claimOk(); // the urgent one
    expect(c.ticket.ticket_id).toBe(all[2]!.ticket_id);
    const d = await claimOk(); // the oldest normal one
    expect(d.ticket.ticket_id).toBe(all[0]!.ticket_id);
    // A ticket pushed after the claims must not overtake either on release.
    const [late] = await seed(ticket("Billing", 5));

    const res = await release(d.ticket.ticket_id, d.lease.id);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ state: "queued", ticket: d.ticket });
    expect((await release(c.ticket.ticket_id, c.lease.id)).status).toBe(200);

    const list = await json<List>(await call("/v1/tickets"));
    expect(ids(list.tickets.map((e) => e.ticket))).toEqual(ids(order([...all, late!])));
    expect(list.tickets.every((e) => e.state === "queued")).toBe(true);
    expect(await status()).toMatchObject({ pending: 5, claimed: 0 });
  });

  it("answers 409 and changes nothing for a wrong lease id, ack after release, release after ack", async () => {
    const [a] = await seed(ticket("Technical", 5), ticket("Technical", 5));
    const c = await claimOk({ agent: "bob" });

    const wrong = await ack(a!.ticket_id, crypto.randomUUID());
    expect(wrong.status).toBe(409);
    expect((await json<{ detail: string }>(wrong)).detail).toMatch(/not the live lease/);
    expect((await release(a!.ticket_id, "not-a-lease")).status).toBe(409);
    expect(await lookup(a!.ticket_id)).toMatchObject({ state: "claimed", lease: { agent: "bob" } });

    expect((await release(a!.ticket_id, c.lease.id)).status).toBe(200);
    const before = await status();
    expect((await ack(a!.ticket_id, c.lease.id)).status).toBe(409);
    expect((await release(a!.ticket_id, c.lease.id)).status).toBe(409);
    expect(await status()).toEqual(before);
    expect((await lookup(a!.ticket_id)).state).toBe("queued");

    const again = await claimOk();
    expect(again.ticket.ticket_id).toBe(a!.ticket_id);
    expect(again.lease.id).not.toBe(c.lease.id);
    expect((await ack(a!.ticket_id, c.lease.id)).status).toBe(409); // the old lease, on the new claim
    expect((await ack(a!.ticket_id, again.lease.id)).status).toBe(200);
    const after = await status();
    expect((await ack(a!.ticket_id, again.lease.id)).status).toBe(409); // acked twice
    expect((await release(a!.ticket_id, again.lease.id)).status).toBe(409); // release after ack
    expect(await status()).toEqual(after);
  });

  it("answers 404 for an unknown ticket", async () => {
    const id = crypto.randomUUID();
    for (const res of [await ack(id, "x"), await release(id, "x"), await call(`/v1/tickets/${id}`)]) {
      expect(res.status).toBe(404);
      expect(await json(res)).toEqual({ detail: `No ticket ${id}.` });
    }
  });

  it.each([
    ["lease_seconds below 10", { lease_seconds: 9 }, "lease_seconds"],
    ["lease_seconds above 3600", { lease_seconds: 3601 }, "lease_seconds"],
    ["fractional lease_seconds", { lease_seconds: 10.5 }, "lease_seconds"],
    ["lease_seconds as a string", { lease_seconds: "300" }, "lease_seconds"],
    ["empty agent", { agent: " " }, "agent"],
    ["unknown field", { priority: 1 }, "body"],
  ])("claim with %s → 422, nothing claimed", async (_, body, path) => {
    await seed(ticket("Billing", 5));
    const res = await claim(body);
    expect(res.status).toBe(422);
    expect((await json<{ errors: { path: string }[] }>(res)).errors.map((e) => e.path)).toEqual([path]);
    expect(await status()).toMatchObject({ pending: 1, claimed: 0 });
  });

  it("accepts lease_seconds 10 and 3600 exactly", async () => {
    await seed(ticket("Billing", 5), ticket("Billing", 5));
    expect((await claimOk({ lease_seconds: 10 })).lease.expires_at).toBe(new Date(T0 + 10_000).toISOString());
    expect((await claimOk({ lease_seconds: 3600 })).lease.expires_at).toBe(new Date(T0 + 3_600_000).toISOString());
  });

  it("ack and release need a lease_id (422)", async () => {
    const [a] = await seed(ticket("Billing", 5));
    await claimOk();
    for (const res of [await postJson(`/v1/tickets/${a!.ticket_id}/ack`, {}), await postJson(`/v1/tickets/${a!.ticket_id}/release`, { lease_id: 1 })]) {
      expect(res.status).toBe(422);
      expect((await json<{ errors: { path: string }[] }>(res)).errors.map((e) => e.path)).toEqual(["lease_id"]);
    }
    expect((await lookup(a!.ticket_id)).state).toBe("claimed");
  });
});

describe("lease expiry (injected clock)", () => {
  it("puts an expired ticket back at its old place; the next claim gets it; the old lease is stale", async () => {
    const [a, b] = await seed(ticket("Billing", 5), ticket("Billing", 5));
    const c = await claimOk({ lease_seconds: 10, agent: "alice" });
    expect(c.ticket.ticket_id).toBe(a!.ticket_id);

    now = T0 + 9_999;
    expect((await lookup(a!.ticket_id)).state).toBe("claimed");
    expect(await peekId()).toBe(b!.ticket_id);

    now = T0 + 10_000;
    expect(await lookup(a!.ticket_id)).toEqual({ state: "queued", ticket: a });
    expect(await status()).toMatchObject({ pending: 2, claimed: 0 });
    expect((await ack(a!.ticket_id, c.lease.id)).status).toBe(409);

    const again = await claimOk({ agent: "bob" });
    expect(again.ticket.ticket_id).toBe(a!.ticket_id);
    expect(again.lease.expires_at).toBe(new Date(T0 + 10_000 + 300_000).toISOString());
    expect((await ack(a!.ticket_id, c.lease.id)).status).toBe(409);
    expect((await ack(a!.ticket_id, again.lease.id)).status).toBe(200);
  });

  it("expires leases from the alarm with no request in between", async () => {
    const [a] = await seed(ticket("Technical", 1));
    await claimOk({ lease_seconds: 10 });
    const leaseOf = () =>
      runInDurableObject(shardStub("Technical"), (_, state) =>
        state.storage.sql.exec<{ lease_id: string | null }>("SELECT lease_id FROM v1_queue WHERE ticket_id = ?", a!.ticket_id).one().lease_id,
      );
    expect(await leaseOf()).not.toBeNull();
    now = T0 + 10_000;
    // Read the row directly: any Router call would expire the lease itself.
    expect(await leaseOf()).not.toBeNull();
    expect(await runDurableObjectAlarm(shardStub("Technical"))).toBe(true);
    expect(await leaseOf()).toBeNull();
  });
});

describe("concurrency", () => {
  it("gives two agents claiming at once different tickets", async () => {
    const seeded = await seed(ticket("Billing", 5), ticket("Billing", 5));
    const [x, y] = await Promise.all([claimOk({ agent: "alice" }), claimOk({ agent: "bob" })]);
    expect(new Set([x!.ticket.ticket_id, y!.ticket.ticket_id])).toEqual(new Set(ids(seeded)));
    expect(new Set([x!.lease.agent, y!.lease.agent])).toEqual(new Set(["alice", "bob"]));
  });

  it("200 concurrent claims: each ticket claimed once, and acked once", async () => {
    const seeded = await seed(...Array.from({ length: 200 }, (_, i) => ticket((["Billing", "Legal", "Technical"] as const)[i % 3]!, i % 4 ? 5 : 1)));
    const before = await status();
    const responses = await Promise.all(Array.from({ length: 201 }, () => claim()));
    expect(responses.filter((r) => r.status === 404)).toHaveLength(1);
    const claims = await Promise.all(responses.filter((r) => r.status === 200).map((r) => json<Claim>(r)));
    expect(claims).toHaveLength(200);
    expect(new Set(claims.map((c) => c.ticket.ticket_id))).toEqual(new Set(ids(seeded)));
    expect(await status()).toMatchObject({ pending: 0, claimed: 200 });

    // Each ack twice at once: exactly one of each pair wins.
    const acks = await Promise.all(claims.flatMap((c) => [ack(c.ticket.ticket_id, c.lease.id), ack(c.ticket.ticket_id, c.lease.id)]));
    expect(acks.filter((r) => r.status === 200)).toHaveLength(200);
    expect(acks.filter((r) => r.status === 409)).toHaveLength(200);
    expect(await status()).toMatchObject({ pending: 0, claimed: 0, processed: before.processed + 200 });
  });
});

describe("GET /v1/tickets (listing)", () => {
  it("lists in queue order with states, paged by an opaque cursor", async () => {
    const all = await seed(...Array.from({ length: 7 }, (_, i) => ticket(i % 2 ? "Billing" : "Legal", i % 3 ? 5 : 1)));
    const expected = order(all);
    const c = await claimOk({ agent: "carol" });
    expect(c.ticket.ticket_id).toBe(expected[0]!.ticket_id);

    const seen: Entry[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 4; page++) {
      const res = await call(`/v1/tickets?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(res.status).toBe(200);
      const body = await json<List>(res);
      seen.push(...body.tickets);
      cursor = body.next_cursor;
      if (!cursor) break;
      expect(body.tickets).toHaveLength(3);
    }
    expect(cursor).toBeNull();
    expect(ids(seen.map((e) => e.ticket))).toEqual(ids(expected));
    expect(seen[0]).toEqual({ state: "claimed", ticket: c.ticket, lease: { agent: "carol", expires_at: c.lease.expires_at } });
    expect(seen.slice(1).every((e) => e.state === "queued" && !("lease" in e))).toBe(true);

    const queued = await json<List>(await call("/v1/tickets?state=queued"));
    expect(ids(queued.tickets.map((e) => e.ticket))).toEqual(ids(expected.slice(1)));
    const claimed = await json<List>(await call("/v1/tickets?state=claimed"));
    expect(ids(claimed.tickets.map((e) => e.ticket))).toEqual([c.ticket.ticket_id]);
    const billing = await json<List>(await call("/v1/tickets?category=Billing&limit=500"));
    expect(ids(billing.tickets.map((e) => e.ticket))).toEqual(ids(expected.filter((t) => t.category === "Billing")));
    expect(billing.next_cursor).toBeNull();
  });

  it("returns 50 by default", async () => {
    await seed(...Array.from({ length: 60 }, () => ticket("Technical", 5)));
    const body = await json<List>(await call("/v1/tickets"));
    expect(body.tickets).toHaveLength(50);
    expect(body.next_cursor).toEqual(expect.any(String));
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    ["limit=abc", "limit"],
    ["state=done", "state"],
    ["cursor=abc", "cursor"],
    ["cursor=%21%21", "cursor"],
    [`cursor=${btoa("q1:5:x")}`, "cursor"],
  ])("?%s → 422 naming %s", async (query, path) => {
    const res = await call(`/v1/tickets?${query}`);
    expect(res.status).toBe(422);
    expect((await json<{ errors: { path: string }[] }>(res)).errors.map((e) => e.path)).toEqual([path]);
  });
});

describe("status, drain and lookup", () => {
  it("reports waiting tickets per category and urgency level, and the claimed count", async () => {
    await seed(ticket("Billing", 1), ticket("Billing", 5), ticket("Billing", 5), ticket("Technical", 1));
    await claimOk({ category: "Technical" });
    const s = await status();
    expect(s).toMatchObject({ pending: 3, claimed: 1 });
    expect(s.by_category).toEqual({
      Billing: { pending: 3, by_urgency: { "1": 1, "5": 2 } },
      Legal: { pending: 0, by_urgency: { "1": 0, "5": 0 } },
      Technical: { pending: 0, by_urgency: { "1": 0, "5": 0 } },
    });
    expect(s.message).toBe(`3 ticket(s) waiting, 1 claimed, ${s.processed} processed so far.`);
  });

  it("drain leaves claimed tickets alone; drained ones read as done", async () => {
    const [a, b] = await seed(ticket("Billing", 5), ticket("Billing", 5));
    const c = await claimOk();
    const page = await json<{ drained: number; remaining: number; tickets: V1Ticket[] }>(await call("/v1/tickets", { method: "DELETE" }));
    expect(page).toEqual({ drained: 1, remaining: 0, tickets: [b] });
    expect(await lookup(b!.ticket_id)).toMatchObject({ state: "done", ticket: { via: "drain" } });
    expect((await ack(a!.ticket_id, c.lease.id)).status).toBe(200);
  });

  it("keeps leases across a Durable Object restart", async () => {
    const [a] = await seed(ticket("Legal", 5));
    const c = await claimOk();
    const { evictAllDurableObjects } = await import("cloudflare:test");
    await evictAllDurableObjects();
    await setClocks(() => now);
    expect((await lookup(a!.ticket_id)).state).toBe("claimed");
    expect((await ack(a!.ticket_id, c.lease.id)).status).toBe(200);
  });
});

describe("migration of a pre-lease queue", () => {
  it("adds the lease and category columns to an old table, keeping tickets and order", async () => {
    const old = [ticket("Billing", 5), ticket("Legal", 1), ticket("Billing", 1)];
    const result = await runInDurableObject(env.ROUTER.getByName(`migration-${crypto.randomUUID()}`), (_, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE IF EXISTS v1_queue");
      sql.exec("CREATE TABLE v1_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, urgency_level INTEGER NOT NULL, ticket TEXT NOT NULL)");
      for (const t of old) sql.exec("INSERT INTO v1_queue (urgency_level, ticket) VALUES (?, ?)", t.urgency_level, JSON.stringify(t));
      const queue = new PriorityQueue(sql);
      return { billing: queue.peek("Billing")?.ticket_id, all: queue.drain(10).map((t) => t.ticket_id), found: queue.byTicketId(old[0]!.ticket_id) };
    });
    expect(result.billing).toBe(old[2]!.ticket_id);
    expect(result.all).toEqual(ids(order(old)));
    expect(result.found).toBeNull(); // drained
  });
});

describe("OpenAPI", () => {
  it("documents the lease, lookup and listing routes with their statuses", async () => {
    const doc = await json<{ paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string }[] }>> }>(
      await call("/openapi.json"),
    );
    expect(Object.keys(doc.paths["/v1/tickets/claim"]!.post!.responses).sort()).toEqual(["200", "400", "401", "404", "413", "415", "422", "429"]);
    for (const action of ["ack", "release"]) {
      expect(Object.keys(doc.paths[`/v1/tickets/{ticket_id}/${action}`]!.post!.responses)).toEqual(expect.arrayContaining(["200", "404", "409", "422"]));
    }
    expect(Object.keys(doc.paths["/v1/tickets/{ticket_id}"]!.get!.responses)).toEqual(expect.arrayContaining(["200", "404"]));
    expect(doc.paths["/v1/tickets"]!.get!.parameters?.map((p) => p.name).sort()).toEqual(["category", "cursor", "limit", "queue", "state"]);
    expect(doc.paths["/v1/tickets/next"]!.get!.parameters?.map((p) => p.name)).toEqual(["category", "queue"]);
  });
});

describe("edges", () => {
  it("HEAD next?category= answers like peek of that category and removes nothing", async () => {
    await seed(ticket("Technical", 1), ticket("Billing", 5));
    const res = await call("/v1/tickets/next?category=Legal", { method: "HEAD" });
    expect(res.status).toBe(404);
    expect((await call("/v1/tickets/next?category=Billing", { method: "HEAD" })).status).toBe(200);
    expect((await status()).pending).toBe(2);
  });

  it("next pops a ticket whose lease ran out, in its old place", async () => {
    const [a] = await seed(ticket("Legal", 5), ticket("Legal", 5));
    const c = await claimOk({ lease_seconds: 10 });
    now = T0 + 10_000;
    expect((await json<V1Ticket>(await call("/v1/tickets/next?category=Legal"))).ticket_id).toBe(a!.ticket_id);
    expect((await ack(a!.ticket_id, c.lease.id)).status).toBe(409);
    expect(await lookup(a!.ticket_id)).toMatchObject({ state: "done", ticket: { via: "next" } });
  });

  type Shard = ReturnType<typeof shardStub>;
  it.each([
    ["lease_seconds 9", (r: Shard) => r.take({ action: "claim", category: null, bound: null, leaseSeconds: 9 }), /lease_seconds must be an integer from 10 to 3600/],
    ["an unknown category", (r: Shard) => r.take({ action: "claim", category: "Sales" as Category, bound: null }), /category must be one of/],
    ["an unknown category on next", (r: Shard) => r.take({ action: "next", category: "Sales" as Category, bound: null }), /category must be one of/],
    ["list limit 501", (r: Shard) => r.list({ limit: 501 }), /list limit must be an integer/],
  ])("the Router refuses %s over RPC, claiming nothing", async (_, send, message) => {
    await seed(ticket("Billing", 5));
    let error: unknown = null;
    try {
      await send(shardStub("Billing"));
    } catch (e) {
      error = e;
    }
    expect(String(error)).toMatch(message);
    expect(await status()).toMatchObject({ pending: 1, claimed: 0 });
  });
});
