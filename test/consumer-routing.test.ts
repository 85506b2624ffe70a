// The consumer's part of routing: the scorer's reason and routing are saved with the ticket
// (a review ticket waits in the review lane), the urgent-ticket alert fires whatever the
// routing and says "needs review" for review tickets, and a malformed REVIEW_THRESHOLDS is
// reported for /health while scoring goes on with the bundled thresholds.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { CATEGORIES } from "../src/ml/categories.ts";
import type { Score } from "../src/pipeline/score.ts";
import { CONSUMER_REPORT_NOTE, parseConsumerReport } from "../src/queue/consumer-report.ts";
import { handleMessage, type ConsumerDeps } from "../src/queue/consumer.ts";
import { consumeQueue } from "../src/queue/dispatch.ts";
import type { TicketMessage } from "../src/queue/message.ts";
import { ticketStoreFor } from "../src/store/select.ts";
import type { TicketStore } from "../src/store/types.ts";
import { webhookConfig } from "../src/webhooks/config.ts";
import { privateStoreNamespace } from "./helpers.ts";
import { embeddedHarness, type StoreHarness, upstashHarness, warmUpStoreObject } from "./store-harness.ts";

beforeAll(warmUpStoreObject);

function message(ticket_id: string) {
  const settled: string[] = [];
  const m = {
    id: crypto.randomUUID(),
    timestamp: new Date(),
    body: { ticket_id, accepted_at: new Date().toISOString() },
    attempts: 1,
    ack: () => settled.push("ack"),
    retry: () => settled.push("retry"),
  } as unknown as Message<TicketMessage>;
  return { m, settled };
}

async function pending(store: TicketStore, subject: string, body = "Everything is broken."): Promise<string> {
  const ticket_id = crypto.randomUUID();
  expect(await store.createPending({ ticket_id, subject, body, accepted_at: new Date().toISOString() })).toBe(true);
  return ticket_id;
}

function hookUrl(): string {
  return `${inject("webhookReceiver")}/hook/${crypto.randomUUID()}`;
}
async function hooksAt(url: string): Promise<{ path: string; body: string }[]> {
  const all = (await (await fetch(`${inject("webhookReceiver")}/__received`)).json()) as { path: string; body: string }[];
  return all.filter((h) => url.endsWith(h.path));
}

const REVIEW_SCORE: Score = {
  category: "Billing", confidence: 0.41, urgency_score: 0.95, model_used: "m1", urgency_model: "m1", routing: "review",
  reason: { decided_by: "model", rules: [], detail: "no rule matched; model said Billing (0.41)" },
};

const stores: [string, () => StoreHarness][] = [
  ["embedded", () => embeddedHarness()],
  ["upstash", () => upstashHarness({ kind: "consumer-routing" })],
];

describe.each(stores)("consumer routing on the %s store", (_, harness) => {
  it("saves reason and routing; a review ticket waits in review and its alert says it needs review", async () => {
    const { store } = harness();
    const url = hookUrl();
    const deps: ConsumerDeps = { store, webhook: webhookConfig({ WEBHOOK_URL: url, WEBHOOK_FORMAT: "slack" }), score: async () => REVIEW_SCORE };
    const id = await pending(store, "Card charged");
    const { m, settled } = message(id);
    expect(await handleMessage(m, deps)).toBe("processed");
    expect(settled).toEqual(["ack"]);
    expect(await store.getTicket(id)).toMatchObject({ routing: "review", reason: REVIEW_SCORE.reason, category: "Billing" });
    expect(await store.peekNext()).toBeNull();
    expect((await store.peekNext(null, "review"))?.ticket_id).toBe(id);

    const hooks = await hooksAt(url);
    expect(hooks).toHaveLength(1);
    const payload = JSON.parse(hooks[0]!.body) as { text: string; blocks: { text?: { text: string } }[] };
    expect(payload.text).toMatch(/needs review/);
    expect(payload.blocks[0]!.text!.text).toMatch(/\*Category:\* Billing \(needs review\)/);
  });

  it("sends the alert for an auto ticket without the review note", async () => {
    const { store } = harness();
    const url = hookUrl();
    const deps: ConsumerDeps = { store, webhook: webhookConfig({ WEBHOOK_URL: url, WEBHOOK_FORMAT: "slack" }), score: async () => ({ ...REVIEW_SCORE, routing: "auto" }) };
    const id = await pending(store, "Card charged");
    expect(await handleMessage(message(id).m, deps)).toBe("processed");
    const hooks = await hooksAt(url);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.body).not.toMatch(/needs review/);
    expect((await store.peekNext())?.ticket_id).toBe(id);
  });
});

describe("REVIEW_THRESHOLDS", () => {
  it("routes with the setting: a threshold of 1 sends every scored ticket to review", async () => {
    // per_category entries merge over the bundled ones, so every category is named.
    const everyCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 1]));
    const reviewEnv = { ...env, STORE: privateStoreNamespace(env.STORE), REVIEW_THRESHOLDS: JSON.stringify({ default: 1, per_category: everyCategory }) };
    const store = ticketStoreFor(reviewEnv);
    const id = await pending(store, "Invoice question", "Why was I charged twice this month?");
    const { m, settled } = message(id);
    await consumeQueue({ queue: "smart-support-tickets", messages: [m] } as unknown as MessageBatch<TicketMessage>, reviewEnv);
    expect(settled).toEqual(["ack"]);
    expect(await store.getTicket(id)).toMatchObject({ status: "processed", routing: "review", reason: { decided_by: expect.any(String) } });
    expect(parseConsumerReport(await store.note(CONSUMER_REPORT_NOTE))?.routing).toEqual({ error: null });
  });

  it("when malformed, is reported for /health and scoring goes on with the bundled thresholds", async () => {
    const badEnv = { ...env, STORE: privateStoreNamespace(env.STORE), REVIEW_THRESHOLDS: '{"default": 2}' };
    const goodEnv = { ...env, STORE: privateStoreNamespace(env.STORE) };
    const bad = ticketStoreFor(badEnv);
    const good = ticketStoreFor(goodEnv);
    const subject = "Production outage";
    const body = "Our API returns 500 errors for every request since this morning.";
    const [badId, goodId] = [await pending(bad, subject, body), await pending(good, subject, body)];
    const badMsg = message(badId);
    await consumeQueue({ queue: "smart-support-tickets", messages: [badMsg.m] } as unknown as MessageBatch<TicketMessage>, badEnv);
    await consumeQueue({ queue: "smart-support-tickets", messages: [message(goodId).m] } as unknown as MessageBatch<TicketMessage>, goodEnv);
    expect(badMsg.settled).toEqual(["ack"]);
    const [scoredBad, scoredGood] = [await bad.getTicket(badId), await good.getTicket(goodId)];
    expect(scoredBad?.status).toBe("processed");
    // Same ticket, same routing as with no setting at all: the bundled thresholds served.
    expect(scoredBad?.routing).toBe(scoredGood?.routing);
    const report = parseConsumerReport(await bad.note(CONSUMER_REPORT_NOTE));
    expect(report?.routing?.error).toMatch(/REVIEW_THRESHOLDS: default/);
  });

  it("a report written before routing existed still parses", () => {
    const old = { at: "2026-01-01T00:00:00.000Z", m2: { state: "idle", reason: null, heads_encoder_sha256: null }, webhook: { mode: "mock", threshold: 0.8, error: null } };
    expect(parseConsumerReport(JSON.stringify(old))).toMatchObject({ webhook: { mode: "mock" } });
  });
});
