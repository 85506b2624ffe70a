import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import type { TicketMessage } from "../src/queue/message.ts";
import worker from "../src/index.ts";
import type { Health } from "../src/schemas/health.ts";
import type { V2Drain, V2Ticket } from "../src/schemas/v2.ts";
import { DEFAULT_EMBEDDED_NAME, EmbeddedTicketStore } from "../src/store/embedded.ts";
import { DEFAULT_TIMEOUT_MS, type TicketResult } from "../src/store/types.ts";
import { BAD_TICKET_INPUTS } from "./bad-inputs.ts";
import { call, json, postJson } from "./helpers.ts";
import { deadlineFired, hungEndpoint } from "./unreachable.ts";


const OUTAGE = { subject: "URGENT: production outage", body: "Our whole platform is down and customers cannot log in. Please fix immediately!" };
const QUESTION = { subject: "Feature question", body: "Could you tell me whether the product supports exporting reports to CSV?" };

/**
 * Polls until `probe` returns a value. No deadline of its own: how long the queue takes is
 * the machine's business, and the test's timeout is the one bound. `signal` (the test
 * context's) stops the loop once that timeout has failed the test.
 */
async function waitFor<T>(probe: () => Promise<T | undefined>, signal: AbortSignal): Promise<T> {
  for (;;) {
    signal.throwIfAborted();
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Empties both lanes (auto and review) in one pop order: DELETE without `queue` merges them. */
async function drainV2(): Promise<V2Ticket[]> {
  const out: V2Ticket[] = [];
  for (;;) {
    const res = await call("/v2/tickets?limit=500", { method: "DELETE" });
    expect(res.status).toBe(200);
    const page = await json<{ tickets: V2Ticket[]; remaining: number }>(res);
    out.push(...page.tickets);
    if (page.remaining === 0) return out;
  }
}

async function processed(id: string, signal: AbortSignal): Promise<V2Ticket> {
  return waitFor(async () => {
    const t = await json<V2Ticket>(await call(`/v2/tickets/${id}`));
    return t.status === "pending" ? undefined : t;
  }, signal);
}

beforeAll(async () => {
  // The routes call the store Durable Object under its production budget (5 s); its first
  // call evaluates the Worker's bundle, models included, which a loaded machine can stretch
  // past that. Warm it here, bounded only by the hook timeout.
  await env.STORE.getByName(DEFAULT_EMBEDDED_NAME).ping();
  await drainV2();
});

/**
 * The Worker's own store (the embedded default: these tests set no Upstash), written
 * directly so route tests see exactly the tickets they seed, with no queue timing.
 * `ageMs` back-dates the store's clock, as for a ticket accepted that long ago.
 */
function workerStore(ageMs = 0): EmbeddedTicketStore {
  return new EmbeddedTicketStore({ namespace: env.STORE, now: () => Date.now() - ageMs });
}

async function seedProcessed(scores: number[]): Promise<string[]> {
  const store = workerStore();
  const ids: string[] = [];
  for (const [i, score] of scores.entries()) {
    const ticket_id = crypto.randomUUID();
    await store.createPending({ ticket_id, subject: `Seeded ${i}`, body: "Seeded body", accepted_at: new Date().toISOString() });
    const result: TicketResult = { category: "Billing", urgency_score: score, confidence: 0.7, model_used: "m1", urgency_model: "m1", processed_at: new Date().toISOString() };
    expect(await store.saveResult(ticket_id, result)).toBe("saved");
    ids.push(ticket_id);
  }
  return ids;
}

const del = (query = "") => call(`/v2/tickets${query}`, { method: "DELETE" });

describe("POST /v2/tickets → queue → consumer → store", () => {
  it("accepts with 202, then the consumer scores and stores the ticket", async ({ signal }) => {
    const res = await postJson("/v2/tickets", OUTAGE);
    expect(res.status).toBe(202);
    const accepted = await json<{ ticket_id: string; status: string; message: string; accepted_at: string }>(res);
    expect(accepted).toMatchObject({ status: "accepted" });
    expect(accepted.ticket_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(accepted.accepted_at)).not.toBeNaN();

    const t = await processed(accepted.ticket_id, signal);
    expect(t).toMatchObject({ ticket_id: accepted.ticket_id, status: "processed", subject: OUTAGE.subject, category: "Technical", model_used: "m1", urgency_model: "m1", error: null });
    expect(t.urgency_score).toBeGreaterThan(0.5);
    expect(t.urgency_score).toBeLessThanOrEqual(1);
    expect(t.confidence).toBeGreaterThan(0);
    expect(Date.parse(t.processed_at!)).not.toBeNaN();
    const popped = await drainV2();
    expect(popped.map((p) => p.ticket_id)).toContain(accepted.ticket_id);
  });

  it("says not_found (200) for an unknown id and 422 for a malformed one", async () => {
    const unknown = await call(`/v2/tickets/${crypto.randomUUID()}`);
    expect(unknown.status).toBe(200);
    expect(await json<V2Ticket>(unknown)).toMatchObject({ status: "not_found", category: null, urgency_score: null });
    const bad = await call("/v2/tickets/not-a-uuid");
    expect(bad.status).toBe(422);
    expect((await json<{ detail: string }>(bad)).detail).toContain("ticket id must be a UUID");
  });

  it("answers 404 with the seed's detail when nothing is processed", async () => {
    await drainV2();
    const res = await call("/v2/tickets/next");
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ detail: "No processed tickets." });
  });

  it("processes 500 tickets through the queue, none lost, popped by descending score", async ({ signal }) => {
    await drainV2();
    const tickets = Array.from({ length: 500 }, (_, i) => (i % 4 === 0 ? { ...OUTAGE, subject: `${OUTAGE.subject} ${i}` } : { ...QUESTION, subject: `${QUESTION.subject} ${i}` }));
    const ids: string[] = [];
    for (let i = 0; i < tickets.length; i += 50) {
      const batch = await Promise.all(tickets.slice(i, i + 50).map((t) => postJson("/v2/tickets", t)));
      for (const res of batch) {
        expect(res.status).toBe(202);
        ids.push((await json<{ ticket_id: string }>(res)).ticket_id);
      }
    }
    await waitFor(async () => {
      // Both lanes: tickets below their category's confidence band wait in review.
      const s = await json<{ pending: number; processed: number; review: { processed: number } }>(await call("/v2/tickets/status"));
      return s.pending === 0 && s.processed + s.review.processed >= 500 ? s : undefined;
    }, signal);
    const popped = await drainV2();
    expect(new Set(popped.map((t) => t.ticket_id))).toEqual(new Set(ids));
    const scores = popped.map((t) => t.urgency_score!);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores[0]).toBeGreaterThan(scores[scores.length - 1]!);
  }, 180_000);

  it.each(BAD_TICKET_INPUTS)("rejects $name with $status and queues nothing", async ({ init, status, detail }) => {
    const before = await json<{ pending: number }>(await call("/v2/tickets/status"));
    const res = await call("/v2/tickets", init);
    expect(res.status).toBe(status);
    expect((await json<{ detail: string }>(res)).detail).toMatch(detail);
    const after = await json<{ pending: number }>(await call("/v2/tickets/status"));
    expect(after.pending).toBe(before.pending);
  });
});

describe("GET /v2/tickets/peek and DELETE /v2/tickets", () => {
  it("peeks at the ticket next would pop and leaves it queued; 404 when nothing is processed", async () => {
    await drainV2();
    const empty = await call("/v2/tickets/peek");
    expect(empty.status).toBe(404);
    expect(await json(empty)).toEqual({ detail: "No processed tickets." });

    const [low, high, mid] = await seedProcessed([0.3, 0.9, 0.6]);
    for (let i = 0; i < 2; i++) {
      const res = await call("/v2/tickets/peek");
      expect(res.status).toBe(200);
      expect(await json<V2Ticket>(res)).toMatchObject({ ticket_id: high, status: "processed", urgency_score: 0.9, category: "Billing", model_used: "m1" });
    }
    expect((await json<{ processed: number }>(await call("/v2/tickets/status"))).processed).toBe(3);
    expect((await drainV2()).map((t) => t.ticket_id)).toEqual([high, mid, low]);
  });

  it("drains in pages, each ticket once in pop order, leaving pending tickets alone", async () => {
    await drainV2();
    const ids = await seedProcessed([0.1, 0.5, 0.8, 0.3, 0.95]);
    const pendingId = crypto.randomUUID();
    await workerStore().createPending({ ticket_id: pendingId, subject: "s", body: "b", accepted_at: new Date().toISOString() });
    const before = await json<{ pending: number }>(await call("/v2/tickets/status"));

    const first = await del("?limit=2");
    expect(first.status).toBe(200);
    const page1 = await json<V2Drain>(first);
    expect(page1).toMatchObject({ drained: 2, remaining: 3 });
    expect(page1.tickets.map((t) => t.urgency_score)).toEqual([0.95, 0.8]);
    const page2 = await json<V2Drain>(await del());
    expect(page2).toMatchObject({ drained: 3, remaining: 0 });
    expect(page2.tickets.map((t) => t.urgency_score)).toEqual([0.5, 0.3, 0.1]);
    expect(await json(await del())).toEqual({ drained: 0, tickets: [], remaining: 0 });

    expect([...page1.tickets, ...page2.tickets].map((t) => t.ticket_id).sort()).toEqual([...ids].sort());
    // Drained tickets stay readable for the retention period.
    expect(await json<V2Ticket>(await call(`/v2/tickets/${ids[0]}`))).toMatchObject({ status: "processed" });
    expect((await json<{ pending: number }>(await call("/v2/tickets/status"))).pending).toBe(before.pending);
    expect(await workerStore().deleteTicket(pendingId)).toBe(true);
  });

  it.each(["0", "501", "abc", "1.5", "", "-3", "1e2", " 5"])("rejects limit=%j with 422 and drains nothing", async (limit) => {
    await drainV2();
    await seedProcessed([0.5]);
    const res = await del(`?limit=${limit}`);
    expect(res.status).toBe(422);
    expect((await json<{ detail: string }>(res)).detail).toBe("limit: limit must be an integer from 1 to 500");
    expect((await json<{ processed: number }>(await call("/v2/tickets/status"))).processed).toBe(1);
    await drainV2();
  });
});

describe("the sweeper (cron trigger)", () => {
  it("finishes a ticket whose queue message was lost, and /health counts it", async ({ signal }) => {
    // A pending record accepted an hour ago whose message never reached the queue
    // (as after kill -9 of the dev server, or a POST whose write landed after its 503).
    const ticket_id = crypto.randomUUID();
    await workerStore(3_600_000).createPending({ ticket_id, subject: OUTAGE.subject, body: OUTAGE.body, accepted_at: new Date().toISOString() });
    const before = await json<Health>(await call("/health"));
    expect(before.v2.sweeper.stale_pending).toBeGreaterThanOrEqual(1);
    expect(before.v2.lifetime).toEqual({ retention_seconds: 86_400, stale_after_seconds: 600, error: null });

    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env);

    expect(await processed(ticket_id, signal)).toMatchObject({ status: "processed", category: "Technical" });
    const after = await json<Health>(await call("/health"));
    expect(after.v2.sweeper.resent).toBeGreaterThanOrEqual(before.v2.sweeper.resent + 1);
    expect(after.v2.sweeper.stale_pending).toBe(0);
    expect((await drainV2()).map((t) => t.ticket_id)).toContain(ticket_id);
  });
});

describe("degradation", () => {
  const app = createApp();
  const fetchWith = (overrides: Partial<typeof env>, path: string, init?: RequestInit) =>
    app.fetch(new Request(`http://edge.test${path}`, init), { ...env, ...overrides }, createExecutionContext());

  // "Down" as in "never answers", the case only a deadline can bound: each route must give
  // up at the store's own budget (DEFAULT_TIMEOUT_MS) and say so, rather than hang. The
  // deadline's message and the hung requests prove that without timing anything.
  it("answers 503 with Retry-After on every /v2 route when the store never answers, ended by the store's deadline, while /v1 keeps working", async () => {
    const store = hungEndpoint();
    const down = store.upstashEnv;
    const requests: [string, string, RequestInit?][] = [
      ["/v2/tickets", "createPending", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(QUESTION) }],
      [`/v2/tickets/${crypto.randomUUID()}`, "getTicket"],
      ["/v2/tickets/next", "popNext"],
      ["/v2/tickets/peek", "peekNext"],
      ["/v2/tickets", "drain", { method: "DELETE" }],
      ["/v2/tickets/status", "queueStatus"],
    ];
    for (const [path, operation, init] of requests) {
      const res = await fetchWith(down, path, init);
      expect(res.status, path).toBe(503);
      expect(res.headers.get("retry-after"), path).toBe("5");
      const { detail } = await json<{ detail: string }>(res);
      expect(detail, path).toMatch(new RegExp(`^ticket store unavailable during ${operation}: `));
      expect(detail, path).toMatch(deadlineFired(DEFAULT_TIMEOUT_MS));
    }
    // One store request per route reached the store and was left unanswered.
    expect(await store.requests()).toBe(requests.length);
    const v1 = await fetchWith(down, "/v1/tickets", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(QUESTION) });
    expect(v1.status).toBe(201);
    await call("/v1/tickets", { method: "DELETE" });
  });

  it("answers 503 and leaves no pending record when the queue refuses the message", async () => {
    const sent: TicketMessage[] = [];
    const brokenQueue = {
      send: async (m: TicketMessage) => {
        sent.push(m);
        throw new Error("queue overloaded");
      },
      sendBatch: async () => {
        throw new Error("queue overloaded");
      },
    } as unknown as Queue<TicketMessage>;
    const before = await json<{ pending: number }>(await call("/v2/tickets/status"));
    const res = await fetchWith({ TICKET_QUEUE: brokenQueue }, "/v2/tickets", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(QUESTION),
    });
    expect(res.status).toBe(503);
    expect((await json<{ detail: string }>(res)).detail).toMatch(/queue unavailable: queue overloaded/);
    expect(sent).toHaveLength(1);
    const orphan = await json<V2Ticket>(await call(`/v2/tickets/${sent[0]!.ticket_id}`));
    expect(orphan.status).toBe("not_found");
    expect((await json<{ pending: number }>(await call("/v2/tickets/status"))).pending).toBe(before.pending);
  });
});

describe("lifetime settings", () => {
  it("uses the default for a bad V2_* value and says so in /health", async () => {
    const res = await createApp().fetch(
      new Request("http://edge.test/health"),
      { ...env, V2_RETENTION_SECONDS: "1 day", V2_SWEEP_AFTER_SECONDS: "120" },
      createExecutionContext(),
    );
    const health = await json<Health>(res);
    expect(health.status).toBe("degraded");
    expect(health.v2.lifetime).toEqual({
      retention_seconds: 86_400,
      stale_after_seconds: 120,
      error: 'V2_RETENTION_SECONDS must be a whole number of seconds from 60 to 31536000, got "1 day"; using 86400',
    });
  });
});
