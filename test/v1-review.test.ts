// /v1 routing fields and the review lane: tickets below their category's confidence threshold wait
// in a lane of their predicted category's shard, out of the auto lane's takes.
import { env } from "cloudflare:workers";
import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import type { Env } from "../src/env.ts";
import { CATEGORIES } from "../src/ml/categories.ts";
import { PriorityQueue } from "../src/router/priority-queue.ts";
import { effectiveThresholds } from "../src/routing/thresholds.ts";
import { classify } from "../src/router/tenant-queue.ts";
import type { V1Ticket } from "../src/schemas/ticket.ts";
import { seedShards, shardStub, testTicket } from "./v1-queue.ts";

const app = createApp();
const run = crypto.randomUUID().slice(0, 8);
const tenant = (label: string) => ({ name: `${label}-${run}`, token: `${label}-${run}-token-0123456789` });
const T = { all: tenant("rv-all"), none: tenant("rv-none"), lanes: tenant("rv-lanes"), bad: tenant("rv-bad"), old: tenant("rv-old") };
const API_TOKENS = JSON.stringify(Object.fromEntries(Object.values(T).map((t) => [t.token, { tenant: t.name, agent: "alice" }])));
const [A, B] = CATEGORIES as unknown as [string, string];

type Reply = { status: number; body: any };
async function as(t: { token: string }, method: string, path: string, body?: unknown, extra: Partial<Env> = {}): Promise<Reply> {
  const h: Record<string, string> = { Authorization: `Bearer ${t.token}` };
  if (body !== undefined) h["Content-Type"] = "application/json";
  const res = await app.fetch(
    new Request(`http://edge.test${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) }),
    { ...env, API_TOKENS, ...extra } as Env,
    createExecutionContext(),
  );
  return { status: res.status, body: await res.json() };
}
const TICKET = { subject: "Refund for a double charge", body: "I was charged twice for my subscription invoice this month." };
const review = (t: V1Ticket): V1Ticket => ({ ...t, routing: "review", reason: { decided_by: "model", rules: [], detail: "seeded" } });

describe("routing on POST /v1/tickets", () => {
  it("says routing and reason; threshold 1 sends the ticket to review, out of the auto lane's next, peek, claim and list", async () => {
    // An override merges over the bundled per-category thresholds, so every category is named.
    const all = { REVIEW_THRESHOLDS: JSON.stringify({ default: 1, per_category: Object.fromEntries(CATEGORIES.map((c) => [c, 1])) }) } as Partial<Env>;
    const posted = await as(T.all, "POST", "/v1/tickets", TICKET, all);
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ routing: "review", reason: { decided_by: expect.stringMatching(/^(model|rule)$/), rules: expect.any(Array), detail: expect.any(String) } });
    const id = posted.body.ticket_id;
    const category = posted.body.category;

    expect((await as(T.all, "GET", "/v1/tickets/peek")).status).toBe(404);
    expect((await as(T.all, "GET", "/v1/tickets/next")).status).toBe(404);
    expect((await as(T.all, "GET", `/v1/tickets/next?category=${category}`)).status).toBe(404);
    expect((await as(T.all, "POST", "/v1/tickets/claim", {})).status).toBe(404);
    expect((await as(T.all, "GET", "/v1/tickets")).body.tickets).toEqual([]);

    const status = (await as(T.all, "GET", "/v1/tickets/status")).body;
    expect(status.pending).toBe(1);
    expect(status.by_category[category].pending).toBe(0);
    expect(status.review.pending).toBe(1);
    expect(status.review.by_category[category].pending).toBe(1);

    const listed = (await as(T.all, "GET", "/v1/tickets?queue=review")).body.tickets;
    expect(listed.map((e: { ticket: V1Ticket }) => [e.ticket.ticket_id, e.ticket.routing])).toEqual([[id, "review"]]);
    expect((await as(T.all, "GET", "/v1/tickets/peek?queue=review")).body.ticket_id).toBe(id);
    const claimed = await as(T.all, "POST", "/v1/tickets/claim", { queue: "review", category });
    expect(claimed.status).toBe(200);
    expect(claimed.body.ticket.ticket_id).toBe(id);
    expect((await as(T.all, "GET", `/v1/tickets/${id}`)).body).toMatchObject({ state: "claimed", ticket: { routing: "review" } });
    expect((await as(T.all, "POST", `/v1/tickets/${id}/ack`, { lease_id: claimed.body.lease.id })).status).toBe(200);
    expect((await as(T.all, "GET", "/v1/tickets/status")).body).toMatchObject({ pending: 0, review: { pending: 0 } });
  });

  it("threshold 0 routes everything auto", async () => {
    const posted = await as(T.none, "POST", "/v1/tickets", TICKET, { REVIEW_THRESHOLDS: JSON.stringify({ default: 0, per_category: Object.fromEntries(CATEGORIES.map((c) => [c, 0])) }) } as Partial<Env>);
    expect(posted.body.routing).toBe("auto");
    expect((await as(T.none, "GET", "/v1/tickets/next")).body.ticket_id).toBe(posted.body.ticket_id);
  });

  it("classify applies the thresholds it is given to the decided category's confidence", () => {
    const t = classify(TICKET, { default: 0.5, per_category: {} }).ticket;
    expect(t.routing).toBe(t.confidence >= 0.5 ? "auto" : "review");
    expect(classify(TICKET, { default: 0, per_category: { [t.category]: 1 } }).ticket.routing).toBe("review");
    expect(classify(TICKET, { default: 1, per_category: { [t.category]: 0 } }).ticket.routing).toBe("auto");
  });

  it("keeps serving with the bundled thresholds on a malformed REVIEW_THRESHOLDS and says so in /health", async () => {
    const bad = { REVIEW_THRESHOLDS: "{not json" } as Partial<Env>;
    expect(effectiveThresholds(bad).error).toMatch(/REVIEW_THRESHOLDS is not valid JSON.*bundled thresholds/);
    expect(effectiveThresholds(bad).thresholds).toEqual(effectiveThresholds({}).thresholds);
    const posted = await as(T.bad, "POST", "/v1/tickets", TICKET, bad);
    expect(posted.status).toBe(201);
    expect(posted.body.routing).toMatch(/^(auto|review)$/);
    const health = await as(T.bad, "GET", "/health", undefined, bad);
    expect(health.body.status).toBe("degraded");
    expect(health.body.v1.routing_error).toMatch(/REVIEW_THRESHOLDS/);
    expect((await as(T.bad, "GET", "/health")).body.v1.routing_error).toBeNull();
  });
});

describe("the review lane", () => {
  it("takes in the tenant's order across shards, per category too, and never from the auto lane", async () => {
    const t0 = Date.now();
    const seeded = await seedShards(
      [review(testTicket(A, 5, t0)), testTicket(A, 5, t0), review(testTicket(B, 1, t0)), review(testTicket(B, 5, t0)), review(testTicket(A, 1, t0))],
      T.lanes.name,
    );
    const [r1, auto, r2, r3, r4] = seeded;
    expect((await as(T.lanes, "GET", `/v1/tickets/next?queue=review&category=${A}`)).body.ticket_id).toBe(r4!.ticket_id);
    const popped = [];
    for (let i = 0; i < 3; i++) popped.push((await as(T.lanes, "GET", "/v1/tickets/next?queue=review")).body.ticket_id);
    expect(popped).toEqual([r2!.ticket_id, r1!.ticket_id, r3!.ticket_id]);
    expect((await as(T.lanes, "GET", "/v1/tickets/next?queue=review")).status).toBe(404);
    expect((await as(T.lanes, "GET", "/v1/tickets/next")).body.ticket_id).toBe(auto!.ticket_id);
  });

  it("refuses an unknown lane with 422 naming the allowed ones", async () => {
    for (const r of [await as(T.lanes, "GET", "/v1/tickets/next?queue=later"), await as(T.lanes, "POST", "/v1/tickets/claim", { queue: "later" })]) {
      expect(r.status).toBe(422);
      expect(JSON.stringify(r.body)).toContain("queue must be one of auto, review");
    }
  });

  it("reads tickets stored before routing existed: no routing, auto lane, and a pre-lane table gains the lane column", async () => {
    const { routing: _r, reason: _s, ...old } = testTicket(A, 5, Date.now());
    await runInDurableObject(shardStub(A, T.old.name), (_, state) => {
      const sql = state.storage.sql;
      new PriorityQueue(sql); // current schema, then take the lane column away again by rebuilding the table without it
      sql.exec("DROP TABLE v1_queue");
      sql.exec(`CREATE TABLE v1_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, urgency_level INTEGER NOT NULL, ticket TEXT NOT NULL,
        ticket_id TEXT, category TEXT, lease_id TEXT, lease_expires INTEGER, lease_agent TEXT, arrival INTEGER)`);
      sql.exec("INSERT INTO v1_queue (urgency_level, ticket, ticket_id, category, arrival) VALUES (5, ?, ?, ?, 1)", JSON.stringify(old), old.ticket_id, A);
      new PriorityQueue(sql);
      expect(sql.exec<{ lane: string }>("SELECT lane FROM v1_queue").one().lane).toBe("auto");
    });
    const found = await as(T.old, "GET", `/v1/tickets/${old.ticket_id}`);
    expect(found.status).toBe(200);
    expect(found.body.ticket).not.toHaveProperty("routing");
    expect((await as(T.old, "GET", "/v1/tickets/next")).body.ticket_id).toBe(old.ticket_id);
  });
});

describe("the lane parameter is /v1's", () => {
  it("refuses unknown claim fields still, and /v2's schemas do not take a lane", async () => {
    expect((await as(T.lanes, "POST", "/v1/tickets/claim", { queue: "review", colour: "red" })).status).toBe(422);
    const { ClaimInputSchema, V1ClaimInputSchema } = await import("../src/schemas/ticket.ts");
    expect(ClaimInputSchema.safeParse({ queue: "review" }).success).toBe(false);
    expect(V1ClaimInputSchema.safeParse({ queue: "review" }).success).toBe(true);
  });
});
