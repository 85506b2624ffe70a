// Tenants on the /v2 pipeline behind the routes: a queue message names its tenant (absent =
// default, as every message sent before tenants), the consumer scores into that tenant's
// store while its counters stay in the default store /health reads, and the sweeper sweeps
// every tenant's store, re-sending with the tenant in the message.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { handleBatch, handleDeadLetters, type ConsumerDeps } from "../src/queue/consumer.ts";
import { messageTenant, type TicketMessage } from "../src/queue/message.ts";
import { sweepFromEnv, sweptTenants } from "../src/queue/sweeper.ts";
import type { Score } from "../src/pipeline/score.ts";
import { EmbeddedTicketStore } from "../src/store/embedded.ts";
import { embeddedNameFor } from "../src/store/select.ts";
import type { TicketStore } from "../src/store/types.ts";
import { webhookConfig } from "../src/webhooks/config.ts";
import { GENEROUS_TIMEOUT_MS, warmUpStoreObject } from "./store-harness.ts";
import { privateStoreNamespace } from "./helpers.ts";

beforeAll(warmUpStoreObject);

type FakeMessage = Message<TicketMessage> & { acks: number; retries: number };

function delivery(body: Partial<TicketMessage> & Record<string, unknown>): FakeMessage {
  const m = {
    id: crypto.randomUUID(),
    timestamp: new Date(),
    body,
    attempts: 1,
    acks: 0,
    retries: 0,
    ack() {
      m.acks++;
    },
    retry() {
      m.retries++;
    },
  };
  return m as unknown as FakeMessage;
}

const batchOf = (messages: FakeMessage[], queue = "smart-support-tickets") => ({ queue, messages }) as unknown as MessageBatch<TicketMessage>;

const SCORE: Score = { category: "Billing", confidence: 0.8, urgency_score: 0.4, model_used: "m1", urgency_model: "m1", routing: "auto", reason: { decided_by: "model", rules: [], detail: "test" } };

/** Each tenant's own embedded store under a per-test name space, like select.ts names them. */
function tenantStores() {
  const run = crypto.randomUUID().slice(0, 8);
  const stores = new Map<string, TicketStore>();
  const storeFor = (tenant: string) => {
    let store = stores.get(tenant);
    if (!store) {
      store = new EmbeddedTicketStore({ namespace: env.STORE, name: `${run}:${embeddedNameFor(tenant)}`, timeoutMs: GENEROUS_TIMEOUT_MS });
      stores.set(tenant, store);
    }
    return store;
  };
  return storeFor;
}

async function pendingIn(store: TicketStore): Promise<string> {
  const ticket_id = crypto.randomUUID();
  await store.createPending({ ticket_id, subject: "Invoice", body: "Charged twice.", accepted_at: new Date().toISOString() });
  return ticket_id;
}

describe("queue messages and tenants", () => {
  it("reads a message's tenant: absent is default, a bad name is refused", () => {
    expect(messageTenant({ ticket_id: "x", accepted_at: "y" })).toBe("default");
    expect(messageTenant({ ticket_id: "x", accepted_at: "y", tenant: "acme" })).toBe("acme");
    expect(messageTenant({ ticket_id: "x", accepted_at: "y", tenant: "Not A Tenant" })).toBeNull();
    expect(messageTenant({ ticket_id: "x", accepted_at: "y", tenant: 7 as unknown as string })).toBeNull();
  });

  it("scores each message into its tenant's store and counts in the default store", async () => {
    const storeFor = tenantStores();
    const defaultStore = storeFor("default");
    const acmeId = await pendingIn(storeFor("acme"));
    const oldId = await pendingIn(defaultStore);
    const deps: ConsumerDeps = { store: defaultStore, storeFor, webhook: webhookConfig({}), score: async () => SCORE };
    const acme = delivery({ ticket_id: acmeId, accepted_at: "a", tenant: "acme" });
    // A message sent before tenants existed: no tenant field, so the default store.
    const old = delivery({ ticket_id: oldId, accepted_at: "a" });
    // The right id under the wrong tenant finds nothing there.
    const wrong = delivery({ ticket_id: acmeId, accepted_at: "a", tenant: "beta" });
    const bad = delivery({ ticket_id: acmeId, accepted_at: "a", tenant: "Bad Name" });
    const outcomes = await handleBatch(batchOf([acme, old, wrong, bad]), deps);
    expect(outcomes).toEqual(["processed", "processed", "missing", "missing"]);
    for (const m of [acme, old, wrong, bad]) expect(m.acks).toBe(1);
    expect(await storeFor("acme").getTicket(acmeId)).toMatchObject({ status: "processed", category: "Billing" });
    expect(await defaultStore.getTicket(acmeId)).toBeNull();
    expect(await defaultStore.getTicket(oldId)).toMatchObject({ status: "processed" });
    expect(await storeFor("beta").getTicket(acmeId)).toBeNull();
    expect((await defaultStore.counters()).scored_m1).toBe(2);
    expect(await storeFor("acme").counters()).toEqual({});
  });

  it("marks a dead-lettered ticket failed in its tenant's store", async () => {
    const storeFor = tenantStores();
    const id = await pendingIn(storeFor("acme"));
    const m = delivery({ ticket_id: id, accepted_at: "a", tenant: "acme" });
    await handleDeadLetters(batchOf([m], "smart-support-tickets-dlq"), storeFor("default"), storeFor);
    expect(m.acks).toBe(1);
    expect(await storeFor("acme").getTicket(id)).toMatchObject({ status: "failed" });
  });
});

describe("sweeper and tenants", () => {
  it("sweeps default and every API_TOKENS tenant, once each; an invalid API_TOKENS still sweeps default", () => {
    expect(sweptTenants(undefined)).toEqual(["default"]);
    const tokens = JSON.stringify({
      "token-aaaaaaaaaaaaaaaa": { tenant: "acme" },
      "token-bbbbbbbbbbbbbbbb": { tenant: "acme", agent: "bob" },
      "token-cccccccccccccccc": { tenant: "beta" },
    });
    expect(sweptTenants(tokens)).toEqual(["default", "acme", "beta"]);
    expect(sweptTenants("{not json")).toEqual(["default"]);
  });

  it("re-sends a tenant's stale ticket with its tenant in the message, counting in the default store", async () => {
    const run = crypto.randomUUID().slice(0, 8);
    const tenant = `sweep-${run}`;
    const STORE = privateStoreNamespaceByName(`sweep-default-${run}`);
    // A ticket accepted an hour ago whose message was lost, in the tenant's own store.
    const tenantStore = new EmbeddedTicketStore({ namespace: env.STORE, name: embeddedNameFor(tenant), now: () => Date.now() - 3_600_000, timeoutMs: GENEROUS_TIMEOUT_MS });
    const id = await pendingIn(tenantStore);
    const sent: TicketMessage[] = [];
    const queue = {
      sendBatch: async (messages: Iterable<MessageSendRequest<TicketMessage>>) => {
        for (const m of messages) sent.push(m.body);
      },
    } as unknown as Queue<TicketMessage>;
    const API_TOKENS = JSON.stringify({ [`sweep-token-${run}-0123456789`]: { tenant } });
    const report = await sweepFromEnv({ STORE, TICKET_QUEUE: queue, API_TOKENS });
    expect(sent).toContainEqual({ ticket_id: id, accepted_at: expect.any(String), tenant });
    expect(report.resent).toBe(sent.length);
    const counters = await new EmbeddedTicketStore({ namespace: STORE, timeoutMs: GENEROUS_TIMEOUT_MS }).counters();
    expect(counters.sweeper_resent).toBe(sent.length);
  });
});

/**
 * The Worker's STORE namespace with the default tenant's object swapped for a private one, so
 * this test's sweep neither touches nor counts in the store other test files read; every
 * other name (a tenant's object) goes to the real namespace.
 */
function privateStoreNamespaceByName(defaultName: string): Env["STORE"] {
  const privateDefault = privateStoreNamespace(env.STORE, defaultName);
  return {
    getByName: (name: string) => (name === embeddedNameFor("default") ? privateDefault.getByName(name) : env.STORE.getByName(name)),
  } as unknown as Env["STORE"];
}

type Env = import("../src/env.ts").Env;
