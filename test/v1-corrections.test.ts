// POST /v1/tickets/{id}/category: recorded first, then applied (moved across shards at its old
// place, lease carried, forwarding rows followed by id), never losing or duplicating a ticket.
import { env } from "cloudflare:workers";
import { createExecutionContext, evictAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { callWithToken } from "./helpers.ts";
import { createApp } from "../src/app.ts";
import { correctionLogFor } from "../src/corrections/correction-log.ts";
import type { Env } from "../src/env.ts";
import { CATEGORIES } from "../src/ml/categories.ts";
import type { Router } from "../src/router/router-do.ts";
import { shardName } from "../src/router/shard-key.ts";
import type { V1Ticket } from "../src/schemas/ticket.ts";
import { seedShards, shardStub, testTicket } from "./v1-queue.ts";

const app = createApp();
const run = crypto.randomUUID().slice(0, 8);
const LABELS = ["idem", "order", "lease", "nolease", "done", "confirm", "errors", "survive", "half", "alarm", "chain", "race", "twice"] as const;
const T = Object.fromEntries(LABELS.map((l) => [l, { name: `c-${l}-${run}`, token: `c-${l}-${run}-token-0123456789` }])) as Record<
  (typeof LABELS)[number],
  { name: string; token: string }
>;
const API_TOKENS = JSON.stringify(Object.fromEntries(Object.values(T).map((t) => [t.token, { tenant: t.name, agent: "alice" }])));
const [A, B, C] = CATEGORIES as unknown as [string, string, string];

type Reply = { status: number; body: any };
const as = (t: { token: string }, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  callWithToken({ API_TOKENS }, t.token, method, path, body, headers);
const correct = (t: { token: string }, id: string, body: unknown) => as(t, "POST", `/v1/tickets/${id}/category`, body);
const ids = (entries: { ticket: V1Ticket }[]) => entries.map((e) => e.ticket.ticket_id);
const review = (t: V1Ticket): V1Ticket => ({ ...t, routing: "review", reason: { decided_by: "model", rules: [], detail: "seeded" } });
const rowsIn = (category: string, tenant: string) =>
  runInDurableObject(shardStub(category, tenant), (_, state) => state.storage.sql.exec<{ ticket_id: string }>("SELECT ticket_id FROM v1_queue").toArray().map((r) => r.ticket_id));

describe("POST /v1/tickets/{ticket_id}/category", () => {
  it("moves a queued ticket to the new category at its old place, records who/when/before/after, and lists it", async () => {
    const t0 = Date.now();
    const [b1, x, b2] = await seedShards([testTicket(B, 5, t0), testTicket(A, 5, t0), testTicket(B, 5, t0)], T.order.name);
    const r = await correct(T.order, x!.ticket_id, { category: B });
    expect(r.status).toBe(200);
    expect(r.body.correction).toMatchObject({
      ticket_id: x!.ticket_id, api: "v1", previous_category: A, category: B, agent: "alice", state: "queued", moved: true, subject: x!.subject, body: x!.body,
    });
    expect(r.body.ticket).toMatchObject({ state: "queued", ticket: { ticket_id: x!.ticket_id, category: B, routing: "auto", reason: { decided_by: "agent" } } });

    expect(ids((await as(T.order, "GET", `/v1/tickets?category=${B}`)).body.tickets)).toEqual([b1!.ticket_id, x!.ticket_id, b2!.ticket_id]);
    const status = (await as(T.order, "GET", "/v1/tickets/status")).body;
    expect(status.by_category[A].pending).toBe(0);
    expect(status.by_category[B].pending).toBe(3);
    expect(status.pending).toBe(3);
    expect((await as(T.order, "GET", `/v1/tickets/${x!.ticket_id}`)).body).toMatchObject({ state: "queued", ticket: { category: B } });
    expect(await rowsIn(A, T.order.name)).toEqual([]);

    const listed = (await as(T.order, "GET", "/v1/corrections")).body.corrections;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ correction_id: r.body.correction.correction_id, moved: true, previous_category: A, category: B });
    const popped = [];
    for (let i = 0; i < 3; i++) popped.push((await as(T.order, "GET", `/v1/tickets/next?category=${B}`)).body.ticket_id);
    expect(popped).toEqual([b1!.ticket_id, x!.ticket_id, b2!.ticket_id]);
  });

  it("relabels a claimed ticket with its live lease and keeps the lease; ack and release by its old id follow it", async () => {
    const [x] = await seedShards([testTicket(A, 5, Date.now())], T.lease.name);
    const claim = (await as(T.lease, "POST", "/v1/tickets/claim", { category: A })).body;
    expect(claim.ticket.ticket_id).toBe(x!.ticket_id);
    const r = await correct(T.lease, x!.ticket_id, { category: B, lease_id: claim.lease.id });
    expect(r.status).toBe(200);
    expect(r.body.correction).toMatchObject({ state: "claimed", moved: true });
    expect(r.body.ticket).toMatchObject({ state: "claimed", ticket: { category: B }, lease: { agent: "alice", expires_at: claim.lease.expires_at } });
    expect(await rowsIn(A, T.lease.name)).toEqual([]);
    expect(await rowsIn(B, T.lease.name)).toEqual([x!.ticket_id]);

    const released = await as(T.lease, "POST", `/v1/tickets/${x!.ticket_id}/release`, { lease_id: claim.lease.id });
    expect(released).toMatchObject({ status: 200, body: { state: "queued", ticket: { category: B } } });
    const again = (await as(T.lease, "POST", "/v1/tickets/claim", { category: B })).body;
    expect(again.ticket.ticket_id).toBe(x!.ticket_id);
    expect((await as(T.lease, "POST", `/v1/tickets/${x!.ticket_id}/ack`, { lease_id: claim.lease.id })).status).toBe(409);
    expect((await as(T.lease, "POST", `/v1/tickets/${x!.ticket_id}/ack`, { lease_id: again.lease.id })).status).toBe(200);
    expect((await as(T.lease, "GET", `/v1/tickets/${x!.ticket_id}`)).body).toMatchObject({ state: "done", ticket: { category: B, via: "ack" } });
  });

  it("answers 409 for a claimed ticket without its live lease, and records and changes nothing", async () => {
    const [x] = await seedShards([testTicket(A, 5, Date.now())], T.nolease.name);
    await as(T.nolease, "POST", "/v1/tickets/claim", {});
    for (const body of [{ category: B }, { category: B, lease_id: crypto.randomUUID() }]) {
      const r = await correct(T.nolease, x!.ticket_id, body);
      expect(r.status).toBe(409);
      expect(r.body.detail).toMatch(/lease_id/);
    }
    expect((await as(T.nolease, "GET", `/v1/tickets/${x!.ticket_id}`)).body).toMatchObject({ state: "claimed", ticket: { category: A } });
    expect((await as(T.nolease, "GET", "/v1/corrections")).body.corrections).toEqual([]);
  });

  it("records a done ticket's correction with its text, moves nothing", async () => {
    const [x] = await seedShards([testTicket(A, 5, Date.now())], T.done.name);
    expect((await as(T.done, "GET", "/v1/tickets/next")).body.ticket_id).toBe(x!.ticket_id);
    const r = await correct(T.done, x!.ticket_id, { category: B });
    expect(r.status).toBe(200);
    expect(r.body.correction).toMatchObject({ state: "done", moved: false, previous_category: A, category: B, subject: x!.subject, body: x!.body });
    expect(r.body.ticket).toMatchObject({ state: "done", ticket: { category: A } });
    expect((await as(T.done, "GET", "/v1/corrections")).body.corrections).toHaveLength(1);
  });

  it("confirms a review ticket into the auto lane in place when the category is unchanged", async () => {
    const t0 = Date.now();
    const [before, x, after] = await seedShards([testTicket(A, 5, t0), review(testTicket(A, 5, t0)), testTicket(A, 5, t0)], T.confirm.name);
    expect(ids((await as(T.confirm, "GET", "/v1/tickets")).body.tickets)).toEqual([before!.ticket_id, after!.ticket_id]);
    const r = await correct(T.confirm, x!.ticket_id, { category: A });
    expect(r.body.correction).toMatchObject({ previous_category: A, category: A, moved: true });
    expect(r.body.ticket.ticket).toMatchObject({ routing: "auto", reason: { decided_by: "agent", detail: expect.stringContaining("confirmed") } });
    expect(ids((await as(T.confirm, "GET", "/v1/tickets")).body.tickets)).toEqual([before!.ticket_id, x!.ticket_id, after!.ticket_id]);
    expect((await as(T.confirm, "GET", "/v1/tickets/next?queue=review")).status).toBe(404);
    expect((await as(T.confirm, "GET", "/v1/tickets/status")).body.review.pending).toBe(0);
  });

  it("moves a review ticket to another category's auto lane", async () => {
    const [x] = await seedShards([review(testTicket(A, 1, Date.now()))], T.twice.name);
    expect((await correct(T.twice, x!.ticket_id, { category: C })).body.ticket.ticket).toMatchObject({ category: C, routing: "auto" });
    expect((await as(T.twice, "GET", "/v1/tickets/status")).body).toMatchObject({ pending: 1, review: { pending: 0 }, by_category: { [C]: { pending: 1 } } });
  });

  it("a replay of the ticket's Idempotency-Key after a correction queues nothing again", async () => {
    const key = { "Idempotency-Key": crypto.randomUUID() };
    const ticket = { subject: "Refund for a double charge", body: "I was charged twice for my subscription invoice this month." };
    const first = await as(T.idem, "POST", "/v1/tickets", ticket, key);
    expect(first.status).toBe(201);
    const other = CATEGORIES.find((c) => c !== first.body.category)!;
    expect((await correct(T.idem, first.body.ticket_id, { category: other })).status).toBe(200);
    const replay = await as(T.idem, "POST", "/v1/tickets", ticket, key);
    expect(replay).toMatchObject({ status: 201, body: { ticket_id: first.body.ticket_id } });
    expect((await as(T.idem, "GET", "/v1/tickets/status")).body.pending).toBe(1);
    expect(await rowsIn(first.body.category, T.idem.name)).toEqual([]);
    expect((await as(T.idem, "GET", `/v1/tickets/${first.body.ticket_id}`)).body.ticket.category).toBe(other);
  });

  it("answers 404 for an unknown ticket and 422 for a bad body, recording nothing", async () => {
    expect((await correct(T.errors, crypto.randomUUID(), { category: A })).status).toBe(404);
    const [x] = await seedShards([testTicket(A, 5, Date.now())], T.errors.name);
    for (const body of [{ category: "Sales" }, {}, { category: A, extra: 1 }]) expect((await correct(T.errors, x!.ticket_id, body)).status).toBe(422);
    expect((await as(T.errors, "GET", "/v1/corrections")).body.corrections).toEqual([]);
  });

  it("keeps the correction across a restart (a new stub reads it)", async () => {
    const [x] = await seedShards([testTicket(A, 5, Date.now())], T.survive.name);
    const r = await correct(T.survive, x!.ticket_id, { category: B });
    await evictAllDurableObjects();
    expect(await correctionLogFor(env, T.survive.name).latestFor(x!.ticket_id)).toEqual(r.body.correction);
    expect((await as(T.survive, "GET", `/v1/tickets/${x!.ticket_id}`)).body).toMatchObject({ state: "queued", ticket: { category: B } });
  });

  it("follows a ticket corrected twice (two forwarding hops) and back to its first shard", async () => {
    const [x] = await seedShards([testTicket(A, 5, Date.now())], T.chain.name);
    await correct(T.chain, x!.ticket_id, { category: B });
    await correct(T.chain, x!.ticket_id, { category: C });
    expect((await as(T.chain, "GET", `/v1/tickets/${x!.ticket_id}`)).body).toMatchObject({ state: "queued", ticket: { category: C } });
    const back = await correct(T.chain, x!.ticket_id, { category: A });
    expect(back.body.correction).toMatchObject({ previous_category: C, moved: true });
    expect(await rowsIn(A, T.chain.name)).toEqual([x!.ticket_id]);
    expect([...(await rowsIn(B, T.chain.name)), ...(await rowsIn(C, T.chain.name))]).toEqual([]);
    expect((await as(T.chain, "GET", "/v1/corrections")).body.corrections.map((c: { category: string }) => c.category)).toEqual([B, C, A]);
  });
});

describe("OpenAPI", () => {
  it("documents the correction route with its statuses", async () => {
    const doc = (await (await app.fetch(new Request("http://edge.test/openapi.json"), env as Env, createExecutionContext())).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths["/v1/tickets/{ticket_id}/category"]!.post!.responses).sort()).toEqual(["200", "400", "401", "404", "409", "413", "415", "422", "429"]);
  });
});

describe("a half-done move", () => {
  const begin = (tenant: string, id: string) =>
    shardStub(A, tenant).beginMove({ ticket_id: id, category: B, to: shardName(tenant, B), lease_id: null, reason: { decided_by: "agent", rules: [], detail: "test" } });

  it("is out of every take meanwhile, and the next lookup by id completes it", async () => {
    const [x] = await seedShards([testTicket(A, 5, Date.now())], T.half.name);
    expect((await begin(T.half.name, x!.ticket_id)) as { kind: string }).toMatchObject({ kind: "moving" });
    expect((await as(T.half, "GET", "/v1/tickets/next")).status).toBe(404);
    expect((await as(T.half, "GET", "/v1/tickets")).body.tickets).toEqual([]);
    expect((await as(T.half, "GET", `/v1/tickets/${x!.ticket_id}`)).body).toMatchObject({ state: "queued", ticket: { category: B } });
    expect(await rowsIn(A, T.half.name)).toEqual([]);
    expect(await rowsIn(B, T.half.name)).toEqual([x!.ticket_id]);
    expect((await as(T.half, "GET", "/v1/tickets/next")).body.ticket_id).toBe(x!.ticket_id);
  });

  it("is completed by the old shard's alarm, and a second completion inserts nothing", async () => {
    const [x] = await seedShards([testTicket(A, 5, Date.now())], T.alarm.name);
    const begun = (await begin(T.alarm.name, x!.ticket_id)) as { kind: "moving"; move: Parameters<Router["acceptMove"]>[0] };
    expect(await runDurableObjectAlarm(shardStub(A, T.alarm.name))).toBe(true);
    expect(await rowsIn(A, T.alarm.name)).toEqual([]);
    expect(await rowsIn(B, T.alarm.name)).toEqual([x!.ticket_id]);
    expect(await shardStub(B, T.alarm.name).acceptMove(begun.move)).toEqual({ accepted: false });
    expect((await as(T.alarm, "GET", "/v1/tickets/status")).body.pending).toBe(1);
  });
});

describe("corrections racing claims", () => {
  it("never loses or duplicates a ticket: 20 tickets, corrections and claims at once, then everything drained exactly once", async () => {
    const t0 = Date.now();
    const seeded = await seedShards(
      Array.from({ length: 20 }, (_, i) => testTicket(CATEGORIES[i % CATEGORIES.length]!, i % 4 === 0 ? 1 : 5, t0)),
      T.race.name,
    );
    const ops = [
      ...seeded.map((t, i) => correct(T.race, t.ticket_id, { category: CATEGORIES[(i + 1) % CATEGORIES.length]! })),
      ...seeded.slice(0, 10).map((t, i) => correct(T.race, t.ticket_id, { category: CATEGORIES[(i + 2) % CATEGORIES.length]! })),
      ...Array.from({ length: 12 }, () => as(T.race, "POST", "/v1/tickets/claim", {})),
    ];
    const replies = await Promise.all(ops);
    for (const r of replies) expect([200, 404, 409]).toContain(r.status);
    const claims = replies.slice(30).filter((r) => r.status === 200).map((r) => r.body);
    expect(new Set(claims.map((c) => c.ticket.ticket_id)).size).toBe(claims.length);

    const seen: string[] = [];
    for (const c of claims) {
      const acked = await as(T.race, "POST", `/v1/tickets/${c.ticket.ticket_id}/ack`, { lease_id: c.lease.id });
      expect(acked.status).toBe(200);
      seen.push(acked.body.ticket.ticket_id);
    }
    for (;;) {
      const page = (await as(T.race, "DELETE", "/v1/tickets?limit=500")).body;
      seen.push(...page.tickets.map((t: V1Ticket) => t.ticket_id));
      if (!page.remaining) break;
    }
    expect(seen.sort()).toEqual(seeded.map((t) => t.ticket_id).sort());
    for (const c of CATEGORIES) expect(await rowsIn(c, T.race.name)).toEqual([]);
    const logged = (await as(T.race, "GET", "/v1/corrections?limit=500")).body.corrections;
    // Every correction answered 200 is logged, and so is one that lost its ticket to a claim in the
    // instant between its check and its move (409 saying it was recorded); a plain 409 logs nothing.
    const recorded = replies.slice(0, 30).filter((r) => r.status === 200 || (r.status === 409 && /correction is recorded/.test(r.body.detail)));
    expect(logged.length).toBe(recorded.length);
    expect(logged.filter((c: { moved: boolean }) => c.moved).length).toBeLessThanOrEqual(replies.slice(0, 30).filter((r) => r.status === 200).length);
  });
});
