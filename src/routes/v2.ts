import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { acceptTicket, toV2Drain, toV2Ticket } from "../pipeline/accept.ts";
import { clip, jsonError, validationHook } from "../http/errors.ts";
import { IDEMPOTENCY_MISMATCH_DETAIL, IDEMPOTENT_REPLAYED_HEADER, IdempotencyHeaderSchema } from "../http/idempotency-key.ts";
import { jsonBody } from "../http/json-body.ts";
import { agentOf, tenantOf } from "../http/tenant.ts";
import { decodeListCursor, encodeListCursor } from "../store/list-cursor.ts";
import { ticketStoreFor } from "../store/select.ts";
import type { LeaseResult, TicketRecord } from "../store/types.ts";
import { BEARER_SECURITY, STALE_LEASE_RESPONSE, errorResponses, jsonContent, REQUEST_ID_HEADER } from "../schemas/common.ts";
import { TICKET_REQUEST } from "../schemas/ticket.ts";
import { correctionLogFor } from "../corrections/correction-log.ts";
import { correctTicket } from "../pipeline/correct.ts";
import { CorrectionInputSchema } from "../schemas/corrections.ts";
import {
  LeaseInputSchema,
  V2ClaimInputSchema,
  V2CorrectionResultSchema,
  V2DrainQuerySchema,
  V2PullQuerySchema,
  TicketIdParamSchema,
  V2AcceptedSchema,
  V2AckSchema,
  V2ClaimSchema,
  V2DrainSchema,
  V2ListQuerySchema,
  V2QueueStatusSchema,
  V2ReleaseSchema,
  V2TicketListSchema,
  V2TicketSchema,
} from "../schemas/v2.ts";
import type { Env } from "../env.ts";

const tags = ["v2 (asynchronous, queue + M2)"];

const create = createRoute({
  method: "post",
  path: "/tickets",
  tags,
  security: BEARER_SECURITY,
  summary: "Accept a ticket for background scoring",
  description:
    "With `Idempotency-Key`, a retry within 24 hours answers the first request's ticket again (same id, 202, `Idempotent-Replayed: true`), " +
    "never a second ticket; a 503 under a key keeps the ticket, so the retry gets it. The same key with a different body is a 422.",
  middleware: [jsonBody] as const,
  request: { ...TICKET_REQUEST, headers: IdempotencyHeaderSchema },
  responses: {
    202: {
      ...jsonContent(V2AcceptedSchema, "Accepted: a pending record exists and the ticket is queued (or, replayed, the key's first ticket)."),
      headers: {
        ...REQUEST_ID_HEADER,
        [IDEMPOTENT_REPLAYED_HEADER]: { description: "`true` when this answer repeats an earlier request's with the same Idempotency-Key.", schema: { type: "string" as const } },
      },
    },
    ...errorResponses(400, 401, 413, 415, 429, 503),
    422: { ...errorResponses(422)[422], description: "A body or Idempotency-Key that does not match the schema, or a key already used with a different body." },
  },
});
const next = createRoute({
  method: "get",
  path: "/tickets/next",
  tags,
  security: BEARER_SECURITY,
  summary: "Pop the waiting processed ticket with the highest urgency score, optionally of one category, from the auto (default) or review lane",
  request: { query: V2PullQuerySchema },
  responses: { 200: jsonContent(V2TicketSchema, "The ticket, removed from the queue."), ...errorResponses(401, 404, 422, 429, 503) },
});
const peek = createRoute({
  method: "get",
  path: "/tickets/peek",
  tags,
  security: BEARER_SECURITY,
  summary: "The processed ticket `next` would pop (of that category and lane), left in place",
  request: { query: V2PullQuerySchema },
  responses: { 200: jsonContent(V2TicketSchema, "The ticket, still queued."), ...errorResponses(401, 404, 422, 429, 503) },
});
const drain = createRoute({
  method: "delete",
  path: "/tickets",
  tags,
  security: BEARER_SECURITY,
  summary: "Remove up to `limit` processed tickets, returned in pop order",
  description:
    "One page per call, removed atomically: every removed ticket is in `tickets` exactly once, highest urgency first. Repeat while `remaining` > 0. " +
    "Pending tickets are not touched, nor claimed ones (an agent holds them until ack, release or lease expiry). " +
    "Without `queue` both lanes are drained, merged in one order; `queue=auto` or `queue=review` drains that lane only (and `remaining` counts it only).",
  request: { query: V2DrainQuerySchema },
  responses: { 200: jsonContent(V2DrainSchema, "What this page removed."), ...errorResponses(401, 422, 429, 503) },
});
const status = createRoute({
  method: "get",
  path: "/tickets/status",
  tags,
  security: BEARER_SECURITY,
  summary: "Pending, waiting (per lane, category and urgency band) and claimed counts",
  responses: { 200: jsonContent(V2QueueStatusSchema, "Counts."), ...errorResponses(401, 429, 503) },
});
const claim = createRoute({
  method: "post",
  path: "/tickets/claim",
  tags,
  security: BEARER_SECURITY,
  summary: "Lease the waiting processed ticket `next` would pop (optionally of one category; `queue`: auto, default, or review)",
  description:
    "The ticket leaves the waiting order but is not done: `ack` finishes it, `release` puts it back at its old place (same score), " +
    "and a lease that runs out (`lease_seconds`, default 300) puts it back by itself. Send `{}` for the defaults. " +
    "The lease records the token's agent (API_TOKENS), else the body's `agent`. A released or expired review ticket returns to the review lane, " +
    "unless its category was corrected meanwhile (then it returns to the new category's auto lane).",
  middleware: [jsonBody] as const,
  request: { body: { required: true, content: { "application/json": { schema: V2ClaimInputSchema } } } },
  responses: {
    200: jsonContent(V2ClaimSchema, "The ticket and its lease."),
    ...errorResponses(400, 401, 413, 415, 422, 429, 503),
    404: { ...errorResponses(404)[404], description: "No processed ticket waits (of that category, in that lane)." },
  },
});
const correct = createRoute({
  method: "post",
  path: "/tickets/{id}/category",
  tags,
  security: BEARER_SECURITY,
  summary: "Correct (or confirm) a ticket's category: recorded for training, and the ticket moves if it still waits",
  description:
    "The correction is recorded first (GET /v1/corrections lists it with `api: \"v2\"`), then applied: a waiting ticket (either lane) moves to the new " +
    "category's auto lane at its old place (same urgency score), `routing` becomes auto and `reason` names the agent; a claimed one (send its `lease_id`) is " +
    "relabelled and stays with its agent (release or expiry returns it to the new category's auto lane); a popped, acked or drained one (within its retention) " +
    "and a failed one are recorded only. Send the same category to confirm a review ticket.",
  middleware: [jsonBody] as const,
  request: { params: TicketIdParamSchema, body: { required: true, content: { "application/json": { schema: CorrectionInputSchema } } } },
  responses: {
    200: jsonContent(V2CorrectionResultSchema, "The correction as recorded, and the ticket after it."),
    ...errorResponses(400, 401, 413, 415, 429, 503),
    404: { ...errorResponses(404)[404], description: "No such ticket (or past its retention); nothing recorded." },
    409: {
      ...errorResponses(409)[409],
      description:
        "Still being scored (nothing recorded); claimed and `lease_id` is not its live lease (nothing recorded); or the ticket changed while the correction was applied (recorded, ticket unchanged).",
    },
    422: { ...errorResponses(422)[422], description: "A body that does not match the schema (e.g. an unknown category)." },
  },
});
const leaseRoute = (action: "ack" | "release", schema: typeof V2AckSchema | typeof V2ReleaseSchema, summary: string) =>
  createRoute({
    method: "post",
    path: `/tickets/{id}/${action}`,
    tags,
    security: BEARER_SECURITY,
    summary,
    middleware: [jsonBody] as const,
    request: { params: TicketIdParamSchema, body: { required: true, content: { "application/json": { schema: LeaseInputSchema } } } },
    responses: {
      200: jsonContent(schema, "Done."),
      ...errorResponses(400, 401, 413, 415, 422, 429, 503),
      404: { ...errorResponses(404)[404], description: "No such ticket (or past its retention)." },
      409: STALE_LEASE_RESPONSE,
    },
  });
const ack = leaseRoute("ack", V2AckSchema, "Finish a claimed ticket (counts as popped: its retention starts)");
const release = leaseRoute("release", V2ReleaseSchema, "Give a claimed ticket back: it waits again at its old place");
const list = createRoute({
  method: "get",
  path: "/tickets",
  tags,
  security: BEARER_SECURITY,
  summary: "Waiting and claimed processed tickets in queue order, paged",
  request: { query: V2ListQuerySchema },
  description: "One lane per listing (`queue`, default auto); claimed tickets are listed in the lane they return to.",
  responses: {
    200: jsonContent(V2TicketListSchema, "One page."),
    ...errorResponses(401, 429, 503),
    422: { ...errorResponses(422)[422], description: "A bad `category`, `state`, `limit` or `cursor`." },
  },
});
const get = createRoute({
  method: "get",
  path: "/tickets/{id}",
  tags,
  security: BEARER_SECURITY,
  summary: "One ticket's state (status not_found when unknown, or past its retention after leaving the queues; `lease` while claimed)",
  request: { params: TicketIdParamSchema },
  responses: { 200: jsonContent(V2TicketSchema, "The ticket."), ...errorResponses(401, 422, 429, 503) },
});

export const v2 = new OpenAPIHono<{ Bindings: Env }>({ defaultHook: validationHook });
const NOTHING_PROCESSED = "No processed tickets.";

/** The request's tenant's ticket store: no /v2 handler reaches another tenant's tickets. */
const storeFor = (c: Context<{ Bindings: Env }>) => ticketStoreFor(c.env, {}, tenantOf(c));
const ticketOf = (record: TicketRecord) => toV2Ticket(record.ticket_id, record);

v2.openapi(create, async (c) => {
  const outcome = await acceptTicket(c.req.valid("json"), storeFor(c), c.env.TICKET_QUEUE, {
    tenant: tenantOf(c),
    idempotencyKey: c.req.valid("header")["idempotency-key"],
  });
  if (outcome.kind === "mismatch") return jsonError(c, 422, IDEMPOTENCY_MISMATCH_DETAIL);
  if (outcome.replayed) c.header(IDEMPOTENT_REPLAYED_HEADER, "true");
  return c.json(outcome.body, 202);
});
v2.openapi(next, async (c) => {
  const { category, queue } = c.req.valid("query");
  const record = await storeFor(c).popNext(category ?? null, queue);
  return record ? c.json(ticketOf(record), 200) : jsonError(c, 404, NOTHING_PROCESSED);
});
// Before /tickets/{id}: otherwise "peek" is taken for an id and rejected as not a UUID.
v2.openapi(peek, async (c) => {
  const { category, queue } = c.req.valid("query");
  const record = await storeFor(c).peekNext(category ?? null, queue);
  return record ? c.json(ticketOf(record), 200) : jsonError(c, 404, NOTHING_PROCESSED);
});
v2.openapi(drain, async (c) => {
  const { limit, queue } = c.req.valid("query");
  return c.json(toV2Drain(await storeFor(c).drain(limit, queue ?? null)), 200);
});
v2.openapi(status, async (c) => {
  const s = await storeFor(c).queueStatus();
  const message =
    `${s.pending} ticket(s) being scored, ${s.processed} ready for GET /v2/tickets/next, ${s.claimed} claimed, ` +
    `${s.review.processed} waiting for review (?queue=review).`;
  return c.json({ pending: s.pending, processed: s.processed, message, claimed: s.claimed, by_category: s.by_category, review: s.review }, 200);
});
v2.openapi(claim, async (c) => {
  const { category, lease_seconds, agent, queue } = c.req.valid("json");
  const claimed = await storeFor(c).claimNext({
    category: category ?? null,
    lane: queue,
    leaseId: crypto.randomUUID(),
    leaseMs: lease_seconds * 1000,
    // The token's agent (API_TOKENS) holds the lease; the body may name one only for a token that names none.
    agent: agentOf(c) ?? agent ?? null,
  });
  if (!claimed) return jsonError(c, 404, NOTHING_PROCESSED);
  const { lease } = claimed;
  return c.json({ ticket: ticketOf(claimed.record), lease: { id: lease.id, expires_at: new Date(lease.expires_ms).toISOString(), agent: lease.agent } }, 200);
});

/** 404 for a ticket the store does not hold, 409 for a lease that is not the live one (same texts as /v1). */
function leaseFailure(c: Context, id: string, outcome: Extract<LeaseResult, { ok: false }>) {
  return outcome.reason === "unknown"
    ? jsonError(c, 404, `No ticket ${clip(id)}.`)
    : jsonError(c, 409, `Lease is not the live lease of ticket ${clip(id)} (expired, released, already acked, or another claim's); nothing changed.`);
}
v2.openapi(ack, async (c) => {
  const { id } = c.req.valid("param");
  const outcome = await storeFor(c).ackLease(id, c.req.valid("json").lease_id);
  return outcome.ok ? c.json({ state: "done" as const, ticket: ticketOf(outcome.record) }, 200) : leaseFailure(c, id, outcome);
});
v2.openapi(release, async (c) => {
  const { id } = c.req.valid("param");
  const outcome = await storeFor(c).releaseLease(id, c.req.valid("json").lease_id);
  return outcome.ok ? c.json({ state: "processed" as const, ticket: ticketOf(outcome.record) }, 200) : leaseFailure(c, id, outcome);
});
v2.openapi(list, async (c) => {
  const { category, state, limit, cursor, queue } = c.req.valid("query");
  const page = await storeFor(c).list({
    category: category ?? null,
    lane: queue,
    state: state ?? null,
    limit,
    // The schema refused any cursor that does not decode.
    after: cursor === undefined ? null : decodeListCursor(cursor),
  });
  const tickets = page.tickets.map((record) => {
    const ticket = ticketOf(record);
    return ticket.lease ? { state: "claimed" as const, ticket, lease: ticket.lease } : { state: "processed" as const, ticket };
  });
  return c.json({ tickets, next_cursor: page.next ? encodeListCursor(page.next) : null }, 200);
});
v2.openapi(correct, async (c) => {
  const { id } = c.req.valid("param");
  const outcome = await correctTicket(storeFor(c), correctionLogFor(c.env, tenantOf(c)), id, c.req.valid("json"), agentOf(c));
  switch (outcome.kind) {
    case "corrected":
      return c.json({ correction: outcome.correction, ticket: ticketOf(outcome.ticket) }, 200);
    case "unknown":
      return jsonError(c, 404, `No ticket ${clip(id)}.`);
    case "pending":
      return jsonError(c, 409, "Ticket is still being scored; correct it once processed. Nothing was recorded.");
    case "stale":
      return jsonError(
        c,
        409,
        outcome.leaseGiven
          ? `Lease is not the live lease of ticket ${clip(id)} (expired, released, already acked, or another claim's); nothing was recorded.`
          : `Ticket ${clip(id)} is claimed: send the claim's lease_id to correct it. Nothing was recorded.`,
      );
    case "raced":
      return jsonError(
        c,
        409,
        `Ticket ${clip(id)} changed while the correction was applied (its lease ended or it left its retention); ` +
          `the correction is recorded (${outcome.correction.correction_id}) but the ticket was not relabelled.`,
      );
  }
});
v2.openapi(get, async (c) => {
  const { id } = c.req.valid("param");
  return c.json(toV2Ticket(id, await storeFor(c).getTicket(id)), 200);
});

