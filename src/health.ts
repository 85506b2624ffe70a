import type { ApiEnv } from "./env.ts";
import type { Health } from "./schemas/health.ts";
import { parseApiTokens } from "./http/tenant.ts";
import { isolateM1 } from "./m1/isolate.ts";
import { DEFAULT_TENANT } from "./router/shard-key.ts";
import { stats as v1Stats } from "./router/tenant-queue.ts";
import { effectiveThresholds } from "./routing/thresholds.ts";
import { m1Metrics } from "./m1/metrics.ts";
import { m1HoldoutAccuracy } from "./metrics-report.ts";
import { bundledHeadsEncoder, bundledServe } from "./serve-decision.ts";
import { CONSUMER_REPORT_NOTE, parseConsumerReport, type ConsumerReport } from "./queue/consumer-report.ts";
import { SWEEPER_FAILED_COUNTER, SWEEPER_RESENT_COUNTER } from "./queue/sweeper.ts";
import { v2Settings } from "./store/settings.ts";
import { ticketStoreFor } from "./store/select.ts";

/**
 * Everything /health reports. Each dependency is probed on its own so one failure shows
 * as that component's error and status "degraded", never as a failed health check.
 *
 * This is the API Worker, which has neither M2 nor the webhook settings: what the consumer
 * Worker found (M2's state, its webhook mode) is its last report in the ticket store
 * (src/queue/consumer-report.ts), shown with the time it was written.
 */
export async function buildHealth(env: ApiEnv): Promise<Health> {
  const settings = v2Settings(env);
  const [router, store] = await Promise.all([probeRouter(env), probeStore(env, settings.staleAfterMs)]);
  const report = store.report;
  const webhook = describeWebhook(report, store.counters);
  const queueBound = typeof env.TICKET_QUEUE?.send === "function";
  const broker = brokerProblems(store, queueBound);
  // The consumer's decision in effect (M2_SERVE may override the heads), else the bundled heads'.
  const serve = report?.m2.serve ?? bundledServe();
  const auth = describeAuth(env);
  const routingError = effectiveThresholds(env).error;
  const consumerRoutingError = report?.routing?.error ?? null;
  const degraded =
    routingError !== null || consumerRoutingError !== null || !router.modelLoaded || broker.length > 0 || webhook.error !== null || settings.errors.length > 0 || auth.error !== null;
  return {
    status: degraded ? "degraded" : "ok",
    m1: seedM1(router),
    m2_broker: broker.length === 0 ? "ready" : `unavailable: ${broker.join("; ")}`,
    redis: { pending: store.pending, processed: store.processed },
    m1_queue: router.pending,
    m1_accuracy: m1HoldoutAccuracy(m1Metrics.classifier),
    auth: auth.state,
    auth_error: auth.error,
    models: {
      // The model deciding /v2 categories: M2 only where serve gives it the category and it loaded.
      live: report?.m2.state === "ready" && serve.category.model === "m2" ? ("m2" as const) : ("m1" as const),
      m2: report
        ? { state: report.m2.state, reason: report.m2.reason, heads_encoder_sha256: report.m2.heads_encoder_sha256, reported_at: report.at }
        : {
            state: "unreported" as const,
            reason: store.reachable
              ? "the consumer Worker has not reported yet (not deployed, or no /v2 ticket consumed since it started)"
              : "ticket store unreachable: the consumer's report cannot be read",
            heads_encoder_sha256: bundledHeadsEncoder(),
            reported_at: null,
          },
      serve,
      scored: { m1: store.counters.scored_m1 ?? 0, m2: store.counters.scored_m2 ?? 0 },
      m1: { loaded: router.modelLoaded, load_ms: router.modelLoadMs, error: router.modelError, ...m1Headline() },
    },
    v1: { pending: router.pending, processed: router.processed, routing_error: routingError },
    v2: {
      store: { kind: store.kind, reachable: store.reachable, error: store.error, pending: store.pending, processed: store.processed },
      queue: { bound: queueBound },
      consumer: { reported_at: report?.at ?? null, routing_error: consumerRoutingError },
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

/**
 * Whether /v1 and /v2 want a bearer token, and why they answer 503 when API_TOKENS cannot be
 * used. Read as src/http/auth.ts reads the settings (API_TOKEN, or API_TOKENS after trimming;
 * blank means unset), so /health never says "ok" while every protected request fails.
 */
function describeAuth(env: ApiEnv): { state: "on" | "off"; error: string | null } {
  const many = env.API_TOKENS?.trim() || undefined;
  if (!env.API_TOKEN && !many) return { state: "off", error: null };
  const parsed = many ? parseApiTokens(many) : undefined;
  if (!parsed || parsed.ok) return { state: "on", error: null };
  return { state: "on", error: `${parsed.error}; every /v1 and /v2 request answers 503 until it is fixed` };
}

type M1State = { modelLoaded: boolean; modelLoadMs: number | null; modelError: string | null };
type RouterProbe = M1State & {
  pending: number | null;
  processed: number | null;
  reachable: boolean;
};

/** Whether M1 loads in this isolate, where /v1 now classifies (the Worker, before the shard); a failure is reported, not thrown. */
export function m1State(load: () => { loadMs: number } = isolateM1): M1State {
  try {
    return { modelLoaded: true, modelLoadMs: load().loadMs, modelError: null };
  } catch (error) {
    return { modelLoaded: false, modelLoadMs: null, modelError: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Tenant default's /v1 counts summed over its shards (and its pre-shard Router), with M1's
 * state; when a shard cannot be reached, why (counts unknown, and /v1 cannot serve).
 */
async function probeRouter(env: ApiEnv): Promise<RouterProbe> {
  try {
    const counts = await v1Stats(env.ROUTER, DEFAULT_TENANT);
    return { ...counts, ...m1State(), reachable: true };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { pending: null, processed: null, modelLoaded: false, modelLoadMs: null, modelError: `/v1 Router unreachable: ${reason}`, reachable: false };
  }
}

/** The seed's `m1`: "ready", or why not in one string. */
function seedM1(router: RouterProbe): string {
  if (router.modelLoaded) return "ready";
  return `${router.reachable ? "not loaded" : "unavailable"}: ${router.modelError ?? "unknown error"}`;
}

/** What stops /v2 accepting and scoring tickets: the seed's "m2_broker" path. */
function brokerProblems(store: { kind: string; reachable: boolean; error: string | null }, queueBound: boolean): string[] {
  const problems: string[] = [];
  if (!queueBound) problems.push("ticket queue TICKET_QUEUE is not bound");
  if (!store.reachable) problems.push(`${store.kind} ticket store unreachable (${store.error ?? "no answer"})`);
  return problems;
}

async function probeStore(env: ApiEnv, staleAfterMs: number): Promise<{
  kind: "upstash" | "embedded";
  reachable: boolean;
  error: string | null;
  pending: number | null;
  processed: number | null;
  stalePending: number | null;
  counters: Record<string, number>;
  report: ConsumerReport | null;
}> {
  const store = ticketStoreFor(env);
  try {
    const [status, counters, stalePending, note] = await Promise.all([
      store.queueStatus(),
      store.counters(),
      store.countStalePending(staleAfterMs),
      store.note(CONSUMER_REPORT_NOTE),
    ]);
    // Processed = waiting in either lane: a review ticket is as much "ready" as an auto one.
    const counts = { pending: status.pending, processed: status.processed + status.review.processed };
    return { kind: store.kind, reachable: true, error: null, ...counts, stalePending, counters, report: parseConsumerReport(note) };
  } catch (error) {
    return { kind: store.kind, reachable: false, error: (error as Error).message, pending: null, processed: null, stalePending: null, counters: {}, report: null };
  }
}

/** The consumer's webhook settings as it last reported them; the outcome counts from the store. */
function describeWebhook(report: ConsumerReport | null, counters: Record<string, number>): Health["v2"]["webhook"] {
  const counts = {
    sent: counters.webhook_sent ?? 0,
    mock: counters.webhook_mock ?? 0,
    failed: counters.webhook_failed ?? 0,
  };
  if (!report) return { mode: "unreported", threshold: null, error: null, counts };
  return { ...report.webhook, counts };
}

/** The shipped model's headline figures from models/m1/metrics.json. */
function m1Headline(): { accuracy: number | null; macro_f1: number | null } {
  return { accuracy: m1HoldoutAccuracy(m1Metrics.classifier), macro_f1: m1Metrics.classifier.shipped.groupedCv.macroF1.mean };
}
