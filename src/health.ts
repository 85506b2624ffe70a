import type { Env } from "./env.ts";
import type { Health } from "./schemas/health.ts";
import { ROUTER_NAME } from "./router/router-do.ts";
import { m1Metrics } from "./m1/metrics.ts";
import { isolateM2 } from "./m2/isolate.ts";
import { SWEEPER_FAILED_COUNTER, SWEEPER_RESENT_COUNTER } from "./queue/sweeper.ts";
import { v2Settings } from "./store/settings.ts";
import { ticketStoreFor } from "./store/select.ts";
import { webhookConfig } from "./webhooks/config.ts";

/**
 * Everything /health reports. Each dependency is probed on its own so one failure shows
 * as that component's error and status "degraded", never as a failed health check.
 */
export async function buildHealth(env: Env): Promise<Health> {
  const settings = v2Settings(env);
  const [router, store] = await Promise.all([env.ROUTER.getByName(ROUTER_NAME).stats(), probeStore(env, settings.staleAfterMs)]);
  const webhook = describeWebhook(env, store.counters);
  const m2 = isolateM2(env);
  const m2Status = m2.status();
  const degraded = !router.modelLoaded || !store.reachable || webhook.error !== null || settings.errors.length > 0;
  return {
    status: degraded ? "degraded" : "ok",
    auth: env.API_TOKEN ? "on" : "off",
    models: {
      live: m2Status.state === "ready" ? ("m2" as const) : ("m1" as const),
      m2: {
        state: m2Status.state,
        reason: "reason" in m2Status ? m2Status.reason : null,
        heads_encoder_sha256: m2.headsEncoder,
      },
      scored: { m1: store.counters.scored_m1 ?? 0, m2: store.counters.scored_m2 ?? 0 },
      m1: { loaded: router.modelLoaded, load_ms: router.modelLoadMs, error: router.modelError, ...m1Headline() },
    },
    v1: { pending: router.pending, processed: router.processed },
    v2: {
      store: { kind: store.kind, reachable: store.reachable, error: store.error, pending: store.pending, processed: store.processed },
      queue: { bound: typeof env.TICKET_QUEUE?.send === "function" },
      lifetime: {
        retention_seconds: settings.retentionMs / 1000,
        stale_after_seconds: settings.staleAfterMs / 1000,
        error: settings.errors.length > 0 ? settings.errors.join("; ") : null,
      },
      sweeper: {
        stale_pending: store.stalePending,
        resent: store.counters[SWEEPER_RESENT_COUNTER] ?? 0,
        failed: store.counters[SWEEPER_FAILED_COUNTER] ?? 0,
      },
      webhook,
    },
  };
}

async function probeStore(env: Env, staleAfterMs: number): Promise<{
  kind: "upstash" | "embedded";
  reachable: boolean;
  error: string | null;
  pending: number | null;
  processed: number | null;
  stalePending: number | null;
  counters: Record<string, number>;
}> {
  const store = ticketStoreFor(env);
  try {
    const [counts, counters, stalePending] = await Promise.all([
      store.counts(),
      store.counters(),
      store.countStalePending(staleAfterMs),
    ]);
    return { kind: store.kind, reachable: true, error: null, ...counts, stalePending, counters };
  } catch (error) {
    return { kind: store.kind, reachable: false, error: (error as Error).message, pending: null, processed: null, stalePending: null, counters: {} };
  }
}

function describeWebhook(env: Env, counters: Record<string, number>): Health["v2"]["webhook"] {
  const counts = {
    sent: counters.webhook_sent ?? 0,
    mock: counters.webhook_mock ?? 0,
    failed: counters.webhook_failed ?? 0,
  };
  try {
    const cfg = webhookConfig(env);
    return { mode: cfg.url === null ? "mock" : cfg.format, threshold: cfg.threshold, error: null, counts };
  } catch (error) {
    return { mode: "misconfigured", threshold: null, error: (error as Error).message, counts };
  }
}

/** The shipped model's headline figures from models/m1/metrics.json. */
function m1Headline(): { accuracy: number | null; macro_f1: number | null } {
  const m = m1Metrics.classifier as {
    shipped?: { holdout?: { report?: { accuracy?: number } }; groupedCv?: { macroF1?: { mean?: number } } };
  };
  return { accuracy: m.shipped?.holdout?.report?.accuracy ?? null, macro_f1: m.shipped?.groupedCv?.macroF1?.mean ?? null };
}
