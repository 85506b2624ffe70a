import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import tinyHeads from "./fixtures/m2-tiny-heads.json" with { type: "json" };
import { loadModelBytes, MODEL_KEY } from "../src/m2/model-source.ts";
import type { M2HeadsArtifact } from "../src/m2/heads.ts";
import { loadM2 } from "../src/m2/load.ts";
import { ORT_WASM_MODULE } from "../src/m2/ort-workerd.ts";
import { createM2Scorer } from "../src/m2/scorer.ts";
import { isolateM2, resetIsolateM2 } from "../src/m2/isolate.ts";
import { createScorer } from "../src/pipeline/score.ts";
import { buildTinyEncoder } from "../models/onnx/tiny-encoder.ts";
import type { Health } from "../src/schemas/health.ts";
import { call, json, postJson } from "./helpers.ts";

// The committed heads (models/m2/heads.json) are bound to the real encoder, which tests do
// not have, and the Worker's isolateM2 reads only those (vi.mock cannot swap a module in
// workerd). So the M2 path is run end to end on the tiny stand-in in R2 with the fixture
// heads fitted for it (training/tiny-heads.ts) through the same pieces isolate.ts wires
// (R2 → loadM2 → availability → scorer → createScorer); the Worker's own isolate is
// checked below with the committed heads, which it must refuse for the stand-in.
const OUTAGE = { subject: "URGENT: production outage", body: "Our platform is down and nobody can log in. Please fix immediately!" };

async function health(): Promise<Health> {
  return json<Health>(await call("/health"));
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
  it("scores with M2 (tiny stand-in encoder from R2 + fixture heads) end to end", async () => {
    await env.MODELS!.put(MODEL_KEY, buildTinyEncoder());
    const heads = tinyHeads as M2HeadsArtifact;
    const m2 = createM2Scorer(() => loadM2({ heads, loadModel: () => loadModelBytes(env), wasmModule: ORT_WASM_MODULE }), {
      headsEncoder: heads.encoder.sha256,
    });
    expect(m2.status()).toEqual({ state: "idle" });
    const score = await createScorer(m2)(OUTAGE.subject, OUTAGE.body);
    expect(score.model_used).toBe("m2");
    expect(["Billing", "Legal", "Technical"]).toContain(score.category);
    expect(score.urgency_score).toBeGreaterThanOrEqual(0);
    expect(score.urgency_score).toBeLessThanOrEqual(1);
    expect(score.confidence).toBeGreaterThan(0);
    expect(m2.status()).toMatchObject({ state: "ready", source: expect.stringContaining(`r2://${MODEL_KEY}`) });
  }, 120_000);

  it("a /v2 ticket is processed and stored with the model that scored it", async ({ signal }) => {
    // The Worker's bundled heads are for the real encoder: with the stand-in in R2 M2 cannot
    // serve (refused, or not run where serve names M1), so the consumer scores with M1 and says so.
    await env.MODELS!.put(MODEL_KEY, buildTinyEncoder());
    const res = await postJson("/v2/tickets", OUTAGE);
    expect(res.status).toBe(202);
    const { ticket_id } = await json<{ ticket_id: string }>(res);
    const t = await waitProcessed(ticket_id, signal);
    expect(t.status).toBe("processed");
    expect(t.model_used).toBe("m1");
    expect(["Billing", "Legal", "Technical"]).toContain(t.category);
    expect(t.urgency_score).toBeGreaterThanOrEqual(0);
    expect(t.urgency_score).toBeLessThanOrEqual(1);
    await call("/v2/tickets/next");
  }, 120_000);

  it("falls back to M1 and says why when there is no model in R2", async () => {
    const score = await createScorer(isolateM2(env))(OUTAGE.subject, OUTAGE.body);
    expect(score.model_used).toBe("m1");
    const h = await health();
    expect(h.models.live).toBe("m1");
    expect(h.models.m2.state).toBe("absent");
    expect(h.models.m2.reason).toContain(`R2 object ${MODEL_KEY} not found`);
  });

  it("refuses heads trained for another encoder, falls back to M1 and says so", async () => {
    await env.MODELS!.put(MODEL_KEY, buildTinyEncoder({ seed: 7 }));
    const score = await createScorer(isolateM2(env))(OUTAGE.subject, OUTAGE.body);
    expect(score.model_used).toBe("m1");
    const h = await health();
    expect(h.models.m2.state).toBe("refused");
    expect(h.models.m2.reason).toMatch(/heads belong to encoder .* loaded encoder is sha256 [0-9a-f]{64}/);
    expect(h.models.m2.heads_encoder_sha256).not.toBe(null);
  }, 120_000);

  it("falls back to M1 when the model in R2 is corrupt", async () => {
    await env.MODELS!.put(MODEL_KEY, new TextEncoder().encode("definitely not an onnx model"));
    const score = await createScorer(isolateM2(env))(OUTAGE.subject, OUTAGE.body);
    expect(score.model_used).toBe("m1");
    const h = await health();
    expect(h.models.m2.state).toBe("failed");
    expect(h.models.m2.reason).toBeTruthy();
  }, 120_000);
});
