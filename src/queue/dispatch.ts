import { isolateM2 } from "../m2/isolate.ts";
import { effectiveThresholds } from "../routing/thresholds.ts";
import { createScorer } from "../pipeline/score.ts";
import { ticketStoreFor } from "../store/select.ts";
import { webhookConfig, webhookConfigOrError } from "../webhooks/config.ts";
import { handleBatch, handleDeadLetters } from "./consumer.ts";
import { createConsumerReporter, type ConsumerState } from "./consumer-report.ts";
import type { TicketMessage } from "./message.ts";
import type { ConsumerEnv } from "../env.ts";

/** Queue names as bound in wrangler.consumer.jsonc: the DLQ gets its own handler. */
export const DEAD_LETTER_QUEUE = "smart-support-tickets-dlq";

const report = createConsumerReporter();

/** The consumer Worker's queue handler (src/consumer.ts), for the ticket queue and its DLQ. */
export async function consumeQueue(batch: MessageBatch<TicketMessage>, env: ConsumerEnv): Promise<void> {
  // Each message's ticket is in its tenant's store (the message says which); the report and
  // the counters go to the default tenant's, where /health reads them.
  const store = ticketStoreFor(env);
  const storeFor = (tenant: string) => ticketStoreFor(env, {}, tenant);
  const m2 = isolateM2(env);
  try {
    if (batch.queue === DEAD_LETTER_QUEUE) await handleDeadLetters(batch, store, storeFor);
    // A malformed REVIEW_THRESHOLDS never stops scoring: the bundled thresholds serve and the
    // report below tells /health.
    else await handleBatch(batch, { store, storeFor, webhook: webhookConfigOrError(env), score: createScorer(m2, effectiveThresholds(env).thresholds) });
  } finally {
    // After the batch, so the report holds what scoring it found (M2 loads on first use).
    await report(store, consumerState(env, m2));
  }
}

/** What /health shows of this consumer (src/queue/consumer-report.ts). */
export function consumerState(env: ConsumerEnv, m2: Pick<ReturnType<typeof isolateM2>, "status" | "headsEncoder" | "serving">): ConsumerState {
  const status = m2.status();
  const serve = { category: m2.serving.category, urgency: m2.serving.urgency };
  return {
    m2: { state: status.state, reason: "reason" in status ? status.reason : null, heads_encoder_sha256: m2.headsEncoder, serve },
    webhook: describeWebhook(env),
    routing: { error: effectiveThresholds(env).error },
  };
}

function describeWebhook(env: ConsumerEnv): ConsumerState["webhook"] {
  try {
    const cfg = webhookConfig(env);
    return { mode: cfg.url === null ? "mock" : cfg.format, threshold: cfg.threshold, error: null };
  } catch (error) {
    return { mode: "misconfigured", threshold: null, error: (error as Error).message };
  }
}
