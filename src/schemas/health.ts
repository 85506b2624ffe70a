import { z } from "@hono/zod-openapi";

const nullableNumber = z.number().nullable();

export const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]).openapi({ description: "degraded: a component below reports an error; /v1 may still serve." }),
    auth: z.enum(["on", "off"]).openapi({ description: "on when API_TOKEN is set: /v1 and /v2 need a bearer token." }),
    models: z.object({
      live: z.enum(["m1", "m2"]).openapi({ description: "The model /v2 scores with in this isolate now." }),
      m2: z.object({
        state: z.enum(["idle", "loading", "ready", "absent", "failed", "refused"]).openapi({
          description: "idle: not loaded in this isolate yet (loads on the first /v2 ticket); absent/failed/refused: /v2 falls back to M1, see reason.",
        }),
        reason: z.string().nullable(),
        heads_encoder_sha256: z.string().nullable(),
      }),
      scored: z.record(z.string(), z.number().int()).openapi({ description: "Tickets scored so far per model (m1, m2), from the store." }),
      m1: z.object({
        loaded: z.boolean(),
        load_ms: nullableNumber,
        error: z.string().nullable(),
        accuracy: nullableNumber.openapi({ description: "Accuracy on the seed's 15% stratified hold-out (models/m1/metrics.json)." }),
        macro_f1: nullableNumber.openapi({ description: "Macro-F1, mean of the leakage-safe grouped 5-fold CV." }),
      }),
    }),
    v1: z.object({ pending: z.number().int(), processed: z.number().int() }),
    v2: z.object({
      store: z.object({
        kind: z.enum(["upstash", "embedded"]),
        reachable: z.boolean(),
        error: z.string().nullable(),
        pending: nullableNumber,
        processed: nullableNumber,
      }),
      queue: z.object({ bound: z.boolean() }),
      webhook: z.object({
        mode: z.string().openapi({ description: "mock (no WEBHOOK_URL), slack, discord, generic, or misconfigured." }),
        threshold: nullableNumber,
        error: z.string().nullable(),
        counts: z.record(z.string(), z.number().int()).openapi({ description: "Webhook outcomes so far: sent, mock, failed." }),
      }),
    }),
  })
  .openapi("Health");

export type Health = z.infer<typeof HealthSchema>;
