import { bundledM2 } from "../m2/bundled.ts";
import { createScorer } from "../pipeline/score.ts";
import { ticketStoreFor } from "../store/select.ts";
import { webhookConfig } from "../webhooks/config.ts";
import { handleBatch, handleDeadLetters } from "./consumer.ts";
import type { TicketMessage } from "./message.ts";
import type { Env } from "../env.ts";

/** Queue names as bound in wrangler.jsonc: the DLQ gets its own handler. */
export const DEAD_LETTER_QUEUE = "smart-support-tickets-dlq";

export async function consumeQueue(batch: MessageBatch<TicketMessage>, env: Env): Promise<void> {
  const store = ticketStoreFor(env);
  if (batch.queue === DEAD_LETTER_QUEUE) return handleDeadLetters(batch, store);
  await handleBatch(batch, { store, webhook: webhookConfig(env), score: createScorer(bundledM2(env)) });
}
