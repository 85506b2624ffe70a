// /v2's review lane and category corrections through the routes: ?queue=review pulls, claims,
// status, drains; POST /v2/tickets/{id}/category records first (GET /v1/corrections lists it
// with api "v2"), then moves the ticket; refusals record nothing; tenants see only their own.
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { callWithToken } from "./helpers.ts";
import { createApp } from "../src/app.ts";
import type { Env } from "../src/env.ts";
import { CATEGORIES } from "../src/ml/categories.ts";
import { EmbeddedTicketStore } from "../src/store/embedded.ts";
import { embeddedNameFor } from "../src/store/select.ts";
import type { Lane, TicketResult } from "../src/store/types.ts";
import { GENEROUS_TIMEOUT_MS, warmUpStoreObject } from "./store-harness.ts";

const app = createApp();
const run = crypto.randomUUID().slice(0, 8);
const ACME_TENANT = `acme-rv-${run}`;
const BETA_TENANT = `beta-rv-${run}`;
const ACME = `acme-rv-token-${run}-0123456789`;
const BETA = `beta-rv-token-${run}-0123456789`;
const API_TOKENS = JSON.stringify({ [ACME]: { tenant: ACME_TENANT, agent: "alice" }, [BETA]: { tenant: BETA_TENANT } });

type Body = Record<string, any>;
type Cat = TicketResult["category"];

const as = (token: string, method: string, path: string, body?: unknown) => callWithToken({ API_TOKENS }, token, method, path, body);

const storeOf = (tenant: string) => new EmbeddedTicketStore({ namespace: env.STORE, name: embeddedNameFor(tenant), timeoutMs: GENEROUS_TIMEOUT_MS });

async function seed(tenant: string, tickets: [score: number, category: Cat, routing: Lane][]): Promise<string[]> {
  const store = storeOf(tenant);
  const ids: string[] = [];
  for (const [score, category, routing] of tickets) {
    const ticket_id = crypto.randomUUID();
    await store.createPending({ ticket_id, subject: `Seeded ${score}`, body: "Seeded body", accepted_at: new Date().toISOString() });
    const reason = { decided_by: "model" as const, rules: [], detail: `model said ${category}` };
    expect(await store.saveResult(ticket_id, { category, urgency_score: score, confidence: 0.4, model_used: "m1", urgency_model: "m1", processed_at: new Date().toISOString(), routing, reason })).toBe("saved");
    ids.push(ticket_id);
  }
  return ids;
}

async function emptyQueues(token: string): Promise<void> {
  for (;;) {
    const page = await as(token, "DELETE", "/v2/tickets?limit=500");
    expect(page.status).toBe(200);
    if (page.body.remaining === 0) return;
  }
}

async function correctionsOf(token: string): Promise<Body[]> {
  const res = await as(token, "GET", "/v1/corrections?limit=500");
  expect(res.status).toBe(200);
  return res.body.corrections;
}

beforeAll(warmUpStoreObject);

describe("/v2 review lane", () => {
  it("next, peek, claim and listing take ?queue=review; the auto lane never hands out review tickets", async () => {
    await emptyQueues(ACME);
    const [review, auto] = await seed(ACME_TENANT, [[0.9, "Billing", "review"], [0.5, "Billing", "auto"]]);

    expect((await as(ACME, "GET", "/v2/tickets/peek")).body.ticket_id).toBe(auto);
    const peeked = await as(ACME, "GET", "/v2/tickets/peek?queue=review&category=Billing");
    expect(peeked.body).toMatchObject({ ticket_id: review, routing: "review", reason: { decided_by: "model" } });
    expect((await as(ACME, "GET", "/v2/tickets?queue=review")).body.tickets.map((e: Body) => e.ticket.ticket_id)).toEqual([review]);
    expect((await as(ACME, "GET", "/v2/tickets")).body.tickets.map((e: Body) => e.ticket.ticket_id)).toEqual([auto]);

    const status = await as(ACME, "GET", "/v2/tickets/status");
    expect(status.body).toMatchObject({ processed: 1, review: { processed: 1 } });
    expect(status.body.review.by_category.Billing).toEqual({ processed: 1, by_urgency: { high: 1, medium: 0, low: 0 } });
    expect(Object.keys(status.body.review.by_category).sort()).toEqual([...CATEGORIES].sort());
    expect(status.body.message).toMatch(/1 waiting for review/);

    const claim = await as(ACME, "POST", "/v2/tickets/claim", { queue: "review" });
    expect(claim.status).toBe(200);
    expect(claim.body.ticket.ticket_id).toBe(review);
    expect((await as(ACME, "GET", "/v2/tickets/next?queue=review")).status).toBe(404);
    const released = await as(ACME, "POST", `/v2/tickets/${review}/release`, { lease_id: claim.body.lease.id });
    expect(released.body).toMatchObject({ state: "processed", ticket: { routing: "review" } });
    expect((await as(ACME, "GET", "/v2/tickets/next?queue=review")).body.ticket_id).toBe(review);
    expect((await as(ACME, "GET", "/v2/tickets/next")).body.ticket_id).toBe(auto);
  });

  it("drains both lanes without `queue`, one lane with it; 422 names a bad lane", async () => {
    await emptyQueues(ACME);
    const [r, a] = await seed(ACME_TENANT, [[0.8, "Legal", "review"], [0.6, "Legal", "auto"]]);
    const autoOnly = await as(ACME, "DELETE", "/v2/tickets?queue=auto");
    expect(autoOnly.body).toMatchObject({ drained: 1, remaining: 0, tickets: [{ ticket_id: a }] });
    expect((await as(ACME, "DELETE", "/v2/tickets")).body).toMatchObject({ drained: 1, tickets: [{ ticket_id: r }] });

    for (const path of ["/v2/tickets/next?queue=later", "/v2/tickets?queue=x", "/v2/tickets/peek?queue=", "/v2/tickets?queue=both"]) {
      const res = await as(ACME, path.startsWith("/v2/tickets?queue=both") ? "DELETE" : "GET", path);
      expect(res.status, path).toBe(422);
      expect(res.body.detail, path).toMatch(/queue must be one of auto, review/);
    }
    const badClaim = await as(ACME, "POST", "/v2/tickets/claim", { queue: "later" });
    expect(badClaim.status).toBe(422);
    expect(badClaim.body.detail).toMatch(/queue must be one of auto, review/);
  });
});

describe("POST /v2/tickets/{id}/category", () => {
  it("moves a review ticket to the new category's auto lane at its place, recorded with who, before and after", async () => {
    await emptyQueues(ACME);
    const [high, review, low] = await seed(ACME_TENANT, [[0.9, "Legal", "auto"], [0.5, "Billing", "review"], [0.2, "Legal", "auto"]]);
    const before = (await correctionsOf(ACME)).length;

    const res = await as(ACME, "POST", `/v2/tickets/${review}/category`, { category: "Legal" });
    expect(res.status).toBe(200);
    expect(res.body.correction).toMatchObject({
      ticket_id: review, api: "v2", previous_category: "Billing", category: "Legal", agent: "alice", state: "processed", moved: true,
      subject: "Seeded 0.5", body: "Seeded body",
    });
    expect(res.body.ticket).toMatchObject({ ticket_id: review, category: "Legal", routing: "auto", reason: { decided_by: "agent", rules: [] } });
    expect(res.body.ticket.reason.detail).toMatch(/alice corrected Billing to Legal/);

    const listed = await correctionsOf(ACME);
    expect(listed).toHaveLength(before + 1);
    expect(listed.at(-1)).toEqual(res.body.correction);
    expect((await as(ACME, "GET", "/v2/tickets/status")).body.review.processed).toBe(0);
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await as(ACME, "GET", "/v2/tickets/next?category=Legal")).body.ticket_id);
    expect(order).toEqual([high, review, low]);
  });

  it("relabels a claimed ticket only with its live lease_id; refusals record nothing", async () => {
    await emptyQueues(ACME);
    const [id] = await seed(ACME_TENANT, [[0.7, "Technical", "auto"]]);
    const claim = await as(ACME, "POST", "/v2/tickets/claim", {});
    const before = (await correctionsOf(ACME)).length;

    const missing = await as(ACME, "POST", `/v2/tickets/${id}/category`, { category: "Billing" });
    expect(missing.status).toBe(409);
    expect(missing.body.detail).toMatch(/claimed: send the claim's lease_id/);
    const wrong = await as(ACME, "POST", `/v2/tickets/${id}/category`, { category: "Billing", lease_id: "not-it" });
    expect(wrong.status).toBe(409);
    expect(wrong.body.detail).toMatch(/not the live lease/);
    expect(await correctionsOf(ACME)).toHaveLength(before);

    const ok = await as(ACME, "POST", `/v2/tickets/${id}/category`, { category: "Billing", lease_id: claim.body.lease.id });
    expect(ok.status).toBe(200);
    expect(ok.body.correction).toMatchObject({ state: "claimed", previous_category: "Technical", moved: false });
    expect(ok.body.ticket).toMatchObject({ category: "Billing", lease: { agent: "alice" } });
    const released = await as(ACME, "POST", `/v2/tickets/${id}/release`, { lease_id: claim.body.lease.id });
    expect(released.status).toBe(200);
    expect((await as(ACME, "GET", "/v2/tickets/next?category=Billing")).body.ticket_id).toBe(id);
  });

  it("records a done ticket's correction without touching it; 404 unknown, 409 pending, 422 bad category: nothing recorded", async () => {
    await emptyQueues(ACME);
    const [done] = await seed(ACME_TENANT, [[0.7, "Technical", "auto"]]);
    await as(ACME, "GET", "/v2/tickets/next");
    const rec = await as(ACME, "POST", `/v2/tickets/${done}/category`, { category: "Legal" });
    expect(rec.status).toBe(200);
    expect(rec.body.correction).toMatchObject({ state: "done", moved: false, previous_category: "Technical", category: "Legal" });
    expect(rec.body.ticket.category).toBe("Technical");

    const before = (await correctionsOf(ACME)).length;
    const unknown = await as(ACME, "POST", `/v2/tickets/${crypto.randomUUID()}/category`, { category: "Legal" });
    expect(unknown.status).toBe(404);
    const pendingId = crypto.randomUUID();
    await storeOf(ACME_TENANT).createPending({ ticket_id: pendingId, subject: "s", body: "b", accepted_at: new Date().toISOString() });
    const pending = await as(ACME, "POST", `/v2/tickets/${pendingId}/category`, { category: "Legal" });
    expect(pending.status).toBe(409);
    expect(pending.body.detail).toMatch(/still being scored; correct it once processed/);
    const bad = await as(ACME, "POST", `/v2/tickets/${done}/category`, { category: "Sales" });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toMatch(/category must be one of/);
    expect(await correctionsOf(ACME)).toHaveLength(before);
    await storeOf(ACME_TENANT).deleteTicket(pendingId);
  });

  it("keeps tenants apart: another tenant's ticket is unknown, and each lists only its own corrections", async () => {
    await emptyQueues(ACME);
    const [id] = await seed(ACME_TENANT, [[0.6, "Billing", "review"]]);
    const foreign = await as(BETA, "POST", `/v2/tickets/${id}/category`, { category: "Legal" });
    expect(foreign.status).toBe(404);
    const ok = await as(ACME, "POST", `/v2/tickets/${id}/category`, { category: "Legal" });
    expect(ok.status).toBe(200);
    expect((await correctionsOf(BETA)).map((c) => c.ticket_id)).not.toContain(id);
    expect((await correctionsOf(ACME)).map((c) => c.ticket_id)).toContain(id);
    // A shared token names no agent.
    const [beta] = await seed(BETA_TENANT, [[0.6, "Billing", "auto"]]);
    expect((await as(BETA, "POST", `/v2/tickets/${beta}/category`, { category: "Billing" })).body.correction).toMatchObject({ agent: null, moved: true });
  });

  it("is in the OpenAPI document with 200, 401, 404, 409, 422 and 429", async () => {
    const doc = (await (await app.fetch(new Request("http://edge.test/openapi.json"), env as Env, createExecutionContext())).json()) as Body;
    const op = doc.paths["/v2/tickets/{id}/category"].post;
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["200", "401", "404", "409", "422", "429"]));
    expect(doc.components.schemas.V2Ticket.properties).toHaveProperty("routing");
    expect(doc.components.schemas.V2Ticket.properties).toHaveProperty("reason");
    expect(doc.paths["/v2/tickets"].delete.parameters.map((p: Body) => p.name).sort()).toEqual(["limit", "queue"]);
  });
});
