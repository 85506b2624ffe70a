import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CONSUMER_REPORT_NOTE, parseConsumerReport } from "../src/queue/consumer-report.ts";
import { consumeQueue } from "../src/queue/dispatch.ts";
import type { TicketMessage } from "../src/queue/message.ts";
import { ticketStoreFor } from "../src/store/select.ts";
import { privateStoreNamespace } from "./helpers.ts";

/** A one-message batch that records how the consumer settled it. */
function batchOf(ticket_id: string) {
  const settled: string[] = [];
  const message = {
    id: crypto.randomUUID(),
    timestamp: new Date(),
    body: { ticket_id, accepted_at: new Date().toISOString() },
    attempts: 1,
    ack: () => settled.push("ack"),
    retry: () => settled.push("retry"),
  };
  const batch = {
    queue: "smart-support-tickets",
    messages: [message],
    ackAll: () => settled.push("ackAll"),
    retryAll: () => settled.push("retryAll"),
  } as unknown as MessageBatch<TicketMessage>;
  return { batch, settled };
}

describe("an invalid webhook setting", () => {
  it("still lets the consumer score and save tickets; an urgent one counts as a failed alert once", async () => {
    // A store of its own: the consumer reports its broken setting there, which would turn every
    // other test's /health degraded if written to the Worker's store.
    const badEnv = { ...env, STORE: privateStoreNamespace(env.STORE), WEBHOOK_THRESHOLD: "very" };
    const store = ticketStoreFor(badEnv);
    const ticket_id = crypto.randomUUID();
    const subject = "URGENT: production outage, everything is down";
    expect(await store.createPending({ ticket_id, subject, body: "Critical: the whole site is down ASAP", accepted_at: new Date().toISOString() })).toBe(true);
    const before = (await store.counters()).webhook_failed ?? 0;

    const first = batchOf(ticket_id);
    await consumeQueue(first.batch, badEnv);
    expect(first.settled).toEqual(["ack"]);
    const record = await store.getTicket(ticket_id);
    expect(record?.status).toBe("processed");

    // A redelivery neither re-scores nor counts the alert again.
    const again = batchOf(ticket_id);
    await consumeQueue(again.batch, badEnv);
    expect(again.settled).toEqual(["ack"]);
    // The text is chosen to score above the default threshold (0.8), so the alert path runs.
    expect(record?.urgency_score).toBeGreaterThan(0.8);
    expect((await store.counters()).webhook_failed ?? 0).toBe(before + 1);
    // And it tells /health why (src/queue/consumer-report.ts).
    const report = parseConsumerReport(await store.note(CONSUMER_REPORT_NOTE));
    expect(report?.webhook).toMatchObject({ mode: "misconfigured", threshold: null });
    expect(report?.webhook.error).toMatch(/WEBHOOK_THRESHOLD/);
  });
});
