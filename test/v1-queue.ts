import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { Category } from "../src/ml/categories.ts";
import { PriorityQueue } from "../src/router/priority-queue.ts";
import type { Router } from "../src/router/router-do.ts";
import { DEFAULT_TENANT, shardName, tenantObjectNames, ticketIdFor } from "../src/router/shard-key.ts";
import type { V1Ticket } from "../src/schemas/ticket.ts";
import { call, json } from "./helpers.ts";

export type DrainPage = { drained: number; remaining?: number; tickets: V1Ticket[] };

/**
 * Empties the /v1 queue whatever its size: a drain answers one page at a time, so a
 * single DELETE no longer guarantees an empty queue between tests.
 */
export async function drainV1(): Promise<V1Ticket[]> {
  const out: V1Ticket[] = [];
  for (;;) {
    const res = await call("/v1/tickets?limit=500", { method: "DELETE" });
    expect(res.status).toBe(200);
    const page = await json<DrainPage>(res);
    out.push(...page.tickets);
    if (!page.remaining) return out;
  }
}

export async function v1Status() {
  return json<{ pending: number; processed: number; message: string }>(await call("/v1/tickets/status"));
}

/** The shard of (tenant, category), as tenant-queue.ts reaches it. */
export const shardStub = (category: Category, tenant = DEFAULT_TENANT) => env.ROUTER.getByName(shardName(tenant, category));

/** Every Router object of a tenant: its shards, its pre-shard Router, its key shards. */
export function allObjects(tenant = DEFAULT_TENANT) {
  const names = tenantObjectNames(tenant);
  return [...names.shards, names.legacy, ...names.keys].map((n) => env.ROUTER.getByName(n));
}

/** Sets the lease/activity/key clock of every object of the tenant (tests move it instead of sleeping). */
export async function setClocks(clock: () => number, tenant = DEFAULT_TENANT): Promise<void> {
  for (const stub of allObjects(tenant)) {
    await runInDurableObject(stub, (router: Router) => {
      router.clock = clock;
    });
  }
}

/** Deletes every queued and claimed ticket of the tenant (drains leave claimed ones by design). */
export async function clearQueues(tenant = DEFAULT_TENANT): Promise<void> {
  for (const stub of allObjects(tenant)) {
    await runInDurableObject(stub, (_, state) => {
      new PriorityQueue(state.storage.sql); // creates the table in an object never used yet
      state.storage.sql.exec("DELETE FROM v1_queue");
    });
  }
}

let n = 0;
/** A ticket as POST would make it, with a chosen category and urgency; queued_at grows by 1 ms per ticket, so arrival order is creation order. */
export function testTicket(category: Category, urgency_level: 1 | 5, t0: number): V1Ticket {
  n += 1;
  return {
    ticket_id: ticketIdFor(category),
    subject: `${category} ${urgency_level} #${n}`,
    body: "Body",
    category,
    confidence: 0.5,
    urgency_level,
    queued_at: new Date(t0 + n).toISOString(),
  };
}

/** Straight into each ticket's shard's SQLite, in this order: POSTs would run M1, and its categories are not ours to choose. */
export async function seedShards(tickets: V1Ticket[], tenant = DEFAULT_TENANT): Promise<V1Ticket[]> {
  for (const t of tickets) {
    await runInDurableObject(shardStub(t.category, tenant), (_, state) => {
      new PriorityQueue(state.storage.sql).push(t);
    });
  }
  return tickets;
}
