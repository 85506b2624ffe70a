import { isolateM2 } from "../m2/isolate.ts";
import { createScorer } from "../pipeline/score.ts";
import { v2Settings } from "../store/settings.ts";
import { ticketStoreFor } from "../store/select.ts";
import { webhookConfigOrError } from "../webhooks/config.ts";
import { handleBatch, handleDeadLetters } from "./consumer.ts";
import type { TicketMessage } from "./message.ts";
import { sweepStalePending, type SweepReport } from "./sweeper.ts";
import type { Env } from "../env.ts";

/** Queue names as bound in wrangler.jsonc: the DLQ gets its own handler. */
export const DEAD_LETTER_QUEUE = "smart-support-tickets-dlq";

export async function consumeQueue(batch: MessageBatch<TicketMessage>, env: Env): Promise<void> {
  const store = ticketStoreFor(env);
  if (batch.queue === DEAD_LETTER_QUEUE) return handleDeadLetters(batch, store);
  await handleBatch(batch, { store, webhook: webhookConfigOrError(env), score: createScorer(isolateM2(env)) });
}

/** The cron trigger's work (src/index.ts `scheduled`): one sweep with the configured threshold. */
export function sweepFromEnv(env: Env): Promise<SweepReport> {
  return sweepStalePending({ store: ticketStoreFor(env), queue: env.TICKET_QUEUE, staleAfterMs: v2Settings(env).staleAfterMs });
}
