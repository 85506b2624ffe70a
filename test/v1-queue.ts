import { expect } from "vitest";
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
