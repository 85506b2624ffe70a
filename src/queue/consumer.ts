import type { Score, ScoreFn } from "../pipeline/score.ts";
import type { TicketRecord, TicketStore } from "../store/types.ts";
import { sendWebhook } from "../webhooks/send.ts";
import { DEFAULT_THRESHOLD, shouldNotify, WebhookConfigError, type WebhookConfig } from "../webhooks/config.ts";
import type { TicketMessage } from "./message.ts";

/** Must equal `max_retries` of the consumer in wrangler.jsonc (a test checks). */
export const MAX_RETRIES = 5;
export const LOCK_TTL_MS = 30_000;

export interface ConsumerDeps {
  store: TicketStore;
  /** A settings error means: score and save as usual, count the alert as failed. */
  webhook: WebhookConfig | WebhookConfigError;
  score: ScoreFn;
  lockTtlMs?: number;
  maxRetries?: number;
}

export type MessageOutcome = "processed" | "duplicate" | "missing" | "locked" | "retry" | "failed";

/**
 * One delivery of one ticket. At-least-once delivery is made idempotent by the lock
 * (one worker at a time) and by saveResult refusing tickets that are no longer pending.
 * Every path ends in exactly one ack() or retry() of this message alone.
 */
export async function handleMessage(msg: Message<TicketMessage>, deps: ConsumerDeps): Promise<MessageOutcome> {
  const { store } = deps;
  const id = msg.body?.ticket_id;
  if (typeof id !== "string" || id.length === 0) {
    log("error", "malformed queue message dropped", { body: msg.body });
    msg.ack();
    return "missing";
  }
  const owner = crypto.randomUUID();
  let locked = false;
  try {
    locked = await store.acquireLock(id, owner, deps.lockTtlMs ?? LOCK_TTL_MS);
    if (!locked) {
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
      return "locked";
    }
    // Restarts the ticket's delivery clock: an attempt is under way, so the sweeper must
    // not take it for a ticket whose message was lost.
    const record = await store.startDelivery(id);
    if (!record) {
      log("warn", "ticket vanished before scoring (expired or undone)", { ticket_id: id });
      msg.ack();
      return "missing";
    }
    if (record.status === "failed") {
      msg.ack();
      return "duplicate";
    }
    if (record.status === "processed") {
      // A redelivery after a crash between save and webhook: finish the notification.
      await notifyOnce(deps, record.ticket_id, record.subject, toScore(record));
      msg.ack();
      return "duplicate";
    }
    const score = await deps.score(record.subject, record.body);
    const saved = await store.saveResult(id, { ...score, processed_at: new Date().toISOString() });
    if (saved !== "saved") {
      // Only possible if our lock expired mid-scoring and another delivery won.
      msg.ack();
      return saved === "not_found" ? "missing" : "duplicate";
    }
    await deps.store.incrementCounter(`scored_${score.model_used}`).catch(() => undefined);
    await notifyOnce(deps, id, record.subject, score);
    msg.ack();
    return "processed";
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const maxRetries = deps.maxRetries ?? MAX_RETRIES;
    if (msg.attempts > maxRetries) {
      // Last delivery: record why, then let the runtime move the message to the DLQ.
      await store.markFailed(id, `gave up after ${msg.attempts} attempts: ${reason}`).catch(() => undefined);
      log("error", "ticket failed", { ticket_id: id, attempts: msg.attempts, reason });
      msg.retry();
      return "failed";
    }
    log("warn", "transient failure, retrying", { ticket_id: id, attempts: msg.attempts, reason });
    msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
    return "retry";
  } finally {
    if (locked) await store.releaseLock(id, owner).catch((e: unknown) => log("warn", "lock release failed", { ticket_id: id, error: String(e) }));
  }
}

/** The store's NX marker makes this fire at most once per ticket, across redeliveries. */
async function notifyOnce(deps: ConsumerDeps, ticket_id: string, subject: string, score: Score | null): Promise<void> {
  if (!score) return;
  if (deps.webhook instanceof WebhookConfigError) {
    // The configured threshold may be the broken setting, so urgency is judged by the default.
    if (!shouldNotify({ threshold: DEFAULT_THRESHOLD }, score.urgency_score)) return;
    if (!(await deps.store.claimWebhook(ticket_id))) return;
    log("error", "webhook not sent: invalid webhook setting", { ticket_id, error: deps.webhook.message });
    await deps.store.incrementCounter("webhook_failed").catch(() => undefined);
    return;
  }
  if (!shouldNotify(deps.webhook, score.urgency_score)) return;
  if (!(await deps.store.claimWebhook(ticket_id))) return;
  const outcome = await sendWebhook(deps.webhook, { ticket_id, subject, ...score });
  log(outcome.status === "failed" ? "warn" : "info", "webhook", { ticket_id, ...outcome });
  // Counted for /health; a counter that fails to write must not fail the ticket.
  await deps.store.incrementCounter(`webhook_${outcome.status}`).catch(() => undefined);
}

function toScore(record: TicketRecord): Score | null {
  const { category, urgency_score, confidence, model_used } = record;
  if (urgency_score === undefined || category === undefined || model_used === undefined) return null;
  return { category, urgency_score, confidence: confidence ?? 0, model_used };
}

export async function handleBatch(batch: MessageBatch<TicketMessage>, deps: ConsumerDeps): Promise<MessageOutcome[]> {
  return Promise.all(batch.messages.map((m) => handleMessage(m, deps)));
}

/**
 * Dead-letter consumer: anything here exhausted its retries. If the main consumer could
 * not record the failure (store down on the last try), record it now.
 */
export async function handleDeadLetters(batch: MessageBatch<TicketMessage>, store: TicketStore): Promise<void> {
  for (const msg of batch.messages) {
    const id = msg.body?.ticket_id;
    try {
      if (typeof id === "string") await store.markFailed(id, `delivery retries exhausted after ${msg.attempts} attempt(s)`);
      msg.ack();
    } catch (error) {
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
      log("warn", "dead letter not recorded yet", { ticket_id: id, error: String(error) });
    }
  }
}

/** 2, 4, 8 … seconds, capped at 5 minutes. */
export function backoffSeconds(attempts: number): number {
  return Math.min(2 ** Math.max(1, attempts), 300);
}

function log(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown>): void {
  console[level === "info" ? "log" : level](JSON.stringify({ level, msg, ...fields }));
}
