import { z } from "@hono/zod-openapi";
import { ServeSchema } from "../m2/heads.ts";

const nullableNumber = z.number().nullable();
const nullableCount = z.number().int().nullable();

export const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]).openapi({ description: "degraded: a component below reports an error; /v1 may still serve." }),
    // The seed service's fields, same names and types, so monitors written for it keep working.
    m1: z.string().openapi({
      description: 'Seed field. "ready" when the /v1 Router holds a loaded M1; otherwise why not ("not loaded: …", "unavailable: …").',
      example: "ready",
    }),
    m2_broker: z.string().openapi({
      description:
        'Seed field (the seed\'s broker for asynchronous M2 jobs). Here: the /v2 path, i.e. the ticket queue (TICKET_QUEUE) and the ticket store. ' +
        '"ready" when the queue is bound and the store answers; otherwise "unavailable: <reason>". Says nothing about which model scores /v2: see models.live.',
      example: "ready",
    }),
    redis: z
      .object({
        pending: nullableCount.openapi({ description: "/v2 tickets accepted, not yet scored." }),
        processed: nullableCount.openapi({ description: "/v2 tickets scored and waiting in the sorted set." }),
      })
      .openapi({
        description:
          "Seed field: the /v2 ticket store's counts (Upstash Redis or the embedded store, see v2.store.kind); " +
          "both null when the store is unreachable (unknown, not zero; m2_broker and v2.store.error say why).",
      }),
    m1_queue: nullableCount.openapi({
      description:
        "Seed field: tickets waiting in the /v1 (M1) priority queue, the seed's pending count, same as v1.pending; " +
        "null only when the Router cannot be reached.",
      example: 3,
    }),
    m1_accuracy: z.number().openapi({
      description: "Seed field: the shipped M1's accuracy on the seed's 15 % stratified hold-out (models/m1/metrics.json); same as /metrics m1.accuracy.",
      example: 0.9395,
    }),
    auth: z.enum(["on", "off"]).openapi({ description: "on when API_TOKEN or API_TOKENS is set: /v1 and /v2 need a bearer token." }),
    auth_error: z.string().nullable().openapi({
      description:
        "Why API_TOKENS cannot be used (not JSON, or not the {\"<token>\": {\"tenant\", \"agent\"}} shape; tokens named by position, never by text), " +
        "in which case every /v1 and /v2 request answers 503 and status is degraded; null when auth is off or its settings are valid.",
      example: null,
    }),
    models: z.object({
      live: z.enum(["m1", "m2"]).openapi({
        description:
          "The model deciding /v2 categories: m2 when models.serve gives M2 the category and the consumer Worker last reported M2 ready; m1 otherwise. models.serve says which model decides each field and why.",
      }),
      m2: z
        .object({
          state: z.enum(["idle", "loading", "ready", "absent", "failed", "refused", "unreported"]).openapi({
            description:
              "M2 in the consumer Worker, as it last reported. idle: not loaded (loads on the first /v2 ticket that needs it; stays idle when models.serve names M1 for both fields); " +
              "absent/failed/refused: /v2 falls back to M1, see reason; unreported: no report from the consumer yet (not deployed, or no ticket consumed since it started).",
          }),
          reason: z.string().nullable(),
          heads_encoder_sha256: z.string().nullable().openapi({ description: "The encoder the consumer's heads belong to (before any report: the API's bundled heads)." }),
          reported_at: z.string().nullable().openapi({ description: "When the consumer reported this state (it writes on change); null when unreported." }),
        })
        .openapi({ description: "The consumer Worker's last report (stored in the ticket store; the API Worker does not run M2)." }),
      // The heads' own schema: what the consumer reports and /health shows is validated by it.
      serve: z.object(ServeSchema.shape).openapi({
          description:
            "Which model decides each /v2 field and why: the decision the consumer Worker last reported (the M2 heads' serve block, " +
            "models/m2/heads.json, with the figures behind it, unless the consumer's M2_SERVE setting overrides it); before any report, the bundled heads' own. " +
            "A field given to M2 falls back to M1 for a ticket M2 cannot score.",
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
    v1: z
      .object({
        pending: nullableCount,
        processed: nullableCount,
        routing_error: z.string().nullable().openapi({ description: "Why REVIEW_THRESHOLDS is not in effect (malformed; /v1 routes with the bundled thresholds), or null." }),
      })
      .openapi({ description: "The /v1 priority queue; null only when the Router cannot be reached." }),
    v2: z.object({
      store: z.object({
        kind: z.enum(["upstash", "embedded"]),
        reachable: z.boolean(),
        error: z.string().nullable(),
        pending: nullableNumber,
        processed: nullableNumber,
      }),
      queue: z.object({ bound: z.boolean() }),
      consumer: z
        .object({
          reported_at: z.string().nullable().openapi({ description: "When the consumer Worker last reported a change (models.m2, v2.webhook); null: never." }),
          routing_error: z
            .string()
            .nullable()
            .openapi({ description: "Why the consumer's REVIEW_THRESHOLDS is not in effect (malformed; /v2 routes with the bundled thresholds), as it last reported; null: none." }),
        })
        .openapi({ description: "The consumer Worker (wrangler.consumer.jsonc), known to the API only through its report in the ticket store." }),
      lifetime: z.object({
        retention_seconds: z.number().int().openapi({ description: "How long a /v2 record stays readable after it leaves the queues (popped, drained, failed); queued tickets never expire. V2_RETENTION_SECONDS." }),
        stale_after_seconds: z.number().int().openapi({ description: "A pending ticket with no delivery activity for this long is re-sent by the sweeper. V2_SWEEP_AFTER_SECONDS." }),
        error: z.string().nullable().openapi({ description: "An invalid V2_* setting (its default is used instead)." }),
      }),
      sweeper: z.object({
        stale_pending: nullableNumber.openapi({ description: "Pending tickets stale right now: the next sweep (cron, every minute) re-sends them. Null when the store is unreachable." }),
        resent: z.number().int().openapi({ description: "Tickets the sweeper has re-sent so far." }),
        failed: z.number().int().openapi({ description: "Tickets the sweeper marked failed after their re-sends were used up." }),
      }),
      webhook: z.object({
        mode: z.string().openapi({
          description: "The consumer Worker's webhook, as it last reported: mock (no WEBHOOK_URL), slack, discord, generic, misconfigured, or unreported (no report yet).",
        }),
        threshold: nullableNumber,
        error: z.string().nullable(),
        counts: z.record(z.string(), z.number().int()).openapi({ description: "Webhook outcomes so far: sent, mock, failed." }),
      }),
    }),
  })
  .openapi("Health");

export type Health = z.infer<typeof HealthSchema>;
