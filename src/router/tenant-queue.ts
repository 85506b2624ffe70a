import { IDEMPOTENCY_TTL_MS, requestFingerprint } from "../http/idempotency-key.ts";
import { isolateM1 } from "../m1/isolate.ts";
import type { Category } from "../ml/categories.ts";
import { ticketUrgency } from "../ml/urgency.ts";
import type { RoutingThresholds } from "../routing/bands.ts";
import type { Claim, Drain, Lane, LeaseOutcome, TicketInput, TicketList, TicketLookup, V1QueueStatus, V1Ticket } from "../schemas/ticket.ts";
import { sha256Hex } from "../util/sha256.ts";
import { activitySeries } from "./activity-log.ts";
import { encodeCursor } from "./cursor.ts";
import type { Router, RouterStats, TakeOutcome } from "./router-do.ts";
import { emptyByCategory, statusMessage } from "./router-do.ts";
import { compareKeys, keyShardName, legacyRouterName, nextArrival, shardName, shardsOfTicketId, ticketIdFor, type QueueKey } from "./shard-key.ts";
import { CATEGORIES } from "../ml/categories.ts";
import { routeTicket } from "../routing/route.ts";
import { bundledThresholds } from "../routing/thresholds.ts";
import { isRedirect, maxHops, type PendingMove, type Redirect } from "./move.ts";

/**
 * A tenant's /v1 queue as the routes see it: one queue in one order, kept in one Router object
 * per category (shard-key.ts shardName) plus, until it is empty, the tenant's pre-shard Router.
 * Every function here is plain and stateless but for `retired` below; the shards do the
 * atomic parts, this module compares and merges their answers.
 */

export type Routers = DurableObjectNamespace<Router>;
type Stub = DurableObjectStub<Router>;

/**
 * How many times a take re-reads the heads after losing a race for the best one before it takes
 * from whichever shard has a ticket. A lost race needs another caller to have moved that shard's
 * head past the next shard's in between, so more than a few rounds only happen under heavy
 * contention, where no order between concurrent callers is promised anyway.
 */
const TAKE_ROUNDS = 8;

/**
 * Tenants whose pre-shard Router this isolate saw empty (no row, waiting or claimed). Nothing
 * ever adds a row to it again, so from then on takes, listings and drains skip it; lookups of its
 * (version-4) ticket ids, status and activity still read it, for its done log and counters.
 */
const retired = new Set<string>();

interface QueueObject {
  stub: Stub;
  legacy: boolean;
}

function shard(ns: Routers, tenant: string, category: Category): Stub {
  return ns.getByName(shardName(tenant, category));
}

/** The objects that may hold waiting or claimed tickets of `category` (all when null). */
function queueObjects(ns: Routers, tenant: string, category: Category | null, includeRetired = false): QueueObject[] {
  const objects: QueueObject[] = (category === null ? CATEGORIES : [category]).map((c) => ({ stub: shard(ns, tenant, c), legacy: false }));
  if (includeRetired || !retired.has(tenant)) objects.push({ stub: ns.getByName(legacyRouterName(tenant)), legacy: true });
  return objects;
}

/**
 * A ticket classified here, in the Worker (M1 is ~0.1 ms; the shard it goes to depends on it):
 * M1, then the rules (decideCategory), then the confidence band (routingFor). A "review" ticket
 * goes to its predicted category's shard, in the review lane.
 */
export function classify(input: TicketInput, thresholds: RoutingThresholds = bundledThresholds(), nowMs: number = Date.now()): { ticket: V1Ticket; arrival: number } {
  const m1 = isolateM1().model.predict(input.subject, input.body);
  const { category, confidence, reason, routing } = routeTicket(input.subject, input.body, m1, thresholds);
  const arrival = nextArrival(nowMs);
  const ticket: V1Ticket = {
    ticket_id: ticketIdFor(category),
    subject: input.subject,
    body: input.body,
    category,
    confidence,
    urgency_level: ticketUrgency(input.subject, input.body).urgency_level,
    queued_at: new Date(Math.floor(arrival / 1000)).toISOString(),
    routing,
    reason,
  };
  return { ticket, arrival };
}

export async function enqueue(ns: Routers, tenant: string, input: TicketInput, thresholds: RoutingThresholds = bundledThresholds()): Promise<V1Ticket> {
  const { ticket, arrival } = classify(input, thresholds);
  await shard(ns, tenant, ticket.category).push(ticket, arrival, null);
  return ticket;
}

export type EnqueueOnce = { kind: "created" | "replayed"; ticket: V1Ticket } | { kind: "mismatch" };

/**
 * POST with an Idempotency-Key. The key's object (keyShardName) atomically keeps the first
 * request's ticket; every request with the key, first or retry, then pushes that remembered
 * ticket to its shard, which queues an id only once (PushedIds). So concurrent first uses make
 * one ticket; a first request that died after the key was stored is completed by its retry; and
 * a retry after a model redeploy answers the first ticket, whatever the model says now.
 */
export async function enqueueOnce(ns: Routers, tenant: string, input: TicketInput, key: string, thresholds: RoutingThresholds = bundledThresholds()): Promise<EnqueueOnce> {
  const [keyHash, fingerprint] = await Promise.all([sha256Hex(new TextEncoder().encode(key)), requestFingerprint(input)]);
  const candidate = classify(input, thresholds);
  const outcome = await ns.getByName(keyShardName(tenant, keyHash)).rememberKey(keyHash, { fingerprint, ...candidate }, IDEMPOTENCY_TTL_MS);
  if (outcome.kind === "mismatch") return { kind: "mismatch" };
  const { ticket, arrival } = outcome.record;
  await shard(ns, tenant, ticket.category).push(ticket, arrival, { keepMs: 2 * IDEMPOTENCY_TTL_MS });
  return { kind: outcome.kind === "first" ? "created" : "replayed", ticket };
}

type Taken = Extract<TakeOutcome, { kind: "taken" }>;

async function heads(tenant: string, objects: QueueObject[], category: Category | null, withTicket: boolean, lane: Lane) {
  const answers = await Promise.all(objects.map((o) => o.stub.head(category, withTicket, lane)));
  answers.forEach((a, i) => {
    if (objects[i]!.legacy && !a.hasRows) retired.add(tenant);
  });
  return answers
    .map((a, i) => ({ object: objects[i]!, key: a.key, ticket: a.ticket }))
    .filter((h): h is { object: QueueObject; key: QueueKey; ticket: V1Ticket | null } => h.key !== null)
    .sort((a, b) => compareKeys(a.key, b.key));
}

/**
 * The first waiting ticket of the tenant (of `category`), taken by exactly one caller: read
 * every shard's head, then ask the best shard to take its head only if it still comes before
 * the second-best head ("take if you are still first"); a lost race reads the heads again.
 */
async function take(
  ns: Routers,
  tenant: string,
  req: { action: "next" | "claim"; category: Category | null; lane: Lane; leaseSeconds?: number; agent?: string | null },
): Promise<Taken | null> {
  for (let round = 0; round < TAKE_ROUNDS; round++) {
    const order = await heads(tenant, queueObjects(ns, tenant, req.category), req.category, false, req.lane);
    const [best, second] = order;
    if (!best) return null;
    const out = await best.object.stub.take({ ...req, bound: second?.key ?? null });
    if (out.kind === "taken") return out;
  }
  // Heavy contention: take from the first shard (by the latest heads) that still has a ticket.
  for (const h of await heads(tenant, queueObjects(ns, tenant, req.category), req.category, false, req.lane)) {
    const out = await h.object.stub.take({ ...req, bound: null });
    if (out.kind === "taken") return out;
  }
  return null;
}

/** Claim and ack in one step. */
export async function next(ns: Routers, tenant: string, category: Category | null, lane: Lane = "auto"): Promise<V1Ticket | null> {
  return (await take(ns, tenant, { action: "next", category, lane }))?.ticket ?? null;
}

export async function claim(
  ns: Routers,
  tenant: string,
  category: Category | null,
  leaseSeconds: number,
  agent: string | null,
  lane: Lane = "auto",
): Promise<Claim | null> {
  const out = await take(ns, tenant, { action: "claim", category, leaseSeconds, agent, lane });
  return out?.lease ? { ticket: out.ticket, lease: out.lease } : null;
}

export async function peek(ns: Routers, tenant: string, category: Category | null, lane: Lane = "auto"): Promise<V1Ticket | null> {
  return (await heads(tenant, queueObjects(ns, tenant, category), category, true, lane))[0]?.ticket ?? null;
}

/** The objects a ticket id can be in: the shard its id names, or the pre-shard Router for an old id. */
function objectsForId(ns: Routers, tenant: string, ticketId: string): Stub[] {
  const where = shardsOfTicketId(ticketId);
  return where === "legacy" ? [ns.getByName(legacyRouterName(tenant))] : where.map((c) => shard(ns, tenant, c));
}

/** The second and third steps of a move (src/router/move.ts); both idempotent, so any caller may run them. */
export async function completeMove(ns: Routers, from: Stub, move: PendingMove): Promise<void> {
  await ns.getByName(move.to).acceptMove(move);
  await from.finishMove(move.move_id);
}

/**
 * Asks the objects a ticket id names, and follows the ticket where a correction moved it
 * (finishing a half-done move on the way), at most maxHops times; `pick` chooses among the
 * answers of one hop (a tag collision names two shards, of which at most one has the ticket).
 */
export async function follow<T>(
  ns: Routers,
  tenant: string,
  ticketId: string,
  call: (s: Stub) => Promise<T | Redirect>,
  pick: (answers: T[]) => T,
): Promise<{ answer: T; stub: Stub }> {
  let stubs = objectsForId(ns, tenant, ticketId);
  for (let hop = 0; hop <= maxHops(CATEGORIES.length); hop++) {
    const answers = await Promise.all(stubs.map(call));
    const i = answers.findIndex(isRedirect);
    if (i < 0) {
      const answer = pick(answers as T[]);
      return { answer, stub: stubs[Math.max(0, (answers as T[]).indexOf(answer))]! };
    }
    const { redirect } = answers[i] as Redirect;
    if (redirect.move) await completeMove(ns, stubs[i]!, redirect.move);
    stubs = [ns.getByName(redirect.shard)];
  }
  throw new Error(`ticket ${ticketId} was forwarded more than ${maxHops(CATEGORIES.length)} times`);
}

async function leaseCall(ns: Routers, tenant: string, ticketId: string, call: (s: Stub) => Promise<LeaseOutcome | Redirect>): Promise<LeaseOutcome> {
  const pick = (outcomes: LeaseOutcome[]) =>
    outcomes.find((o) => o.ok) ?? outcomes.find((o) => !o.ok && o.reason === "stale") ?? ({ ok: false, reason: "unknown" } as const);
  return (await follow(ns, tenant, ticketId, call, pick)).answer;
}

export function ack(ns: Routers, tenant: string, ticketId: string, leaseId: string): Promise<LeaseOutcome> {
  return leaseCall(ns, tenant, ticketId, (s) => s.ack(ticketId, leaseId));
}

export function release(ns: Routers, tenant: string, ticketId: string, leaseId: string): Promise<LeaseOutcome> {
  return leaseCall(ns, tenant, ticketId, (s) => s.release(ticketId, leaseId));
}

export async function lookup(ns: Routers, tenant: string, ticketId: string): Promise<TicketLookup | null> {
  const pick = (found: (TicketLookup | null)[]) => found.find((f) => f !== null) ?? null;
  return (await follow(ns, tenant, ticketId, (s) => s.lookup(ticketId), pick)).answer;
}

/**
 * One page in the tenant's order after `after`: each shard's first `limit + 1` after it, merged.
 * The next page starts after this page's last place, so pages neither skip nor repeat a ticket
 * that stays put.
 */
export async function list(
  ns: Routers,
  tenant: string,
  opts: { category: Category | null; state: "queued" | "claimed" | null; limit: number; after: QueueKey | null; lane: Lane },
): Promise<TicketList> {
  const parts = await Promise.all(queueObjects(ns, tenant, opts.category).map((o) => o.stub.list(opts)));
  const merged = parts.flat().sort((a, b) => compareKeys(a.key, b.key));
  const page = merged.slice(0, opts.limit);
  const last = page.at(-1);
  return { tickets: page.map((p) => p.entry), next_cursor: merged.length > opts.limit && last ? encodeCursor(last.key) : null };
}

export async function status(ns: Routers, tenant: string): Promise<V1QueueStatus> {
  const parts = await Promise.all(queueObjects(ns, tenant, null, true).map((o) => o.stub.status()));
  const by_category = emptyByCategory();
  const review = { pending: 0, by_category: emptyByCategory() };
  let pending = 0;
  let processed = 0;
  let claimed = 0;
  for (const p of parts) {
    pending += p.pending;
    processed += p.processed;
    claimed += p.claimed;
    addDepths(by_category, p.by_category);
    // A pre-shard Router of an older deploy answers without a review lane.
    if (p.review) {
      review.pending += p.review.pending;
      addDepths(review.by_category, p.review.by_category);
    }
  }
  return { pending, processed, message: statusMessage(pending, claimed, processed), claimed, by_category, review };
}

function addDepths(into: V1QueueStatus["by_category"], from: V1QueueStatus["by_category"]): void {
  for (const [category, depth] of Object.entries(from)) {
    const sum = into[category as Category];
    if (!sum) continue;
    sum.pending += depth.pending;
    for (const level of ["1", "5"] as const) sum.by_urgency[level] += depth.by_urgency[level] ?? 0;
  }
}

/**
 * One drain page of up to `limit` tickets, the tenant's first in its order: plan (each shard's
 * first `limit` places), pick the `limit` best, then each shard removes its share in one atomic
 * step. Every removed ticket is in this reply exactly once. The page is atomic per shard, not
 * across them: a ticket claimed or queued between the two steps can shift which ones go.
 */
export async function drain(ns: Routers, tenant: string, limit: number): Promise<Drain> {
  const objects = queueObjects(ns, tenant, null);
  const plans = await Promise.all(objects.map((o) => o.stub.drainPlan(limit)));
  const share = new Array<number>(objects.length).fill(0);
  plans
    .flatMap((p, i) => p.keys.map((key) => ({ key, i })))
    .sort((a, b) => compareKeys(a.key, b.key))
    .slice(0, limit)
    .forEach(({ i }) => share[i]!++);
  const pages = await Promise.all(objects.map((o, i) => (share[i]! > 0 ? o.stub.drain(share[i]!) : null)));
  const entries = pages.flatMap((p) => p?.entries ?? []).sort((a, b) => compareKeys(a.key, b.key));
  const remaining = pages.reduce((sum, p, i) => sum + (p ? p.remaining : plans[i]!.pending), 0);
  return { drained: entries.length, remaining, tickets: entries.map((e) => e.ticket) };
}

export async function activity(ns: Routers, tenant: string) {
  return activitySeries(await Promise.all(queueObjects(ns, tenant, null, true).map((o) => o.stub.activity())));
}

/** /health's /v1 counts: every object of the tenant. */
export async function stats(ns: Routers, tenant: string): Promise<RouterStats> {
  const parts = await Promise.all(queueObjects(ns, tenant, null, true).map((o) => o.stub.stats()));
  return { pending: parts.reduce((s, p) => s + p.pending, 0), processed: parts.reduce((s, p) => s + p.processed, 0) };
}
