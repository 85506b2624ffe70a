import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import m1File from "../models/m1/metrics.json" with { type: "json" };
import m2File from "../models/m2/metrics.json" with { type: "json" };
import { createApp } from "../src/app.ts";
import { CATEGORIES } from "../src/ml/categories.ts";
import type { Env } from "../src/env.ts";
import { createConsumerReporter } from "../src/queue/consumer-report.ts";
import { consumerState } from "../src/queue/dispatch.ts";
import type { Health } from "../src/schemas/health.ts";
import type { MetricsBody } from "../src/schemas/metrics.ts";
import { ticketStoreFor } from "../src/store/select.ts";
import { call, json, postJson, privateStoreNamespace } from "./helpers.ts";
import { hungEndpoint } from "./unreachable.ts";

/** /health through a fresh app with some bindings or settings replaced. */
async function healthWith(overrides: Partial<Env>): Promise<Health> {
  const res = await createApp().fetch(new Request("http://edge.test/health"), { ...env, ...overrides }, createExecutionContext());
  expect(res.status).toBe(200);
  return json<Health>(res);
}

const CLASSES = ["Billing", "Legal", "Technical"] as const;
const ROW_KEYS = ["f1-score", "precision", "recall", "support"];

describe("meta routes", () => {
  it("/health reports models, queues, store, webhook and auth, the consumer's part as the consumer Worker reported it", async ({ signal }) => {
    await postJson("/v1/tickets", { subject: "Invoice question", body: "Where can I download my invoice?" });
    // A /v2 ticket through the queue makes the consumer Worker report (at the latest now).
    const accepted = await json<{ ticket_id: string }>(await postJson("/v2/tickets", { subject: "Invoice question", body: "Where is my invoice?" }));
    for (;;) {
      signal.throwIfAborted();
      const t = await json<{ status: string }>(await call(`/v2/tickets/${accepted.ticket_id}`));
      if (t.status !== "pending") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const body = await json<Health>(await call("/health"));
    expect(body.status).toBe("ok");
    expect(body.auth).toBe("off");
    expect(body.models.live).toBe("m1");
    expect(body.models.m1).toMatchObject({ loaded: true, error: null });
    expect(body.models.m1.accuracy).toBeGreaterThan(0.5);
    expect(body.models.m1.macro_f1).toBeGreaterThan(0.3);
    expect(body.models.m1.load_ms).toBeGreaterThanOrEqual(0);
    expect(body.v1.pending).toBeGreaterThanOrEqual(1);
    expect(body.v2.store).toMatchObject({ kind: "embedded", reachable: true, error: null });
    expect(body.v2.queue.bound).toBe(true);
    // From the consumer Worker's report: no WEBHOOK_URL there, its threshold from wrangler.consumer.jsonc.
    expect(body.v2.webhook).toMatchObject({ mode: "mock", threshold: 0.8, error: null });
    expect(Date.parse(body.v2.consumer.reported_at!)).toBeLessThanOrEqual(Date.now());
    // No encoder in this project's R2 under the production key, so M1 scores: M2 is absent if
    // the consumer tried to load it, idle if the serving decision gave both fields to M1.
    expect(body.models.m2.reported_at).toBe(body.v2.consumer.reported_at);
    expect(body.models.m2.state).toMatch(/^(absent|idle)$/);
    if (body.models.m2.state === "absent") expect(body.models.m2.reason).toMatch(/not found/);
    expect(body.models.live).toBe("m1");
    await call("/v1/tickets", { method: "DELETE" });
    await call("/v2/tickets", { method: "DELETE" });
  });

  // Monitors written for the seed service read these six fields; names and types are the contract.
  it("/health carries every field of the seed's, with the seed's types", async () => {
    await postJson("/v1/tickets", { subject: "Invoice question", body: "Where can I download my invoice?" });
    const body = await json<Health>(await call("/health"));
    expect(body.status).toBe("ok");
    expect(body.m1).toBe("ready");
    expect(body.m2_broker).toBe("ready");
    expect(Object.keys(body.redis).sort()).toEqual(["pending", "processed"]);
    expect(body.redis.pending).toEqual(expect.any(Number));
    expect(body.redis.processed).toEqual(expect.any(Number));
    expect(body.redis).toEqual({ pending: body.v2.store.pending, processed: body.v2.store.processed });
    expect(typeof body.m1_queue).toBe("number");
    expect(body.m1_queue).toBeGreaterThanOrEqual(1);
    expect(body.m1_queue).toBe(body.v1.pending);
    expect(body.m1_accuracy).toBe(m1File.shipped.holdout.report.accuracy);
    expect(body.m1_accuracy).toBe(body.models.m1.accuracy);
    await call("/v1/tickets", { method: "DELETE" });
  });

  it("/health says degraded, naming the component, when the store is down", async () => {
    const app = createApp();
    const res = await app.fetch(
      new Request("http://edge.test/health"),
      // A store that never answers (test/unreachable.ts): a closed port would make workerd log noise.
      { ...env, ...hungEndpoint().upstashEnv },
      createExecutionContext(),
    );
    expect(res.status).toBe(200);
    const body = await json<Health>(res);
    expect(body.status).toBe("degraded");
    expect(body.v2.store).toMatchObject({ kind: "upstash", reachable: false, pending: null });
    expect(body.v2.store.error).toMatch(/ticket store unavailable/);
    // The consumer's report lives in that store, so what it said is unknown, and says so.
    expect(body.v2.webhook).toMatchObject({ mode: "unreported", threshold: null });
    expect(body.v2.consumer.reported_at).toBeNull();
    expect(body.models.m2).toMatchObject({ state: "unreported", reported_at: null });
    expect(body.models.m2.reason).toMatch(/ticket store unreachable/);
    expect(body.models.live).toBe("m1");
    expect(body.models.m1.loaded).toBe(true);
    // The seed's fields say the same, in the seed's terms.
    expect(body.m1).toBe("ready");
    expect(body.m2_broker).toMatch(/^unavailable: upstash ticket store unreachable \(.*ticket store unavailable/);
    expect(body.redis).toEqual({ pending: null, processed: null });
    expect(body.m1_queue).toEqual(expect.any(Number));
  });

  it("/health says degraded and names the setting when the consumer Worker reports a bad webhook setting", async () => {
    const STORE = privateStoreNamespace(env.STORE);
    const before = await healthWith({ STORE });
    expect(before.status).toBe("ok");
    expect(before.models.m2).toMatchObject({ state: "unreported", reported_at: null });
    expect(before.v2.webhook.mode).toBe("unreported");

    // What the consumer writes after a batch (src/queue/dispatch.ts), with its settings broken.
    const consumerEnv = { ...env, STORE, WEBHOOK_THRESHOLD: "lots" };
    // M2_SERVE=m2 on the consumer: /health shows the decision in effect, not the bundled heads'.
    const overridden = { model: "m2" as const, reason: "M2_SERVE=m2 overrides the heads (which chose m1: …)" };
    const m2 = {
      status: () => ({ state: "refused" as const, reason: "heads belong to encoder a…, loaded encoder is sha256 b…", at: 0 }),
      headsEncoder: "a".repeat(64),
      serving: { category: overridden, urgency: overridden, usesM2: true, summary: "M2 serves category and urgency: …" },
    };
    await createConsumerReporter(() => new Date("2026-11-30T12:00:00.000Z"))(ticketStoreFor(consumerEnv), consumerState(consumerEnv, m2));

    const body = await healthWith({ STORE });
    expect(body.status).toBe("degraded");
    expect(body.v2.webhook).toMatchObject({ mode: "misconfigured", threshold: null });
    expect(body.v2.webhook.error).toMatch(/WEBHOOK_THRESHOLD/);
    expect(body.v2.consumer.reported_at).toBe("2026-11-30T12:00:00.000Z");
    expect(body.models.m2).toEqual({ state: "refused", reason: m2.status().reason, heads_encoder_sha256: m2.headsEncoder, reported_at: "2026-11-30T12:00:00.000Z" });
    expect(body.models.serve).toEqual({ category: overridden, urgency: overridden });
    // Given the category but not loaded: M1 still decides.
    expect(body.models.live).toBe("m1");
    // The Worker's own store never saw it.
    expect((await json<Health>(await call("/health"))).v2.webhook.mode).not.toBe("misconfigured");
  });

  it("/health names an unbound ticket queue in m2_broker and says degraded", async () => {
    const body = await healthWith({ TICKET_QUEUE: undefined as unknown as Env["TICKET_QUEUE"] });
    expect(body.status).toBe("degraded");
    expect(body.m2_broker).toBe("unavailable: ticket queue TICKET_QUEUE is not bound");
    expect(body.v2.queue.bound).toBe(false);
    expect(body.redis.pending).toEqual(expect.any(Number));
  });

  it("/health still answers, degraded, when the /v1 Router cannot be reached", async () => {
    const unreachable = { getByName: () => ({ stats: () => Promise.reject(new Error("Durable Object reset")) }) };
    const body = await healthWith({ ROUTER: unreachable as unknown as Env["ROUTER"] });
    expect(body.status).toBe("degraded");
    expect(body.m1).toBe("unavailable: /v1 Router unreachable: Durable Object reset");
    expect(body.m1_queue).toBeNull();
    expect(body.v1).toEqual({ pending: null, processed: null, routing_error: null });
    expect(body.models.m1).toMatchObject({ loaded: false, error: "/v1 Router unreachable: Durable Object reset" });
    expect(body.m2_broker).toBe("ready");
  });

  it("/health sums /v1's counts over every object of tenant default (its shards and its pre-shard Router)", async () => {
    // M1 loads in the Worker now (src/health.ts m1State, tested in test/v1-shards.test.ts); the objects only count.
    const stats = { pending: 2, processed: 5 };
    const body = await healthWith({ ROUTER: { getByName: () => ({ stats: async () => stats }) } as unknown as Env["ROUTER"] });
    const objects = CATEGORIES.length + 1;
    expect(body.m1_queue).toBe(2 * objects);
    expect(body.v1).toEqual({ pending: 2 * objects, processed: 5 * objects, routing_error: null });
    expect(body.m1).toBe("ready");
  });

  it("/metrics serves the seed's fields: sklearn's classification_report for M1, accuracy/rmse/mae for M2", async () => {
    const body = await json<MetricsBody>(await call("/metrics"));
    const report = m1File.shipped.holdout.report;
    const m1 = body.m1;
    expect(m1.accuracy).toBe(report.accuracy);
    expect(m1.protocol).toMatch(/^seed protocol: one stratified hold-out, 15 %/);
    for (const c of CLASSES) {
      expect(Object.keys(m1[c]!).sort()).toEqual(ROW_KEYS);
      expect(m1[c]).toEqual({ precision: report.perClass[c].precision, recall: report.perClass[c].recall, "f1-score": report.perClass[c].f1, support: report.perClass[c].support });
    }
    const n = report.rows;
    const supports = CLASSES.map((c) => report.perClass[c].support);
    const avg = (metric: "precision" | "recall" | "f1", weighted: boolean) =>
      CLASSES.reduce((a, c, i) => a + report.perClass[c][metric] * (weighted ? supports[i]! / n : 1 / CLASSES.length), 0);
    for (const [key, weighted] of [["macro avg", false], ["weighted avg", true]] as const) {
      expect(Object.keys(m1[key]).sort()).toEqual(ROW_KEYS);
      expect(m1[key].precision).toBeCloseTo(avg("precision", weighted), 12);
      expect(m1[key].recall).toBeCloseTo(avg("recall", weighted), 12);
      expect(m1[key]["f1-score"]).toBeCloseTo(avg("f1", weighted), 12);
      expect(m1[key].support).toBe(n);
    }
    expect(m1["macro avg"]["f1-score"]).toBeCloseTo(report.macroF1, 12);
    // The leakage-safe report beside it, and today's content unchanged.
    expect(m1.grouped_cv.accuracy).toBe(m1File.shipped.groupedCv.pooled.accuracy);
    expect(m1.grouped_cv["weighted avg"].support).toBe(m1File.dataset.rows);
    expect(m1.classifier).toEqual(m1File);
    expect(Object.keys(m1.urgency)).toContain("holdout");

    for (const key of ["accuracy", "rmse", "mae"] as const) expect(body.m2[key]).toEqual(expect.any(Number));
    expect(body.m2.reason).toBeNull();
    expect(body.m2.protocol).toMatch(/hold-out, 15 %/);
    expect(body.m2.category).toEqual(m2File.category);
    expect(body.m2.serve).toEqual(m2File.serve);
  });

  it("/openapi.json documents every route with the zod schemas", async () => {
    const doc = await json<{ openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }>(
      await call("/openapi.json"),
    );
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(
      expect.arrayContaining([
        "/health", "/metrics", "/v1/tickets", "/v1/tickets/next", "/v1/tickets/peek", "/v1/tickets/status",
        "/v2/tickets", "/v2/tickets/next", "/v2/tickets/peek", "/v2/tickets/status", "/v2/tickets/{id}",
      ]),
    );
    expect(Object.keys(doc.paths["/v2/tickets"]!).sort()).toEqual(["delete", "get", "post"]);
    const post = doc.paths["/v2/tickets"]!.post as { responses: Record<string, unknown>; security: unknown };
    expect(Object.keys(post.responses).sort()).toEqual(["202", "400", "401", "413", "415", "422", "429", "503"]);
    expect(post.security).toEqual([{ bearer: [] }]);
    // GET lists the queue (issue 10).
    expect(Object.keys(doc.paths["/v1/tickets"]!).sort()).toEqual(["delete", "get", "post"]);
    expect(doc.components.schemas).toHaveProperty("TicketInput");
    expect(doc.components.schemas).toHaveProperty("V1Ticket");
    expect(doc.components.schemas).toHaveProperty("Metrics");
    expect(doc.components.schemas).toHaveProperty("ClassificationReport");
    const health = doc.components.schemas.Health as { required: string[] };
    expect(health.required).toEqual(expect.arrayContaining(["status", "m1", "m2_broker", "redis", "m1_queue", "m1_accuracy"]));
    // M1Metrics extends ClassificationReport: allOf [$ref, own properties].
    type Obj = { required?: string[]; allOf?: ({ $ref: string } | Obj)[] };
    const required = (schema: Obj): string[] => [
      ...(schema.required ?? []),
      ...(schema.allOf ?? []).flatMap((part) =>
        "$ref" in part ? required(doc.components.schemas[part.$ref.split("/").pop()!] as Obj) : required(part),
      ),
    ];
    expect(required(doc.components.schemas.M1Metrics as Obj)).toEqual(
      expect.arrayContaining(["accuracy", "macro avg", "weighted avg", ...CLASSES, "protocol", "grouped_cv", "classifier", "urgency"]),
    );
    expect(required(doc.components.schemas.M2Metrics as Obj)).toEqual(expect.arrayContaining(["accuracy", "rmse", "mae", "reason"]));
    expect(JSON.stringify(doc.components.schemas.TicketInput)).toContain('"maxLength":500');
  });

  it.each(["/docs", "/redoc"])("%s serves an HTML page pointing at /openapi.json", async (path) => {
    const res = await call(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain("/openapi.json");
  });
});
