import { settleWithin } from "../util/deadline.ts";
import { DEFAULT_TENANT, parseApiTokens } from "../http/tenant.ts";
import { QUEUE_SEND_TIMEOUT_MS, ticketMessage } from "../pipeline/accept.ts";
import { v2Settings } from "../store/settings.ts";
import { ticketStoreFor } from "../store/select.ts";
import type { TicketStore } from "../store/types.ts";
import type { ApiEnv } from "../env.ts";
import type { TicketMessage } from "./message.ts";

/**
 * The sweeper finishes pending tickets whose queue message was lost: the local queue
 * keeps messages in memory (kill -9 of `wrangler dev` lost 323 of 643), and a POST whose
 * pending write landed after its 503 never sent one. It runs from the Worker's cron
 * trigger (the API Worker's src/index.ts `scheduled`, every minute: it needs only the
 * producer and the store, so it stays with the API, not the consumer Worker) rather than a
 * Durable Object alarm:
 * the cron fires with no traffic and no bootstrapping, and it serves both stores, where
 * an alarm would need an extra Durable Object just to hold a timer for Upstash.
 *
 * Stale means "no delivery activity for staleAfterMs": the delivery clock starts at
 * acceptance and restarts on every consumer attempt (store.startDelivery) and every
 * re-send, so a ticket that is waiting out queue retries is left alone, however long
 * its whole retry horizon is. Re-sending is safe when the old message was not lost
 * after all: the consumer's lock and the store's idempotent saveResult and webhook
 * marker make the second delivery an acked duplicate (test/consumer.test.ts proves it).
 *
 * Every pending ticket ends: after maxResends re-sends without any delivery attempt in
 * between, the next sweep marks it failed with a reason instead of re-sending forever.
 *
 * Tenants: every tenant's tickets are in its own store, so a run sweeps each one (default,
 * and each tenant API_TOKENS names) and re-sends with the tenant in the message. Its
 * counters all go to the default tenant's store, where /health reads them.
 */

/** Tickets claimed per run: a run stays a few store calls and ≤ 5 sendBatch calls. */
export const SWEEP_LIMIT = 500;
/** Re-sends before giving up; with the default threshold about an hour without any delivery. */
export const MAX_RESENDS = 5;
/** Cloudflare Queues takes at most 100 messages per sendBatch. */
const SEND_BATCH_MAX = 100;

/** Counter names in the store, read by /health. */
export const SWEEPER_RESENT_COUNTER = "sweeper_resent";
export const SWEEPER_FAILED_COUNTER = "sweeper_failed";

export interface SweepDeps {
  /** The store swept (one tenant's). */
  store: TicketStore;
  /** Whose store it is: the re-sent messages name it. Default: `default`. */
  tenant?: string;
  /** Where the sweeper's counters go (the default tenant's store); default: `store`. */
  counterStore?: TicketStore;
  queue: Queue<TicketMessage>;
  staleAfterMs: number;
  limit?: number;
  maxResends?: number;
}

export interface SweepReport {
  /** Tickets put on the queue again. */
  resent: number;
  /** Tickets marked failed because their re-sends were used up. */
  failed: number;
}

export async function sweepStalePending(deps: SweepDeps): Promise<SweepReport> {
  const maxResends = deps.maxResends ?? MAX_RESENDS;
  const claim = await deps.store.claimStalePending({
    olderThanMs: deps.staleAfterMs,
    limit: deps.limit ?? SWEEP_LIMIT,
    maxResends,
    failReason: `never delivered: no delivery attempt for ${deps.staleAfterMs / 1000} s after each of ${maxResends} re-sends`,
  });
  let resent = 0;
  try {
    for (let i = 0; i < claim.resend.length; i += SEND_BATCH_MAX) {
      const page = claim.resend.slice(i, i + SEND_BATCH_MAX);
      const messages = page.map(({ ticket_id, accepted_at }) => ({ body: ticketMessage(ticket_id, accepted_at, deps.tenant), contentType: "json" as const }));
      await settleWithin(deps.queue.sendBatch(messages), QUEUE_SEND_TIMEOUT_MS);
      resent += page.length;
    }
  } finally {
    // Counted as sent, not as claimed: a claimed ticket whose send failed was not re-sent;
    // its clock restarted, so the sweep after next (staleAfterMs later) claims it again.
    const counters = deps.counterStore ?? deps.store;
    await count(counters, SWEEPER_RESENT_COUNTER, resent);
    await count(counters, SWEEPER_FAILED_COUNTER, claim.failed.length);
    if (resent > 0 || claim.failed.length > 0 || resent < claim.resend.length) {
      console.log(JSON.stringify({
        level: resent < claim.resend.length || claim.failed.length > 0 ? "warn" : "info",
        msg: "sweeper",
        tenant: deps.tenant ?? DEFAULT_TENANT,
        claimed: claim.resend.length,
        resent,
        failed: claim.failed,
      }));
    }
  }
  return { resent, failed: claim.failed.length };
}

/** A counter that fails to write must not fail the sweep: the tickets were handled. */
async function count(store: TicketStore, name: string, by: number): Promise<void> {
  if (by > 0) await store.incrementCounter(name, by).catch(() => undefined);
}

/**
 * Every tenant whose tickets may be in a store: `default` first, then each tenant API_TOKENS
 * names. An invalid API_TOKENS (the API answers 503 then) still sweeps default, and says so.
 */
export function sweptTenants(apiTokens: string | undefined): string[] {
  const tenants = new Set([DEFAULT_TENANT]);
  const raw = apiTokens?.trim();
  if (raw) {
    const parsed = parseApiTokens(raw);
    if (parsed.ok) for (const [, grant] of parsed.grants) tenants.add(grant.tenant);
    else console.warn(JSON.stringify({ level: "warn", msg: "sweeper: API_TOKENS invalid, sweeping tenant default only", error: parsed.error }));
  }
  return [...tenants];
}

type SweepEnv = Pick<ApiEnv, "STORE" | "TICKET_QUEUE" | "UPSTASH_REDIS_REST_URL" | "UPSTASH_REDIS_REST_TOKEN" | "V2_RETENTION_SECONDS" | "V2_SWEEP_AFTER_SECONDS" | "API_TOKENS">;

/**
 * The cron trigger's work (src/index.ts `scheduled`): one sweep per tenant with the configured
 * threshold. A tenant whose store fails does not stop the others; the run then fails with the
 * first error, after every tenant had its turn.
 */
export async function sweepFromEnv(env: SweepEnv): Promise<SweepReport> {
  const staleAfterMs = v2Settings(env).staleAfterMs;
  const counterStore = ticketStoreFor(env);
  const total: SweepReport = { resent: 0, failed: 0 };
  const errors: unknown[] = [];
  for (const tenant of sweptTenants(env.API_TOKENS)) {
    try {
      const report = await sweepStalePending({ store: ticketStoreFor(env, {}, tenant), tenant, counterStore, queue: env.TICKET_QUEUE, staleAfterMs });
      total.resent += report.resent;
      total.failed += report.failed;
    } catch (error) {
      errors.push(error);
      console.error(JSON.stringify({ level: "error", msg: "sweeper: tenant not swept", tenant, error: String(error) }));
    }
  }
  if (errors.length > 0) throw errors[0];
  return total;
}
