import { env } from "cloudflare:workers";
import { evictAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { PriorityQueue } from "../src/router/priority-queue.ts";
import { ROUTER_NAME } from "../src/router/router-do.ts";
import type { V1Ticket } from "../src/schemas/ticket.ts";
import { call, json, postJson } from "./helpers.ts";
import { drainV1, shardStub, type DrainPage } from "./v1-queue.ts";

const URGENT = { subject: "Production outage", body: "Our dashboard is down since this morning, please help immediately." };
// Both auto-routed with the bundled thresholds (checked below): these tests are about the auto lane's order.
const NORMAL = { subject: "Export to CSV", body: "How do I export a report from the reporting module as a CSV file?" };

async function push(t: { subject: string; body: string }): Promise<V1Ticket> {
  const res = await postJson("/v1/tickets", t);
  expect(res.status).toBe(201);
  return json<V1Ticket>(res);
}
async function status() {
  return json<{ pending: number; processed: number; message: string }>(await call("/v1/tickets/status"));
}

beforeEach(async () => {
  await drainV1();
});

describe("POST /v1/tickets", () => {
  it("classifies, scores urgency and queues the ticket", async () => {
    const t = await push(URGENT);
    expect(t.ticket_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(t).toMatchObject({ subject: URGENT.subject, body: URGENT.body, category: "Technical", urgency_level: 1 });
    expect(t.confidence).toBeGreaterThan(0);
    expect(t.confidence).toBeLessThanOrEqual(1);
    expect(Date.parse(t.queued_at)).not.toBeNaN();
    expect((await status()).pending).toBe(1);
  });

  it("routes a refund request to Billing with normal urgency", async () => {
    const t = await push({
      subject: "Refund for double charge",
      body: "I was billed twice for my subscription invoice this month. Please refund the duplicate payment to my credit card.",
    });
    expect(t.category).toBe("Billing");
    expect(t.urgency_level).toBe(5);
  });

  it("scores German urgency keywords", async () => {
    const t = await push({ subject: "Dringend: Serverausfall", body: "Unser Server ist seit heute Morgen nicht erreichbar." });
    expect(t.urgency_level).toBe(1);
  });
});

describe("queue order", () => {
  it("pops urgent first and FIFO within a level over 200 interleaved pushes", async () => {
    const pushed: V1Ticket[] = [];
    for (let i = 0; i < 200; i++) {
      const urgent = i % 3 === 0;
      const base = urgent ? URGENT : NORMAL;
      pushed.push(await push({ subject: `${base.subject} #${i}`, body: base.body }));
    }
    expect(pushed.every((t) => t.routing === "auto")).toBe(true);
    const expected = [...pushed.filter((t) => t.urgency_level === 1), ...pushed.filter((t) => t.urgency_level === 5)];
    expect(expected.filter((t) => t.urgency_level === 1)).toHaveLength(67);

    const peeked = await json<V1Ticket>(await call("/v1/tickets/peek"));
    expect(peeked.ticket_id).toBe(expected[0]!.ticket_id);
    expect((await status()).pending).toBe(200);

    const popped: string[] = [];
    for (let i = 0; i < 200; i++) {
      const res = await call("/v1/tickets/next");
      expect(res.status).toBe(200);
      popped.push((await json<V1Ticket>(res)).ticket_id);
    }
    expect(popped).toEqual(expected.map((t) => t.ticket_id));
  });

  it("answers 404 with the seed's detail when empty", async () => {
    for (const path of ["/v1/tickets/next", "/v1/tickets/peek"]) {
      const res = await call(path);
      expect(res.status).toBe(404);
      expect(await json(res)).toEqual({ detail: "Queue is empty." });
    }
  });

  it("counts processed tickets and drains the rest in priority order", async () => {
    const before = (await status()).processed;
    const a = await push(NORMAL);
    const b = await push(URGENT);
    const c = await push(NORMAL);
    expect((await json<V1Ticket>(await call("/v1/tickets/next"))).ticket_id).toBe(b.ticket_id);
    const s = await status();
    expect(s).toMatchObject({ pending: 2, processed: before + 1 });
    expect(s.message).toContain("2");

    const drained = await json<DrainPage>(await call("/v1/tickets", { method: "DELETE" }));
    expect(drained).toMatchObject({ drained: 2, remaining: 0 });
    expect(drained.tickets.map((t) => t.ticket_id)).toEqual([a.ticket_id, c.ticket_id]);
    expect(await status()).toMatchObject({ pending: 0, processed: before + 1 });
  });
});

describe("DELETE /v1/tickets (paged drain)", () => {
  const drain = async (query = "") => {
    const res = await call(`/v1/tickets${query}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    return json<DrainPage>(res);
  };
  const ids = (tickets: V1Ticket[]) => tickets.map((t) => t.ticket_id);

  it("removes at most `limit` per call, in pop order, and says how many remain", async () => {
    const pushed = [];
    for (const t of [NORMAL, URGENT, NORMAL, URGENT, NORMAL]) pushed.push(await push(t));
    const order = ids([...pushed.filter((t) => t.urgency_level === 1), ...pushed.filter((t) => t.urgency_level === 5)]);

    const first = await drain("?limit=2");
    expect(first).toMatchObject({ drained: 2, remaining: 3 });
    expect(ids(first.tickets)).toEqual(order.slice(0, 2));
    expect((await status()).pending).toBe(3);

    const second = await drain("?limit=2");
    expect(second).toMatchObject({ drained: 2, remaining: 1 });
    expect(ids(second.tickets)).toEqual(order.slice(2, 4));

    const last = await drain();
    expect(last).toMatchObject({ drained: 1, remaining: 0 });
    expect(ids(last.tickets)).toEqual(order.slice(4));

    expect(await drain()).toEqual({ drained: 0, remaining: 0, tickets: [] });
  });

  it("drains 100 by default", async () => {
    const tickets = Array.from({ length: 150 }, (_, i): V1Ticket => ({
      ticket_id: crypto.randomUUID(),
      subject: `Ticket ${i}`,
      body: "Body",
      category: "Billing",
      confidence: 0.5,
      urgency_level: 5,
      queued_at: new Date().toISOString(),
    }));
    // Straight into the queue: 150 POSTs would spend seconds in M1 to test a count.
    await runInDurableObject(shardStub("Billing"), (_, state) => {
      const queue = new PriorityQueue(state.storage.sql);
      for (const t of tickets) queue.push(t);
    });
    const page = await drain();
    expect(page).toMatchObject({ drained: 100, remaining: 50 });
    expect(ids(page.tickets)).toEqual(ids(tickets.slice(0, 100)));
    expect((await status()).pending).toBe(50);
  });

  it("documents `limit` and `remaining` in the OpenAPI document", async () => {
    const doc = await json<{
      paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema: Record<string, unknown> }[] }>>;
      components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
    }>(await call("/openapi.json"));
    const limit = doc.paths["/v1/tickets"]!.delete!.parameters?.find((p) => p.name === "limit");
    expect(limit).toMatchObject({ in: "query", schema: { type: "integer", minimum: 1, maximum: 500, default: 100 } });
    expect(doc.components.schemas.Drain!.properties).toHaveProperty("remaining");
    expect(doc.components.schemas.Drain!.required).toEqual(expect.arrayContaining(["drained", "remaining", "tickets"]));
  });
});

describe("durability and concurrency", () => {
  it("keeps the queue across a Durable Object restart", async () => {
    const a = await push(NORMAL);
    const b = await push(URGENT);
    await evictAllDurableObjects();
    expect((await status()).pending).toBe(2);
    expect((await json<V1Ticket>(await call("/v1/tickets/next"))).ticket_id).toBe(b.ticket_id);
    expect((await json<V1Ticket>(await call("/v1/tickets/next"))).ticket_id).toBe(a.ticket_id);
  });

  it("gives 50 concurrent POSTs 50 distinct tickets, each popped exactly once", async () => {
    const created = await Promise.all(
      Array.from({ length: 50 }, (_, i) => push({ subject: `Concurrent ${i}`, body: i % 2 ? URGENT.body : NORMAL.body })),
    );
    const ids = new Set(created.map((t) => t.ticket_id));
    expect(ids.size).toBe(50);

    const responses = await Promise.all(Array.from({ length: 60 }, () => call("/v1/tickets/next")));
    const ok = responses.filter((r) => r.status === 200);
    expect(ok).toHaveLength(50);
    expect(responses.filter((r) => r.status === 404)).toHaveLength(10);
    const popped = await Promise.all(ok.map((r) => json<V1Ticket>(r)));
    expect(new Set(popped.map((t) => t.ticket_id))).toEqual(ids);
  });

  it("queues a ticket in its (tenant, category) shard, not in the pre-shard Router", async () => {
    const t = await push(NORMAL);
    expect((await shardStub(t.category).status()).pending).toBe(1);
    expect((await env.ROUTER.getByName(ROUTER_NAME).status()).pending).toBe(0);
  });
});
