import type { BatchScoreFn, Score, ScoreFn, TicketText } from "../pipeline/score.ts";
import { laneOf, type TicketRecord, type TicketStore } from "../store/types.ts";
import { sendWebhook } from "../webhooks/send.ts";
import { DEFAULT_THRESHOLD, shouldNotify, WebhookConfigError, type WebhookConfig } from "../webhooks/config.ts";
import { messageTenant, type TicketMessage } from "./message.ts";

/** Must equal `max_retries` of the consumer in wrangler.consumer.jsonc (a test checks). */
export const MAX_RETRIES = 5;
export const LOCK_TTL_MS = 30_000;

export interface ConsumerDeps {
  /**
   * The default tenant's store: its tickets, and where the consumer's counters (scores per
   * model, webhook outcomes) go for every tenant, since /health reads them there.
   */
  store: TicketStore;
  /** A tenant's own store (select.ts ticketStoreFor); without it every message uses `store`. */
  storeFor?: (tenant: string) => TicketStore;
  /** A settings error means: score and save as usual, count the alert as failed. */
  webhook: WebhookConfig | WebhookConfigError;
  /** With a `batch` (createScorer's), a batch's tickets are scored together: one encoder pass per length group. */
  score: ScoreFn & { batch?: BatchScoreFn };
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
  const [outcome] = await handleMessages([msg], deps);
  return outcome!;
}

/**
 * A batch's messages, each handled as handleMessage does (its own lock, save, webhook,
 * ack or retry), except that the tickets that reach scoring are scored together: M2's
 * encoder then runs once per group of similar length instead of once per ticket. A
 * ticket whose scoring fails is retried alone; the others are saved and acked.
 */
export async function handleBatch(batch: MessageBatch<TicketMessage>, deps: ConsumerDeps): Promise<MessageOutcome[]> {
  return handleMessages(batch.messages, deps);
}

async function handleMessages(messages: readonly Message<TicketMessage>[], deps: ConsumerDeps): Promise<MessageOutcome[]> {
  const scoring = scoringRound(messages.length, deps.score);
  return Promise.all(messages.map((m) => deliver(m, deps, scoring.slot())));
}

/** The store holding a message's ticket: its tenant's (absent = default), or null for a malformed tenant. */
function ticketStoreOf(msg: Message<TicketMessage>, deps: Pick<ConsumerDeps, "store" | "storeFor">): TicketStore | null {
  const tenant = messageTenant(msg.body);
  if (tenant === null) return null;
  return deps.storeFor ? deps.storeFor(tenant) : deps.store;
}

async function deliver(msg: Message<TicketMessage>, deps: ConsumerDeps, slot: ScoringSlot): Promise<MessageOutcome> {
  const id = msg.body?.ticket_id;
  const store = ticketStoreOf(msg, deps);
  if (typeof id !== "string" || id.length === 0 || store === null) {
    slot.pass();
    log("error", "malformed queue message dropped", { body: msg.body });
    msg.ack();
    return "missing";
  }
  const owner = crypto.randomUUID();
  let locked = false;
  try {
    locked = await store.acquireLock(id, owner, deps.lockTtlMs ?? LOCK_TTL_MS);
    if (!locked) {
      slot.pass();
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
      return "locked";
    }
    // Restarts the ticket's delivery clock: an attempt is under way, so the sweeper must
    // not take it for a ticket whose message was lost.
    const record = await store.startDelivery(id);
    if (!record) {
      slot.pass();
      log("warn", "ticket vanished before scoring (expired or undone)", { ticket_id: id });
      msg.ack();
      return "missing";
    }
    if (record.status === "failed") {
      slot.pass();
      msg.ack();
      return "duplicate";
    }
    if (record.status === "processed") {
      slot.pass();
      // A redelivery after a crash between save and webhook: finish the notification.
      await notifyOnce(deps, store, record.ticket_id, record.subject, toScore(record));
      msg.ack();
      return "duplicate";
    }
    const score = await slot.score({ subject: record.subject, body: record.body });
    const saved = await store.saveResult(id, { ...score, processed_at: new Date().toISOString() });
    if (saved !== "saved") {
      // Only possible if our lock expired mid-scoring and another delivery won.
      msg.ack();
      return saved === "not_found" ? "missing" : "duplicate";
    }
    await deps.store.incrementCounter(`scored_${score.model_used}`).catch(() => undefined);
    await notifyOnce(deps, store, id, record.subject, score);
    msg.ack();
    return "processed";
  } catch (error) {
    // A ticket that fails before scoring must not hold up the others' scoring.
    slot.pass();
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

/** Each delivery's part in one scoring round: exactly one score() or pass() counts (later calls are ignored). */
interface ScoringSlot {
  score(ticket: TicketText): Promise<Score>;
  pass(): void;
}

/**
 * Collects the tickets of `count` deliveries and scores them in one call once every
 * delivery has either asked for a score or passed (it had nothing to score). A batch
 * call that throws as a whole is retried ticket by ticket, so only the ticket that
 * cannot be scored fails.
 */
function scoringRound(count: number, score: ConsumerDeps["score"]): { slot(): ScoringSlot } {
  const batch: BatchScoreFn = score.batch ?? ((tickets) => Promise.allSettled(tickets.map((t) => score(t.subject, t.body))));
  const waiting: { ticket: TicketText; resolve(s: Score): void; reject(e: unknown): void }[] = [];
  let open = count;
  const flush = async () => {
    if (waiting.length === 0) return;
    let results: PromiseSettledResult<Score>[];
    try {
      results = await batch(waiting.map((w) => w.ticket));
    } catch {
      results = await Promise.allSettled(waiting.map((w) => score(w.ticket.subject, w.ticket.body)));
    }
    waiting.forEach((w, i) => {
      const r = results[i];
      if (r?.status === "fulfilled") w.resolve(r.value);
      else w.reject(r ? r.reason : new Error("scorer returned no result for this ticket"));
    });
  };
  const close = () => {
    open -= 1;
    if (open === 0) void flush();
  };
  return {
    slot() {
      let used = false;
      return {
        score(ticket) {
          if (used) return Promise.reject(new Error("scoring slot used twice"));
          used = true;
          const result = new Promise<Score>((resolve, reject) => waiting.push({ ticket, resolve, reject }));
          close();
          return result;
        },
        pass() {
          if (used) return;
          used = true;
          close();
        },
      };
    },
  };
}

/**
 * The store's NX marker makes this fire at most once per ticket, across redeliveries. The
 * marker lives with the ticket (its tenant's `store`); the outcome counters in deps.store.
 */
async function notifyOnce(deps: ConsumerDeps, store: TicketStore, ticket_id: string, subject: string, score: AlertScore | null): Promise<void> {
  if (!score) return;
  if (deps.webhook instanceof WebhookConfigError) {
    // The configured threshold may be the broken setting, so urgency is judged by the default.
    if (!shouldNotify({ threshold: DEFAULT_THRESHOLD }, score.urgency_score)) return;
    if (!(await store.claimWebhook(ticket_id))) return;
    log("error", "webhook not sent: invalid webhook setting", { ticket_id, error: deps.webhook.message });
    await deps.store.incrementCounter("webhook_failed").catch(() => undefined);
    return;
  }
  if (!shouldNotify(deps.webhook, score.urgency_score)) return;
  if (!(await store.claimWebhook(ticket_id))) return;
  const outcome = await sendWebhook(deps.webhook, { ticket_id, subject, ...score });
  log(outcome.status === "failed" ? "warn" : "info", "webhook", { ticket_id, ...outcome });
  // Counted for /health; a counter that fails to write must not fail the ticket.
  await deps.store.incrementCounter(`webhook_${outcome.status}`).catch(() => undefined);
}

/** What an alert shows: the score without its reason (routing decides the "needs review" note). */
type AlertScore = Omit<Score, "reason">;

function toScore(record: TicketRecord): AlertScore | null {
  const { category, urgency_score, confidence, model_used, urgency_model } = record;
  if (urgency_score === undefined || category === undefined || model_used === undefined) return null;
  // A record saved before urgency_model existed was scored by one model for both fields.
  return { category, urgency_score, confidence: confidence ?? 0, model_used, urgency_model: urgency_model ?? model_used, routing: laneOf(record) };
}

/**
 * Dead-letter consumer: anything here exhausted its retries. If the main consumer could
 * not record the failure (store down on the last try), record it now.
 */
export async function handleDeadLetters(
  batch: MessageBatch<TicketMessage>,
  store: TicketStore,
  storeFor?: (tenant: string) => TicketStore,
): Promise<void> {
  for (const msg of batch.messages) {
    const id = msg.body?.ticket_id;
    const ticketStore = ticketStoreOf(msg, { store, storeFor });
    try {
      if (typeof id === "string" && ticketStore) await ticketStore.markFailed(id, `delivery retries exhausted after ${msg.attempts} attempt(s)`);
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
