// /v2 as agents work it: per-category pulls, claim/ack/release leases, lookup with the lease,
// listing, per-category status, Idempotency-Key on POST, and tenants, each with its own ticket
// store. Every test acts as API_TOKENS tenants made fresh for this run, so it never touches the
// default store other test files count on.
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { callWithToken } from "./helpers.ts";
import { createApp } from "../src/app.ts";
import type { Env } from "../src/env.ts";
import { IDEMPOTENCY_MISMATCH_DETAIL } from "../src/http/idempotency-key.ts";
import { CATEGORIES } from "../src/ml/categories.ts";
import { acceptTicket, REPLAY_RESEND_AFTER_MS } from "../src/pipeline/accept.ts";
import type { TicketMessage } from "../src/queue/message.ts";
import { EmbeddedTicketStore } from "../src/store/embedded.ts";
import { embeddedNameFor } from "../src/store/select.ts";
import type { TicketResult } from "../src/store/types.ts";
import { QueueUnavailableError } from "../src/errors.ts";
import { embeddedHarness, GENEROUS_TIMEOUT_MS, warmUpStoreObject } from "./store-harness.ts";

const app = createApp();
const run = crypto.randomUUID().slice(0, 8);
const ACME_TENANT = `acme-${run}`;
const BETA_TENANT = `beta-${run}`;
const ACME = `acme-token-${run}-0123456789`;
const BETA = `beta-token-${run}-0123456789`;
const API_TOKENS = JSON.stringify({ [ACME]: { tenant: ACME_TENANT, agent: "alice" }, [BETA]: { tenant: BETA_TENANT } });

type Body = Record<string, any>;


const as = (token: string, method: string, path: string, body?: unknown, headers?: Record<string, string>, overrides: Partial<Env> = {}) =>
  callWithToken({ API_TOKENS, ...overrides }, token, method, path, body, headers);

/** The tenant's own store, written directly so route tests see exactly what they seed. */
const storeOf = (tenant: string) => new EmbeddedTicketStore({ namespace: env.STORE, name: embeddedNameFor(tenant), timeoutMs: GENEROUS_TIMEOUT_MS });

type Cat = TicketResult["category"];

async function seed(tenant: string, tickets: [score: number, category: Cat][]): Promise<string[]> {
  const store = storeOf(tenant);
  const ids: string[] = [];
  for (const [score, category] of tickets) {
    const ticket_id = crypto.randomUUID();
    await store.createPending({ ticket_id, subject: `Seeded ${score}`, body: "Seeded body", accepted_at: new Date().toISOString() });
    expect(await store.saveResult(ticket_id, { category, urgency_score: score, confidence: 0.7, model_used: "m1", urgency_model: "m1", processed_at: new Date().toISOString() })).toBe("saved");
    ids.push(ticket_id);
  }
  return ids;
}

async function emptyQueue(token: string): Promise<void> {
  for (;;) {
    const page = await as(token, "DELETE", "/v2/tickets?limit=500");
    expect(page.status).toBe(200);
    if (page.body.remaining === 0) return;
  }
}

const CATEGORY_DETAIL = `category: category must be one of ${CATEGORIES.join(", ")}`;

beforeAll(async () => {
  await warmUpStoreObject();
  await storeOf(ACME_TENANT).ping();
  await storeOf(BETA_TENANT).ping();
});

describe("/v2 per-category pulls", () => {
  it("pops and peeks one category in urgency order; an unknown category is a 422 that takes nothing", async () => {
    await emptyQueue(ACME);
    const [b1, l1, b2, t1] = await seed(ACME_TENANT, [[0.4, "Billing"], [0.6, "Legal"], [0.8, "Billing"], [0.95, "Technical"]]);
    for (const path of ["/v2/tickets/next?category=Sales", "/v2/tickets/peek?category=billing"]) {
      const bad = await as(ACME, "GET", path);
      expect(bad.status, path).toBe(422);
      expect(bad.body.detail).toBe(CATEGORY_DETAIL);
    }
    expect((await as(ACME, "GET", "/v2/tickets/peek?category=Billing")).body).toMatchObject({ ticket_id: b2, category: "Billing", lease: null });
    expect((await as(ACME, "GET", "/v2/tickets/next?category=Billing")).body.ticket_id).toBe(b2);
    expect((await as(ACME, "GET", "/v2/tickets/next?category=Billing")).body.ticket_id).toBe(b1);
    const empty = await as(ACME, "GET", "/v2/tickets/next?category=Billing");
    expect(empty).toMatchObject({ status: 404, body: { detail: "No processed tickets." } });
    // HEAD of next answers as peek of the same category and removes nothing.
    const head = await app.fetch(
      new Request("http://edge.test/v2/tickets/next?category=Legal", { method: "HEAD", headers: { Authorization: `Bearer ${ACME}` } }),
      { ...env, API_TOKENS } as Env,
      createExecutionContext(),
    );
    expect(head.status).toBe(200);
    expect((await as(ACME, "GET", "/v2/tickets/next")).body.ticket_id).toBe(t1);
    expect((await as(ACME, "GET", "/v2/tickets/next")).body.ticket_id).toBe(l1);
  });
});

describe("/v2 leases", () => {
  it("claims, shows the claim on lookup and in status, and acks once; stale or foreign leases are 409, unknown tickets 404", async () => {
    await emptyQueue(ACME);
    const [low, high] = await seed(ACME_TENANT, [[0.3, "Legal"], [0.9, "Billing"]]);
    const claimed = await as(ACME, "POST", "/v2/tickets/claim", { agent: "mallory", lease_seconds: 60 });
    expect(claimed.status).toBe(200);
    expect(claimed.body.ticket).toMatchObject({ ticket_id: high, status: "processed", category: "Billing" });
    // The token's agent holds the lease, whatever the body says.
    expect(claimed.body.lease).toMatchObject({ agent: "alice" });
    const lease = claimed.body.lease.id as string;
    const expiresAt = Date.parse(claimed.body.lease.expires_at);
    expect(expiresAt).toBeGreaterThan(Date.now());
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);

    const lookup = await as(ACME, "GET", `/v2/tickets/${high}`);
    expect(lookup.body).toMatchObject({ status: "processed", lease: { agent: "alice", expires_at: claimed.body.lease.expires_at } });
    expect(lookup.body.lease).not.toHaveProperty("id");
    expect((await as(ACME, "GET", "/v2/tickets/status")).body).toMatchObject({ processed: 1, claimed: 1 });
    expect((await as(ACME, "GET", "/v2/tickets/peek")).body.ticket_id).toBe(low);

    const stale = await as(ACME, "POST", `/v2/tickets/${high}/ack`, { lease_id: crypto.randomUUID() });
    expect(stale.status).toBe(409);
    expect(stale.body.detail).toBe(`Lease is not the live lease of ticket ${high} (expired, released, already acked, or another claim's); nothing changed.`);
    expect((await as(ACME, "GET", `/v2/tickets/${high}`)).body.lease).not.toBeNull();
    const unknown = crypto.randomUUID();
    expect(await as(ACME, "POST", `/v2/tickets/${unknown}/ack`, { lease_id: lease })).toMatchObject({ status: 404, body: { detail: `No ticket ${unknown}.` } });
    expect((await as(ACME, "POST", "/v2/tickets/not-a-uuid/ack", { lease_id: lease })).status).toBe(422);
    expect((await as(ACME, "POST", `/v2/tickets/${high}/ack`, {})).status).toBe(422);

    const acked = await as(ACME, "POST", `/v2/tickets/${high}/ack`, { lease_id: lease });
    expect(acked).toMatchObject({ status: 200, body: { state: "done", ticket: { ticket_id: high, lease: null } } });
    expect((await as(ACME, "POST", `/v2/tickets/${high}/ack`, { lease_id: lease })).status).toBe(409);
    expect((await as(ACME, "POST", `/v2/tickets/${high}/release`, { lease_id: lease })).status).toBe(409);
    // Done, still readable for the retention period.
    expect((await as(ACME, "GET", `/v2/tickets/${high}`)).body).toMatchObject({ status: "processed", lease: null });
    expect((await as(ACME, "GET", "/v2/tickets/status")).body).toMatchObject({ processed: 1, claimed: 0 });
  });

  it("releases a claim back to its old place, and claims per category", async () => {
    await emptyQueue(BETA);
    const [a, b, c] = await seed(BETA_TENANT, [[0.9, "Technical"], [0.5, "Legal"], [0.7, "Technical"]]);
    const legal = await as(BETA, "POST", "/v2/tickets/claim", { category: "Legal", agent: "bob" });
    expect(legal.body.ticket.ticket_id).toBe(b);
    // A token without an agent may name one in the body.
    expect(legal.body.lease.agent).toBe("bob");
    expect((await as(BETA, "POST", "/v2/tickets/claim", { category: "Legal" })).status).toBe(404);
    const first = await as(BETA, "POST", "/v2/tickets/claim", {});
    expect(first.body.ticket.ticket_id).toBe(a);
    expect(first.body.lease.agent).toBeNull();
    const released = await as(BETA, "POST", `/v2/tickets/${a}/release`, { lease_id: first.body.lease.id });
    expect(released).toMatchObject({ status: 200, body: { state: "processed", ticket: { ticket_id: a, lease: null } } });
    expect((await as(BETA, "POST", `/v2/tickets/${a}/release`, { lease_id: first.body.lease.id })).status).toBe(409);
    const order = [];
    for (let r = await as(BETA, "GET", "/v2/tickets/next"); r.status === 200; r = await as(BETA, "GET", "/v2/tickets/next")) order.push(r.body.ticket_id);
    expect(order).toEqual([a, c]);
    // The claimed Legal ticket was not popped or drained: it belongs to bob until ack, release or expiry.
    expect((await as(BETA, "DELETE", "/v2/tickets")).body).toMatchObject({ drained: 0, remaining: 0 });
    expect((await as(BETA, "POST", `/v2/tickets/${b}/ack`, { lease_id: legal.body.lease.id })).status).toBe(200);
  });

  it("refuses a bad claim body with a 422 naming the field, and claims nothing", async () => {
    await emptyQueue(ACME);
    await seed(ACME_TENANT, [[0.5, "Billing"]]);
    for (const [body, field] of [[{ lease_seconds: 9 }, "lease_seconds"], [{ lease_seconds: 3601 }, "lease_seconds"], [{ category: "Sales" }, "category"], [{ extra: 1 }, "body"]] as const) {
      const res = await as(ACME, "POST", "/v2/tickets/claim", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.errors[0].path).toBe(field);
    }
    expect((await as(ACME, "GET", "/v2/tickets/status")).body).toMatchObject({ processed: 1, claimed: 0 });
  });

  it("gives each of 10 tickets to one of 40 concurrent claims, and each is acked once", async () => {
    await emptyQueue(ACME);
    const ids = await seed(ACME_TENANT, Array.from({ length: 10 }, (_, i) => [i / 10, CATEGORIES[i % CATEGORIES.length] as Cat] as [number, Cat]));
    const claims = await Promise.all(Array.from({ length: 40 }, () => as(ACME, "POST", "/v2/tickets/claim", {})));
    const won = claims.filter((c) => c.status === 200);
    expect(claims.filter((c) => c.status === 404)).toHaveLength(30);
    expect(won.map((c) => c.body.ticket.ticket_id).sort()).toEqual([...ids].sort());
    const acks = await Promise.all(won.flatMap((c) => [0, 1].map(() => as(ACME, "POST", `/v2/tickets/${c.body.ticket.ticket_id}/ack`, { lease_id: c.body.lease.id }))));
    expect(acks.filter((a) => a.status === 200)).toHaveLength(10);
    expect(acks.filter((a) => a.status === 409)).toHaveLength(10);
  });
});

describe("/v2 listing and status", () => {
  it("lists waiting and claimed tickets in queue order, paged by an opaque cursor; a bad query is a 422", async () => {
    await emptyQueue(BETA);
    const [x, y, z, w] = await seed(BETA_TENANT, [[0.2, "Billing"], [0.9, "Legal"], [0.6, "Billing"], [0.85, "Billing"]]);
    const claimed = await as(BETA, "POST", "/v2/tickets/claim", { category: "Billing" }); // w
    expect(claimed.body.ticket.ticket_id).toBe(w);

    const all = await as(BETA, "GET", "/v2/tickets?limit=500");
    expect(all.status).toBe(200);
    expect(all.body.tickets.map((e: Body) => [e.state, e.ticket.ticket_id])).toEqual([["processed", y], ["claimed", w], ["processed", z], ["processed", x]]);
    expect(all.body.tickets[1].lease).toEqual({ expires_at: claimed.body.lease.expires_at, agent: null });
    expect(all.body.next_cursor).toBeNull();

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Body } = await as(BETA, "GET", `/v2/tickets?category=Billing&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.tickets.map((e: Body) => e.ticket.ticket_id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([w, z, x]);
    expect((await as(BETA, "GET", "/v2/tickets?state=claimed")).body.tickets.map((e: Body) => e.ticket.ticket_id)).toEqual([w]);
    expect((await as(BETA, "GET", "/v2/tickets?state=processed&category=Legal")).body.tickets.map((e: Body) => e.ticket.ticket_id)).toEqual([y]);

    for (const [query, path, detail] of [
      ["cursor=bogus", "cursor", "cursor: not a cursor this service issued (pass next_cursor unchanged)"],
      [`cursor=${btoa("v2q1|NaN|x").replace(/=+$/, "")}`, "cursor", "cursor: not a cursor this service issued (pass next_cursor unchanged)"],
      ["state=queued", "state", "state: state must be one of processed, claimed"],
      ["limit=0", "limit", "limit: limit must be an integer from 1 to 500"],
      ["category=Sales", "category", CATEGORY_DETAIL],
    ] as const) {
      const res = await as(BETA, "GET", `/v2/tickets?${query}`);
      expect(res.status, query).toBe(422);
      expect(res.body.detail, query).toBe(detail);
      expect(res.body.errors[0].path, query).toBe(path);
    }
    expect((await as(BETA, "POST", `/v2/tickets/${w}/release`, { lease_id: claimed.body.lease.id })).status).toBe(200);
  });

  it("reports waiting tickets per category and urgency band, and claimed ones", async () => {
    await emptyQueue(ACME);
    await seed(ACME_TENANT, [[0.95, "Billing"], [0.6, "Billing"], [0.1, "Billing"], [0.5, "Legal"]]);
    await as(ACME, "POST", "/v2/tickets/claim", { category: "Legal" });
    const status = await as(ACME, "GET", "/v2/tickets/status");
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ processed: 3, claimed: 1 });
    expect(status.body.message).toMatch(/3 ready for GET \/v2\/tickets\/next, 1 claimed/);
    expect(status.body.by_category.Billing).toEqual({ processed: 3, by_urgency: { high: 1, medium: 1, low: 1 } });
    expect(status.body.by_category.Legal).toEqual({ processed: 0, by_urgency: { high: 0, medium: 0, low: 0 } });
    expect(Object.keys(status.body.by_category).sort()).toEqual([...CATEGORIES].sort());
  });
});

describe("/v2 tenants", () => {
  it("keeps one tenant's tickets out of another's reach", async () => {
    await emptyQueue(ACME);
    await emptyQueue(BETA);
    const [id] = await seed(ACME_TENANT, [[0.7, "Billing"]]);
    expect((await as(BETA, "GET", "/v2/tickets/status")).body).toMatchObject({ processed: 0, claimed: 0 });
    expect((await as(BETA, "GET", `/v2/tickets/${id}`)).body.status).toBe("not_found");
    expect((await as(BETA, "GET", "/v2/tickets/peek")).status).toBe(404);
    expect((await as(BETA, "GET", "/v2/tickets/next")).status).toBe(404);
    expect((await as(BETA, "POST", "/v2/tickets/claim", {})).status).toBe(404);
    expect((await as(BETA, "GET", "/v2/tickets")).body.tickets).toEqual([]);
    expect((await as(BETA, "DELETE", "/v2/tickets")).body).toMatchObject({ drained: 0, tickets: [] });

    const claimed = await as(ACME, "POST", "/v2/tickets/claim", {});
    expect(claimed.body.ticket.ticket_id).toBe(id);
    // beta holding the lease id still cannot ack or release it: the ticket does not exist for beta.
    expect((await as(BETA, "POST", `/v2/tickets/${id}/ack`, { lease_id: claimed.body.lease.id })).status).toBe(404);
    expect((await as(BETA, "POST", `/v2/tickets/${id}/release`, { lease_id: claimed.body.lease.id })).status).toBe(404);
    expect((await as(ACME, "POST", `/v2/tickets/${id}/ack`, { lease_id: claimed.body.lease.id })).status).toBe(200);
  });

  it("scores a tenant's POST into that tenant's store through the queue and the consumer", async ({ signal }) => {
    const posted = await as(ACME, "POST", "/v2/tickets", { subject: "Refund please", body: "I was charged twice for my invoice this month." });
    expect(posted.status).toBe(202);
    const id = posted.body.ticket_id as string;
    for (;;) {
      signal.throwIfAborted();
      const t = await as(ACME, "GET", `/v2/tickets/${id}`);
      if (t.body.status === "processed") break;
      expect(t.body.status).toBe("pending");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await as(BETA, "GET", `/v2/tickets/${id}`)).body.status).toBe("not_found");
    expect(await new EmbeddedTicketStore({ namespace: env.STORE, timeoutMs: GENEROUS_TIMEOUT_MS }).getTicket(id)).toBeNull();
    expect((await as(ACME, "GET", `/v2/tickets/${id}`)).body).toMatchObject({ category: "Billing", model_used: "m1" });
    await emptyQueue(ACME);
  });
});

describe("POST /v2/tickets with Idempotency-Key", () => {
  const BODY = { subject: "Invoice twice", body: "We were billed twice for November." };

  it("answers a repeat with the first ticket (202, Idempotent-Replayed) and a different body with 422", async () => {
    const key = crypto.randomUUID();
    const first = await as(BETA, "POST", "/v2/tickets", BODY, { "Idempotency-Key": key });
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    // JSON spacing and key order do not make another request; the fingerprint is of the validated input.
    const again = await as(BETA, "POST", "/v2/tickets", { body: ` ${BODY.body} `, subject: BODY.subject }, { "Idempotency-Key": key });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    const other = await as(BETA, "POST", "/v2/tickets", { ...BODY, body: "Something else entirely." }, { "Idempotency-Key": key });
    expect(other).toMatchObject({ status: 422, body: { detail: IDEMPOTENCY_MISMATCH_DETAIL } });
    // Keys are per tenant: the same key from acme is a new ticket.
    const acme = await as(ACME, "POST", "/v2/tickets", BODY, { "Idempotency-Key": key });
    expect(acme.status).toBe(202);
    expect(acme.body.ticket_id).not.toBe(first.body.ticket_id);
    expect(acme.headers.get("idempotent-replayed")).toBeNull();
  });

  it("refuses a malformed key with a 422 and stores nothing", async () => {
    const before = await as(BETA, "GET", "/v2/tickets/status");
    const res = await as(BETA, "POST", "/v2/tickets", BODY, { "Idempotency-Key": "has space" });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe("idempotency-key");
    const after = await as(BETA, "GET", "/v2/tickets/status");
    expect(after.body.pending + after.body.processed).toBe(before.body.pending + before.body.processed);
  });

  it("makes one ticket of 8 concurrent first uses of a key", async () => {
    const key = crypto.randomUUID();
    const tenant = `idem-${crypto.randomUUID().slice(0, 8)}`;
    const token = `idem-token-${tenant}-0123456789`;
    const tokens = JSON.stringify({ [token]: { tenant } });
    const answers = await Promise.all(Array.from({ length: 8 }, () => as(token, "POST", "/v2/tickets", BODY, { "Idempotency-Key": key }, { API_TOKENS: tokens })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
    expect(new Set(answers.map((a) => a.body.ticket_id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === "true")).toHaveLength(7);
    const counts = await storeOf(tenant).counts();
    expect(counts.pending + counts.processed).toBe(1);
  });

  it("keeps the ticket of a 503 under a key, so the retry gets that ticket and never a second one", async () => {
    const key = crypto.randomUUID();
    const sent: TicketMessage[] = [];
    const brokenQueue = {
      send: async (m: TicketMessage) => {
        sent.push(m);
        throw new Error("queue overloaded");
      },
    } as unknown as Queue<TicketMessage>;
    const tenant = `retry-${crypto.randomUUID().slice(0, 8)}`;
    const token = `retry-token-${tenant}-0123456789`;
    const tokens = JSON.stringify({ [token]: { tenant } });
    const failed = await as(token, "POST", "/v2/tickets", BODY, { "Idempotency-Key": key }, { API_TOKENS: tokens, TICKET_QUEUE: brokenQueue });
    expect(failed.status).toBe(503);
    expect(failed.body.detail).toMatch(/queue unavailable: queue overloaded \(the ticket is kept; retry with the same Idempotency-Key\)/);
    expect(sent).toEqual([{ ticket_id: expect.any(String), accepted_at: expect.any(String), tenant }]);
    const retry = await as(token, "POST", "/v2/tickets", BODY, { "Idempotency-Key": key }, { API_TOKENS: tokens });
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body.ticket_id).toBe(sent[0]!.ticket_id);
    expect(await storeOf(tenant).counts()).toEqual({ pending: 1, processed: 0 });
  });

  it("re-sends a replayed pending ticket's message once its first send is long past, not while it may be under way", async () => {
    const { store } = embeddedHarness();
    let now = Date.UTC(2026, 0, 1);
    const sent: TicketMessage[] = [];
    let failing = true;
    const queue = {
      send: async (m: TicketMessage) => {
        sent.push(m);
        if (failing) throw new Error("down");
      },
    } as unknown as Queue<TicketMessage>;
    const options = { idempotencyKey: "k", tenant: "acme", now: () => now };
    await expect(acceptTicket(BODY, store, queue, options)).rejects.toBeInstanceOf(QueueUnavailableError);
    failing = false;
    now += REPLAY_RESEND_AFTER_MS - 1;
    const early = await acceptTicket(BODY, store, queue, options);
    expect(early).toMatchObject({ kind: "accepted", replayed: true, body: { ticket_id: sent[0]!.ticket_id } });
    expect(sent).toHaveLength(1);
    now += 1;
    expect(await acceptTicket(BODY, store, queue, options)).toMatchObject({ replayed: true, body: { ticket_id: sent[0]!.ticket_id } });
    expect(sent).toEqual([sent[0], sent[0]]);
    expect(await store.counts()).toEqual({ pending: 1, processed: 0 });
  });
});

describe("/v2 in OpenAPI", () => {
  it("documents 429 on every /v2 operation, 409 on ack and release, and the Idempotency-Key header on POST", async () => {
    const doc = (await (await app.fetch(new Request("http://edge.test/openapi.json"), env as Env, createExecutionContext())).json()) as Body;
    const ops = Object.entries(doc.paths as Record<string, Record<string, Body>>)
      .filter(([path]) => path.startsWith("/v2/"))
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    expect(ops.length).toBeGreaterThanOrEqual(10);
    for (const { path, method, op } of ops) expect(Object.keys(op.responses), `${method} ${path}`).toContain("429");
    for (const action of ["ack", "release"]) expect(Object.keys(doc.paths[`/v2/tickets/{id}/${action}`].post.responses)).toContain("409");
    const post = doc.paths["/v2/tickets"].post;
    // Header names are case-insensitive; the document names it as the validator reads it.
    expect(post.parameters.map((p: Body) => [p.in, p.name.toLowerCase()])).toContainEqual(["header", "idempotency-key"]);
    expect(Object.keys(post.responses["202"].headers)).toContain("Idempotent-Replayed");
    expect(doc.paths["/v2/tickets"].get.parameters.map((p: Body) => p.name).sort()).toEqual(["category", "cursor", "limit", "queue", "state"]);
  });
});
