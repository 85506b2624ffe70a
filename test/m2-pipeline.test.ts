import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { MODEL_KEY } from "../src/m2/model-source.ts";
import { isolateM2, resetIsolateM2 } from "../src/m2/isolate.ts";
import { createScorer } from "../src/pipeline/score.ts";
import { buildTinyEncoder } from "../models/onnx/tiny-encoder.ts";
import { createConsumerReporter } from "../src/queue/consumer-report.ts";
import { consumerState } from "../src/queue/dispatch.ts";
import type { Health } from "../src/schemas/health.ts";
import { ticketStoreFor } from "../src/store/select.ts";
import { createApp } from "../src/app.ts";
import { createExecutionContext } from "cloudflare:test";
import { call, json, postJson, privateStoreNamespace } from "./helpers.ts";

// The committed heads (models/m2/heads.json) were trained on the tiny stand-in encoder
// with its default seed, so that generated model is the "right" encoder here.
//
// This file has a vitest project of its own (vitest.config.ts "workers-m2"): the first test goes
// through the consumer Worker, whose M2 must not have met a ticket before the encoder is in R2.
// The fallbacks run M2 in this isolate instead (the consumer's M2 is ready by then), and show
// what /health makes of each through the report the consumer would write.
const OUTAGE = { subject: "URGENT: production outage", body: "Our platform is down and nobody can log in. Please fix immediately!" };

async function health(): Promise<Health> {
  return json<Health>(await call("/health"));
}

/** What /health says once this isolate's M2 state is reported, as the consumer reports it, to a store of its own. */
async function healthReporting(): Promise<Health> {
  const STORE = privateStoreNamespace(env.STORE);
  const m2env = { ...env, STORE };
  await createConsumerReporter()(ticketStoreFor(m2env), consumerState(m2env, isolateM2(env)));
  const res = await createApp().fetch(new Request("http://edge.test/health"), m2env, createExecutionContext());
  return json<Health>(res);
}

/** Polls until the consumer has settled the ticket; the test's own timeout (signal) is the only bound. */
async function waitProcessed(id: string, signal: AbortSignal) {
  for (;;) {
    signal.throwIfAborted();
    const t = await json<{ status: string; model_used: string | null; category: string | null; urgency_score: number | null; confidence: number | null }>(
      await call(`/v2/tickets/${id}`),
    );
    if (t.status !== "pending") return t;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeEach(async () => {
  resetIsolateM2();
  await env.MODELS!.delete(MODEL_KEY);
});

describe("M2 in the /v2 pipeline", () => {
  it("scores with M2 (tiny stand-in encoder from R2 + committed heads) end to end, through the consumer Worker", async ({ signal }) => {
    await env.MODELS!.put(MODEL_KEY, buildTinyEncoder());
    // The consumer has consumed nothing yet, so it has not reported.
    expect((await health()).models.m2).toMatchObject({ state: "unreported", reported_at: null });

    const res = await postJson("/v2/tickets", OUTAGE);
    expect(res.status).toBe(202);
    const { ticket_id } = await json<{ ticket_id: string }>(res);
    const t = await waitProcessed(ticket_id, signal);
    expect(t.status).toBe("processed");
    expect(t.model_used).toBe("m2");
    expect(["Billing", "Legal", "Technical"]).toContain(t.category);
    expect(t.urgency_score).toBeGreaterThanOrEqual(0);
    expect(t.urgency_score).toBeLessThanOrEqual(1);
    expect(t.confidence).toBeGreaterThan(0);

    const h = await health();
    expect(h.models.live).toBe("m2");
    expect(h.models.m2).toMatchObject({ state: "ready", reason: null });
    expect(Date.parse(h.models.m2.reported_at!)).toBeLessThanOrEqual(Date.now());
    expect(h.models.scored.m2).toBeGreaterThanOrEqual(1);
    await call("/v2/tickets/next");
  }, 120_000);

  it("falls back to M1 and says why when there is no model in R2", async () => {
    const score = await createScorer(isolateM2(env))(OUTAGE.subject, OUTAGE.body);
    expect(score.model_used).toBe("m1");
    const h = await healthReporting();
    expect(h.models.live).toBe("m1");
    expect(h.models.m2.state).toBe("absent");
    expect(h.models.m2.reason).toContain(`R2 object ${MODEL_KEY} not found`);
  });

  it("refuses heads trained for another encoder, falls back to M1 and says so", async () => {
    await env.MODELS!.put(MODEL_KEY, buildTinyEncoder({ seed: 7 }));
    const score = await createScorer(isolateM2(env))(OUTAGE.subject, OUTAGE.body);
    expect(score.model_used).toBe("m1");
    const h = await healthReporting();
    expect(h.models.m2.state).toBe("refused");
    expect(h.models.m2.reason).toMatch(/heads belong to encoder .* loaded encoder is sha256 [0-9a-f]{64}/);
    expect(h.models.m2.heads_encoder_sha256).not.toBe(null);
  }, 120_000);

  it("falls back to M1 when the model in R2 is corrupt", async () => {
    await env.MODELS!.put(MODEL_KEY, new TextEncoder().encode("definitely not an onnx model"));
    const score = await createScorer(isolateM2(env))(OUTAGE.subject, OUTAGE.body);
    expect(score.model_used).toBe("m1");
    const h = await healthReporting();
    expect(h.models.m2.state).toBe("failed");
    expect(h.models.m2.reason).toBeTruthy();
  }, 120_000);
});
