import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { isDependencyFailure, StoreUnavailableError } from "../src/errors.ts";
import { acceptTicket } from "../src/pipeline/accept.ts";
import { handleBatch, handleDeadLetters, handleMessage, MAX_RETRIES, type ConsumerDeps, type MessageOutcome } from "../src/queue/consumer.ts";
import { MAX_RESENDS, sweepStalePending } from "../src/queue/sweeper.ts";
import { DEFAULT_STALE_AFTER_MS } from "../src/store/settings.ts";
import { EmbeddedTicketStore } from "../src/store/embedded.ts";
import { UpstashTicketStore } from "../src/store/upstash.ts";
import type { TicketMessage } from "../src/queue/message.ts";
import type { BatchScoreFn, Score, TicketText } from "../src/pipeline/score.ts";
import type { TicketStore } from "../src/store/types.ts";
import { webhookConfig } from "../src/webhooks/config.ts";
import { embeddedHarness, GENEROUS_TIMEOUT_MS, HELD_MS, type StoreHarness, upstashHarness, upstashPrefix, warmUpStoreObject } from "./store-harness.ts";
import { hungEndpoint } from "./unreachable.ts";

type FakeMessage = Message<TicketMessage> & { acks: number; retries: (QueueRetryOptions | undefined)[] };

function delivery(ticket_id: string, attempts = 1): FakeMessage {
  const m = {
    id: crypto.randomUUID(),
    timestamp: new Date(),
    body: { ticket_id, accepted_at: new Date().toISOString() },
    attempts,
    acks: 0,
    retries: [] as (QueueRetryOptions | undefined)[],
    ack() {
      m.acks++;
    },
    retry(options?: QueueRetryOptions) {
      m.retries.push(options);
    },
  };
  return m as unknown as FakeMessage;
}

// Each test gets a fresh store with generous call budgets and a clock only advance() moves.
const stores: [string, () => StoreHarness][] = [
  ["embedded", () => embeddedHarness()],
  ["upstash", () => upstashHarness({ kind: "consumer" })],
];

/** Each store on a clock the sweeper tests set directly (staleness follows it). */
const clockedStores: [string, (now: () => number) => TicketStore][] = [
  ["embedded", (now) => new EmbeddedTicketStore({ namespace: env.STORE, name: `sweeper-${crypto.randomUUID()}`, timeoutMs: GENEROUS_TIMEOUT_MS, now })],
  ["upstash", (now) => new UpstashTicketStore({ ...inject("upstash"), prefix: upstashPrefix("sweeper"), timeoutMs: GENEROUS_TIMEOUT_MS, now })],
];

beforeAll(warmUpStoreObject);

/** A queue that records what is sent (or refuses everything with `failure`). */
function recordingQueue(failure?: Error): { queue: Queue<TicketMessage>; sent: TicketMessage[] } {
  const sent: TicketMessage[] = [];
  const queue = {
    async send(body: TicketMessage) {
      if (failure) throw failure;
      sent.push(body);
    },
    async sendBatch(messages: Iterable<MessageSendRequest<TicketMessage>>) {
      if (failure) throw failure;
      for (const m of messages) sent.push(m.body);
    },
  } as unknown as Queue<TicketMessage>;
  return { queue, sent };
}

/** The store with some methods replaced, as a stalled or half-failing backend behaves. */
function misbehaving(store: TicketStore, overrides: Partial<TicketStore>): TicketStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop in overrides) return overrides[prop as keyof TicketStore];
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Delivers each message in turn, redelivering the ones that asked for a retry (lock held), as the queue would. */
async function deliverAll(messages: FakeMessage[], deps: ConsumerDeps): Promise<MessageOutcome[]> {
  const outcomes = await Promise.all(messages.map((m) => handleMessage(m, deps)));
  for (const m of messages.filter((m) => m.retries.length > 0)) {
    outcomes.push(await handleMessage(delivery(m.body.ticket_id, m.attempts + 1), deps));
  }
  return outcomes;
}

const STALE = DEFAULT_STALE_AFTER_MS;
const MINUTE = 60_000;

/** A per-test path on the real receiver, so tests count only their own webhooks. */
function hookUrl(): string {
  return `${inject("webhookReceiver")}/hook/${crypto.randomUUID()}`;
}
async function hooksAt(url: string): Promise<{ path: string; body: string; headers: Record<string, string> }[]> {
  const all = (await (await fetch(`${inject("webhookReceiver")}/__received`)).json()) as { path: string; body: string; headers: Record<string, string> }[];
  return all.filter((h) => url.endsWith(h.path));
}

const URGENT: Score = { category: "Technical", confidence: 0.9, urgency_score: 0.95, model_used: "m1", urgency_model: "m1", routing: "auto", reason: { decided_by: "model", rules: [], detail: "no rule matched; model said Technical (0.90)" } };

async function pending(store: TicketStore, subject = "Server down") {
  const ticket_id = crypto.randomUUID();
  await store.createPending({ ticket_id, subject, body: "Everything is broken.", accepted_at: new Date().toISOString() });
  return ticket_id;
}

describe.each(stores)("queue consumer on the %s store", (_, harness) => {
  const makeStore = () => harness().store;

  it("processes 12 simultaneous deliveries of one ticket once, with one webhook", async () => {
    const store = makeStore();
    const url = hookUrl();
    let scored = 0;
    const deps: ConsumerDeps = {
      store,
      webhook: webhookConfig({ WEBHOOK_URL: url, WEBHOOK_SECRET: "s" }),
      score: async () => {
        scored++;
        await new Promise((r) => setTimeout(r, 20));
        return URGENT;
      },
    };
    const id = await pending(store);
    const messages = Array.from({ length: 12 }, () => delivery(id));
    const outcomes = await Promise.all(messages.map((m) => handleMessage(m, deps)));

    expect(outcomes.filter((o) => o === "processed")).toHaveLength(1);
    expect(scored).toBe(1);
    // Each message got exactly one verdict: ack, or retry while the lock was held.
    for (const m of messages) expect(m.acks + m.retries.length).toBe(1);
    // Redeliver the retried ones, one after another as the queue would: harmless duplicates.
    const retried = messages.filter((m) => m.retries.length);
    expect(retried).toHaveLength(11);
    for (const _ of retried) expect(await handleMessage(delivery(id, 2), deps)).toBe("duplicate");

    const record = await store.getTicket(id);
    expect(record).toMatchObject({ status: "processed", urgency_score: 0.95, category: "Technical", model_used: "m1" });
    const hooks = await hooksAt(url);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.body).toContain(id);
    expect(hooks[0]!.headers["x-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect((await store.counts()).processed).toBe(1);
    expect(await store.counters()).toEqual({ scored_m1: 1, webhook_sent: 1 });
  });

  it("scores a batch's tickets in one call, then saves and acks each, a duplicate and a failing ticket alone", async () => {
    const store = makeStore();
    const calls: TicketText[][] = [];
    const batch: BatchScoreFn = async (tickets) => {
      calls.push([...tickets]);
      const urgency: Record<string, number> = { first: 0.1, third: 0.3 };
      return tickets.map((t) =>
        t.subject === "poison"
          ? { status: "rejected" as const, reason: new Error("cannot score poison") }
          : { status: "fulfilled" as const, value: { ...URGENT, urgency_score: urgency[t.subject]!, model_used: "m2" as const } },
      );
    };
    const single = async (): Promise<Score> => {
      throw new Error("a batch must not be scored ticket by ticket");
    };
    const deps: ConsumerDeps = { store, webhook: webhookConfig({}), score: Object.assign(single, { batch }) };
    const ids = [await pending(store, "first"), await pending(store, "poison"), await pending(store, "third")];
    const done = await pending(store, "already done");
    expect(await store.saveResult(done, { ...URGENT, processed_at: new Date().toISOString() })).toBe("saved");
    const messages = [...ids.map((id) => delivery(id)), delivery(done), delivery(ids[0]!)];
    const outcomes = await handleBatch({ messages, queue: "q", ackAll() {}, retryAll() {} } as unknown as MessageBatch<TicketMessage>, deps);

    // One scoring call for the tickets that needed it (one of the two deliveries of "first" found it locked).
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map((t) => t.subject).sort()).toEqual(["first", "poison", "third"]);
    expect(outcomes.slice(1, 4)).toEqual(["retry", "processed", "duplicate"]);
    expect([outcomes[0], outcomes[4]].sort()).toEqual(["locked", "processed"]);
    for (const m of messages) expect(m.acks + m.retries.length).toBe(1);
    expect(messages.slice(1, 4).map((m) => m.acks)).toEqual([0, 1, 1]);
    expect(messages[0]!.acks + messages[4]!.acks).toBe(1);
    expect(await store.getTicket(ids[0]!)).toMatchObject({ status: "processed", model_used: "m2", urgency_model: "m1", urgency_score: 0.1 });
    expect(await store.getTicket(ids[1]!)).toMatchObject({ status: "pending" });
    expect(await store.getTicket(ids[2]!)).toMatchObject({ status: "processed", urgency_score: 0.3 });
    // Every lock was released: the poison ticket's redelivery can take it at once.
    expect(await handleMessage(delivery(ids[1]!, 2), { ...deps, score: async () => URGENT })).toBe("processed");
  });

  it("scores ticket by ticket when the batch call itself throws, so only the failing ticket is retried", async () => {
    const store = makeStore();
    const batch: BatchScoreFn = async () => {
      throw new Error("batch exploded");
    };
    const single = async (subject: string): Promise<Score> => {
      if (subject === "poison") throw new Error("cannot score poison");
      return URGENT;
    };
    const deps: ConsumerDeps = { store, webhook: webhookConfig({}), score: Object.assign(single, { batch }) };
    const ids = [await pending(store, "poison"), await pending(store, "fine")];
    const messages = ids.map((id) => delivery(id));
    expect(await handleBatch({ messages } as unknown as MessageBatch<TicketMessage>, deps)).toEqual(["retry", "processed"]);
    expect(await store.getTicket(ids[1]!)).toMatchObject({ status: "processed", urgency_model: "m1" });
  });

  it("reprocesses once after a consumer died holding the lock (lock expiry)", async () => {
    const h = harness();
    const { store } = h;
    const id = await pending(store);
    // A consumer took the lock and died: nobody releases it. Its TTL cannot run out by itself
    // during the test, so the first delivery meets the lock however slow the machine is.
    const deadLockTtl = HELD_MS / 2;
    expect(await store.acquireLock(id, "dead-consumer", deadLockTtl)).toBe(true);
    const deps: ConsumerDeps = { store, webhook: webhookConfig({}), score: async () => URGENT };

    const first = delivery(id);
    expect(await handleMessage(first, deps)).toBe("locked");
    expect(first.retries).toHaveLength(1);
    expect(first.retries[0]!.delaySeconds).toBeGreaterThan(0);
    expect((await store.getTicket(id))?.status).toBe("pending");

    // The lock's TTL runs out (the ticket's own, twice as long, does not).
    await h.advance(deadLockTtl + 1_000);
    expect(await handleMessage(delivery(id, 2), deps)).toBe("processed");
    expect(await handleMessage(delivery(id, 3), deps)).toBe("duplicate");
    expect((await store.counts()).processed).toBe(1);
    // Our lock was released: the next taker gets it at once.
    expect(await store.acquireLock(id, "next", 1000)).toBe(true);
  });

  it("retries transient failures with backoff, then records the failure on the last attempt", async () => {
    const store = makeStore();
    const id = await pending(store);
    const deps: ConsumerDeps = { store, webhook: webhookConfig({}), score: async () => Promise.reject(new Error("model exploded")) };

    const early = delivery(id, 1);
    expect(await handleMessage(early, deps)).toBe("retry");
    expect(early.retries[0]!.delaySeconds).toBe(2);
    expect((await store.getTicket(id))?.status).toBe("pending");

    const last = delivery(id, MAX_RETRIES + 1);
    expect(await handleMessage(last, deps)).toBe("failed");
    expect(last.retries).toHaveLength(1);
    const record = await store.getTicket(id);
    expect(record?.status).toBe("failed");
    expect(record?.error).toContain("model exploded");
    expect((await store.counts()).pending).toBe(0);
  });

  it("keeps the ticket when the webhook target is down", async () => {
    const store = makeStore();
    const id = await pending(store);
    // Down as in "never answers": the webhook's own timeout ends the attempt (a closed port
    // would fail at once and never exercise it).
    const target = hungEndpoint();
    const cfg = { ...webhookConfig({ WEBHOOK_URL: `${target.url}/hook` }), maxAttempts: 1, timeoutMs: 200 };
    expect(await handleMessage(delivery(id), { store, webhook: cfg, score: async () => URGENT })).toBe("processed");
    expect(await target.requests()).toBe(1);
    expect((await store.popNext())?.ticket_id).toBe(id);
    expect(await store.counters()).toEqual({ scored_m1: 1, webhook_failed: 1 });
  });

  it("sends no webhook at or below the threshold", async () => {
    const store = makeStore();
    const url = hookUrl();
    const id = await pending(store);
    const deps = { store, webhook: webhookConfig({ WEBHOOK_URL: url }), score: async () => ({ ...URGENT, urgency_score: 0.8 }) };
    expect(await handleMessage(delivery(id), deps)).toBe("processed");
    expect(await hooksAt(url)).toHaveLength(0);
  });

  it("acks messages for tickets that expired or never existed", async () => {
    const store = makeStore();
    const m = delivery(crypto.randomUUID());
    expect(await handleMessage(m, { store, webhook: webhookConfig({}), score: async () => URGENT })).toBe("missing");
    expect(m.acks).toBe(1);
  });

  it("marks dead-lettered tickets failed", async () => {
    const store = makeStore();
    const id = await pending(store);
    const m = delivery(id, MAX_RETRIES + 1);
    await handleDeadLetters({ queue: "smart-support-tickets-dlq", messages: [m] } as unknown as MessageBatch<TicketMessage>, store);
    expect(m.acks).toBe(1);
    expect(await store.getTicket(id)).toMatchObject({ status: "failed" });
    expect((await store.getTicket(id))?.error).toMatch(/retries exhausted/);
  });
});

describe.each(clockedStores)("sweeper on the %s store", (_, makeStore) => {
  const clocked = () => {
    const clock = { now: Date.now() };
    return { clock, store: makeStore(() => clock.now) };
  };

  it("re-sends a ticket whose message never came; with the first copy arriving late too, it is processed once, one webhook", async () => {
    const { clock, store } = clocked();
    const url = hookUrl();
    const deps: ConsumerDeps = { store, webhook: webhookConfig({ WEBHOOK_URL: url, WEBHOOK_SECRET: "s" }), score: async () => URGENT };
    const id = await pending(store);
    const original = delivery(id);
    const { queue, sent } = recordingQueue();

    clock.now += STALE - 1;
    expect(await sweepStalePending({ store, queue, staleAfterMs: STALE })).toEqual({ resent: 0, failed: 0 });
    clock.now += 1;
    expect(await sweepStalePending({ store, queue, staleAfterMs: STALE })).toEqual({ resent: 1, failed: 0 });
    expect(sent).toEqual([{ ticket_id: id, accepted_at: (await store.getTicket(id))!.accepted_at }]);

    const resent = delivery(id);
    const outcomes = await deliverAll([original, resent], deps);
    expect(outcomes.filter((o) => o === "processed")).toHaveLength(1);
    expect(outcomes.filter((o) => o !== "processed" && o !== "locked" && o !== "duplicate")).toEqual([]);
    for (const m of [original, resent]) expect(m.acks + m.retries.length).toBe(1);

    expect(await store.getTicket(id)).toMatchObject({ status: "processed", urgency_score: 0.95 });
    expect(await hooksAt(url)).toHaveLength(1);
    expect(await store.counters()).toEqual({ scored_m1: 1, webhook_sent: 1, sweeper_resent: 1 });
    clock.now += 10 * STALE;
    expect(await sweepStalePending({ store, queue, staleAfterMs: STALE })).toEqual({ resent: 0, failed: 0 });
    expect(sent).toHaveLength(1);
  });

  it("leaves a ticket alone while deliveries keep being attempted, however old it is", async () => {
    const { clock, store } = clocked();
    const id = await pending(store);
    const { queue, sent } = recordingQueue();
    const failing: ConsumerDeps = { store, webhook: webhookConfig({}), score: async () => Promise.reject(new Error("model busy")) };
    for (let attempt = 1; attempt <= 3; attempt++) {
      clock.now += STALE - MINUTE;
      expect(await handleMessage(delivery(id, attempt), failing)).toBe("retry");
      expect(await sweepStalePending({ store, queue, staleAfterMs: STALE })).toEqual({ resent: 0, failed: 0 });
    }
    // The retries stop arriving (the message is lost): one threshold after the last attempt it is re-sent.
    clock.now += STALE;
    expect(await sweepStalePending({ store, queue, staleAfterMs: STALE })).toEqual({ resent: 1, failed: 0 });
    expect(sent.map((m) => m.ticket_id)).toEqual([id]);
  });

  it("fails a ticket that is never delivered after MAX_RESENDS re-sends, with a reason", async () => {
    const { clock, store } = clocked();
    const id = await pending(store);
    const { queue, sent } = recordingQueue();
    for (let i = 0; i < MAX_RESENDS; i++) {
      clock.now += STALE;
      expect(await sweepStalePending({ store, queue, staleAfterMs: STALE })).toEqual({ resent: 1, failed: 0 });
    }
    clock.now += STALE;
    expect(await sweepStalePending({ store, queue, staleAfterMs: STALE })).toEqual({ resent: 0, failed: 1 });
    expect(sent).toHaveLength(MAX_RESENDS);
    const record = await store.getTicket(id);
    expect(record?.status).toBe("failed");
    expect(record?.error).toMatch(/never delivered: no delivery attempt for 600 s after each of 5 re-sends/);
    expect(await store.counts()).toEqual({ pending: 0, processed: 0 });
    expect(await store.counters()).toEqual({ sweeper_resent: MAX_RESENDS, sweeper_failed: 1 });
  });

  it("counts nothing when the queue refuses the re-send, and claims the ticket again a threshold later", async () => {
    const { clock, store } = clocked();
    const id = await pending(store);
    clock.now += STALE;
    const refusing = recordingQueue(new Error("queue overloaded"));
    await expect(sweepStalePending({ store, queue: refusing.queue, staleAfterMs: STALE })).rejects.toThrow(/queue overloaded/);
    expect(await store.counters()).toEqual({});
    const { queue, sent } = recordingQueue();
    expect(await sweepStalePending({ store, queue, staleAfterMs: STALE })).toEqual({ resent: 0, failed: 0 });
    clock.now += STALE;
    expect(await sweepStalePending({ store, queue, staleAfterMs: STALE })).toEqual({ resent: 1, failed: 0 });
    expect(sent.map((m) => m.ticket_id)).toEqual([id]);
  });

  it("re-sends in batches of at most 100 and no more than the limit per run", async () => {
    const { clock, store } = clocked();
    await Promise.all(Array.from({ length: 230 }, () => pending(store)));
    clock.now += STALE;
    const batches: number[] = [];
    const queue = {
      async sendBatch(messages: MessageSendRequest<TicketMessage>[]) {
        batches.push(messages.length);
      },
    } as unknown as Queue<TicketMessage>;
    expect(await sweepStalePending({ store, queue, staleAfterMs: STALE, limit: 210 })).toEqual({ resent: 210, failed: 0 });
    expect(batches).toEqual([100, 100, 10]);
    expect(await store.countStalePending(STALE)).toBe(20);
  });

  describe("a POST that answered 503 leaves nothing the sweeper will not finish", () => {
    const input = { subject: "Server down", body: "Everything is broken." };

    it("when the pending write lands after the store call already failed", async () => {
      const { clock, store } = clocked();
      let written: string | undefined;
      const stalled = misbehaving(store, {
        async createPending(ticket) {
          await store.createPending(ticket);
          written = ticket.ticket_id;
          throw new StoreUnavailableError("createPending", new Error("timed out after 1500 ms"));
        },
      });
      const { queue, sent } = recordingQueue();
      const error = await acceptTicket(input, stalled, queue).then(() => null, (e: unknown) => e);
      expect(isDependencyFailure(error)).toBe(true);
      expect(sent).toEqual([]);
      expect(await store.getTicket(written!)).toMatchObject({ status: "pending" });

      clock.now += STALE;
      expect(await sweepStalePending({ store, queue, staleAfterMs: STALE })).toEqual({ resent: 1, failed: 0 });
      expect(sent.map((m) => m.ticket_id)).toEqual([written]);
      expect(await handleMessage(delivery(written!), { store, webhook: webhookConfig({}), score: async () => URGENT })).toBe("processed");
    });

    it("when the queue refused the message and the undo failed too", async () => {
      const { clock, store } = clocked();
      const noUndo = misbehaving(store, {
        deleteTicket: async () => Promise.reject(new StoreUnavailableError("deleteTicket", new Error("connection reset"))),
      });
      const refusing = recordingQueue(new Error("queue overloaded"));
      const error = await acceptTicket(input, noUndo, refusing.queue).then(() => null, (e: unknown) => e);
      expect(isDependencyFailure(error)).toBe(true);
      expect((await store.counts()).pending).toBe(1);

      clock.now += STALE;
      const { queue, sent } = recordingQueue();
      expect(await sweepStalePending({ store, queue, staleAfterMs: STALE })).toEqual({ resent: 1, failed: 0 });
      expect(await handleMessage(delivery(sent[0]!.ticket_id), { store, webhook: webhookConfig({}), score: async () => URGENT })).toBe("processed");
      expect(await store.counts()).toEqual({ pending: 0, processed: 1 });
    });
  });
});
