import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { PriorityQueue } from "../src/router/priority-queue.ts";
import { BODY_MAX, SUBJECT_MAX, type V1Ticket } from "../src/schemas/ticket.ts";
import { call, json } from "./helpers.ts";
import { drainV1, shardStub, v1Status, type DrainPage } from "./v1-queue.ts";

beforeEach(async () => {
  await drainV1();
});

/** A ticket at both length limits: the largest thing POST /v1/tickets can queue. */
function maxSizeTicket(i: number): V1Ticket {
  return {
    ticket_id: crypto.randomUUID(),
    subject: `#${i} `.padEnd(SUBJECT_MAX, "s"),
    body: `#${i} `.padEnd(BODY_MAX, "b"),
    category: "Technical",
    confidence: 0.5,
    urgency_level: i % 3 === 0 ? 1 : 5,
    queued_at: new Date().toISOString(),
  };
}

describe("DELETE /v1/tickets on a queue larger than one RPC reply", () => {
  // 6,400 × ~5.6 KB ≈ 36 MB serialized: past workerd's 32 MiB cap on an RPC result, which an
  // unpaged drain hits after it has already deleted every row.
  const COUNT = 6_400;
  const PAGE = 500;

  it("returns every ticket exactly once, in priority order, page by page", async () => {
    const tickets = Array.from({ length: COUNT }, (_, i) => maxSizeTicket(i));
    // Straight into the Router's SQLite: 6,400 POSTs would each run M1 and take minutes.
    await runInDurableObject(shardStub("Technical"), (_, state) => {
      const queue = new PriorityQueue(state.storage.sql);
      for (const t of tickets) queue.push(t);
    });
    expect((await v1Status()).pending).toBe(COUNT);

    const expected = [...tickets.filter((t) => t.urgency_level === 1), ...tickets.filter((t) => t.urgency_level === 5)];
    const seen: V1Ticket[] = [];
    // Bounded, so a drain that never reports 0 remaining fails instead of looping.
    for (let page = 0; page < Math.ceil(COUNT / PAGE) + 1; page++) {
      const res = await call(`/v1/tickets?limit=${PAGE}`, { method: "DELETE" });
      expect(res.status).toBe(200);
      const body = await json<DrainPage>(res);
      expect(body.drained).toBe(body.tickets.length);
      seen.push(...body.tickets);
      expect(body.remaining).toBe(COUNT - seen.length);
      if (body.remaining === 0) break;
      expect(body.drained).toBe(PAGE);
    }

    expect(seen.map((t) => t.ticket_id)).toEqual(expected.map((t) => t.ticket_id));
    const changed = seen.filter((t, i) => JSON.stringify(t) !== JSON.stringify(expected[i]));
    expect(changed).toEqual([]);
    expect((await v1Status()).pending).toBe(0);
  }, 180_000);
});
