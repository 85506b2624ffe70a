import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { clip, jsonError, validationHook } from "../http/errors.ts";
import { jsonBody } from "../http/json-body.ts";
import {
  IDEMPOTENCY_MISMATCH_DETAIL,
  IDEMPOTENT_REPLAYED_HEADER,
  IdempotencyHeaderSchema,
} from "../http/idempotency-key.ts";
import { agentOf, queueOf, tenantOf } from "../http/tenant.ts";
import { correctionLogFor } from "../corrections/correction-log.ts";
import { correct } from "../router/correct.ts";
import { effectiveThresholds } from "../routing/thresholds.ts";
import { CorrectionInputSchema, CorrectionSchema } from "../schemas/corrections.ts";
import { z } from "@hono/zod-openapi";
import { decodeCursor } from "../router/cursor.ts";
import { DONE_KEEP, DONE_TEXT_KEEP } from "../router/done-log.ts";
import * as queue from "../router/tenant-queue.ts";
import { BEARER_SECURITY, STALE_LEASE_RESPONSE, errorResponses, jsonContent, REQUEST_ID_HEADER } from "../schemas/common.ts";
import {
  AckSchema,
  ActivitySchema,
  V1ClaimInputSchema,
  V1TakeQuerySchema,
  ClaimSchema,
  DRAIN_LIMIT_DEFAULT,
  DRAIN_LIMIT_MAX,
  DrainQuerySchema,
  DrainSchema,
  LeaseInputSchema,
  V1ListQuerySchema,
  V1QueueStatusSchema,
  ReleaseSchema,
  TICKET_REQUEST,
  TicketIdParamSchema,
  TicketListSchema,
  TicketLookupSchema,
  V1TicketSchema,
  type LeaseOutcome,
} from "../schemas/ticket.ts";
import type { Env } from "../env.ts";

const tags = ["v1 (synchronous, M1)"];

const create = createRoute({
  method: "post",
  path: "/tickets",
  tags,
  security: BEARER_SECURITY,
  summary: "Classify a ticket with M1 and queue it",
  middleware: [jsonBody] as const,
  request: { headers: IdempotencyHeaderSchema, ...TICKET_REQUEST },
  responses: {
    201: {
      ...jsonContent(V1TicketSchema, "Classified and queued; or, for a repeated Idempotency-Key, the ticket its first request queued."),
      headers: {
        ...REQUEST_ID_HEADER,
        [IDEMPOTENT_REPLAYED_HEADER]: { description: "`true` when this answer repeats the first one of its Idempotency-Key (no new ticket).", schema: { type: "string" as const, enum: ["true"] } },
      },
    },
    ...errorResponses(400, 401, 413, 415, 429),
    422: { ...errorResponses(422)[422], description: "The body does not match the schema, or the Idempotency-Key is malformed or was used with a different body in the last 24 hours." },
  },
});
const next = createRoute({
  method: "get",
  path: "/tickets/next",
  tags,
  security: BEARER_SECURITY,
  summary: "Pop the most urgent ticket (FIFO within a level), optionally of one category, from the auto or the review lane",
  description:
    "Claim and ack in one step: the ticket is done when it is returned. Agents that may fail use `POST /tickets/claim`. " +
    "`queue=review` takes from the review lane (tickets below their category's confidence threshold) instead of the auto lane.",
  request: { query: V1TakeQuerySchema },
  responses: { 200: jsonContent(V1TicketSchema, "The ticket, now removed."), ...errorResponses(401, 404, 422, 429) },
});
const peek = createRoute({
  method: "get",
  path: "/tickets/peek",
  tags,
  security: BEARER_SECURITY,
  summary: "The ticket `next` would return (same `category` and `queue`), left in place",
  request: { query: V1TakeQuerySchema },
  responses: { 200: jsonContent(V1TicketSchema, "The ticket."), ...errorResponses(401, 404, 422, 429) },
});
const status = createRoute({
  method: "get",
  path: "/tickets/status",
  tags,
  security: BEARER_SECURITY,
  summary: "Queue depth and tickets popped so far",
  responses: { 200: jsonContent(V1QueueStatusSchema, "Counts, summed over the tenant's shards."), ...errorResponses(401, 429) },
});
const drain = createRoute({
  method: "delete",
  path: "/tickets",
  tags,
  security: BEARER_SECURITY,
  summary: `Remove up to \`limit\` tickets (default ${DRAIN_LIMIT_DEFAULT}) and return them in priority order`,
  description:
    "One page of a drain: the removed tickets come back in this response, exactly once. " +
    "Repeat until `remaining` is 0 to empty the queue. A page is taken in the tenant's priority order across its category shards; " +
    "it is atomic per shard, not across them (a ticket queued or claimed meanwhile can change which ones a page takes, never whether one is returned).",
  request: { query: DrainQuerySchema },
  responses: {
    200: jsonContent(DrainSchema, "The tickets removed by this call and how many remain."),
    ...errorResponses(401, 429),
    422: { ...errorResponses(422)[422], description: `\`limit\` is not an integer from 1 to ${DRAIN_LIMIT_MAX}; nothing was removed.` },
  },
});


const claim = createRoute({
  method: "post",
  path: "/tickets/claim",
  tags,
  security: BEARER_SECURITY,
  summary: "Lease the most urgent waiting ticket (optionally of one category)",
  description:
    "The ticket leaves the waiting order but is not done: `ack` finishes it, `release` puts it back at its old place, " +
    "and a lease that runs out (`lease_seconds`, default 300) puts it back by itself. Send `{}` for the defaults. " +
    '`"queue": "review"` claims from the review lane.',
  middleware: [jsonBody] as const,
  request: { body: { required: true, content: { "application/json": { schema: V1ClaimInputSchema } } } },
  responses: {
    200: jsonContent(ClaimSchema, "The ticket and its lease."),
    ...errorResponses(400, 401, 413, 415, 422, 429),
    404: { ...errorResponses(404)[404], description: "No ticket waits (of that category)." },
  },
});

const leaseRoute = (action: "ack" | "release", schema: typeof AckSchema | typeof ReleaseSchema, summary: string) =>
  createRoute({
    method: "post",
    path: `/tickets/{ticket_id}/${action}`,
    tags,
    security: BEARER_SECURITY,
    summary,
    middleware: [jsonBody] as const,
    request: { params: TicketIdParamSchema, body: { required: true, content: { "application/json": { schema: LeaseInputSchema } } } },
    responses: {
      200: jsonContent(schema, "Done."),
      ...errorResponses(400, 401, 413, 415, 422, 429),
      404: { ...errorResponses(404)[404], description: "No such ticket." },
      409: STALE_LEASE_RESPONSE,
    },
  });
const ack = leaseRoute("ack", AckSchema, "Finish a claimed ticket (counts as processed)");
const release = leaseRoute("release", ReleaseSchema, "Give a claimed ticket back: it waits again at its old place");

const lookup = createRoute({
  method: "get",
  path: "/tickets/{ticket_id}",
  tags,
  security: BEARER_SECURITY,
  summary: "One ticket and its state: queued, claimed or done",
  description: `Done tickets keep a compact record (no subject or body); the newest ${DONE_KEEP} are kept, older ones read as 404.`,
  request: { params: TicketIdParamSchema },
  responses: { 200: jsonContent(TicketLookupSchema, "The ticket."), ...errorResponses(401, 429), 404: { ...errorResponses(404)[404], description: "Unknown ticket (or done long ago)." } },
});

const activity = createRoute({
  method: "get",
  path: "/tickets/activity",
  tags,
  security: BEARER_SECURITY,
  summary: "Arrivals and completions per minute over the last hour",
  description: "60 entries, oldest first, the current minute last. Arrivals: tickets queued. Completions: tickets that left as done (next, ack, drain).",
  responses: { 200: jsonContent(ActivitySchema, "The last hour, per minute."), ...errorResponses(401, 429) },
});

const CorrectionResultSchema = z
  .object({
    correction: CorrectionSchema,
    ticket: TicketLookupSchema.nullable().openapi({ description: "The ticket after the correction (as GET /v1/tickets/{ticket_id}); null only if its done record was trimmed meanwhile." }),
  })
  .openapi("V1CorrectionResult");

const correctCategory = createRoute({
  method: "post",
  path: "/tickets/{ticket_id}/category",
  tags,
  security: BEARER_SECURITY,
  summary: "Correct (or confirm) a ticket's category",
  description:
    "Records the correction first (who: the token's agent; when; before and after; the ticket's text), for good (GET /v1/corrections), then applies it. " +
    "Queued (either lane): the ticket moves to the new category's queue, auto lane, at its old place (same urgency, same arrival); the same category confirms a review ticket into the auto lane in place. " +
    "Claimed: `lease_id` must be the live lease; the ticket is relabelled and keeps its lease and agent. " +
    `Done: recorded only, while its text is kept (the newest ${DONE_TEXT_KEEP} finished tickets per category shard). ` +
    "The ticket keeps its id; ack, release and lookup by that id follow it. `correction.moved` says whether it changed queues.",
  middleware: [jsonBody] as const,
  request: { params: TicketIdParamSchema, body: { required: true, content: { "application/json": { schema: CorrectionInputSchema } } } },
  responses: {
    200: jsonContent(CorrectionResultSchema, "Recorded (and applied)."),
    ...errorResponses(400, 401, 413, 415, 422, 429),
    404: { ...errorResponses(404)[404], description: "No such ticket." },
    409: {
      ...errorResponses(409)[409],
      description:
        "Claimed and `lease_id` is not its live lease (nothing recorded, nothing changed); claimed by another caller in the instant of the correction (recorded with moved false, not applied; the detail says so); or done so long ago that its text is gone (nothing recorded).",
    },
  },
});

const list = createRoute({
  method: "get",
  path: "/tickets",
  tags,
  security: BEARER_SECURITY,
  summary: "Waiting and claimed tickets of one lane (default auto) in queue order, paged",
  request: { query: V1ListQuerySchema },
  responses: {
    200: jsonContent(TicketListSchema, "One page."),
    ...errorResponses(401, 429),
    422: { ...errorResponses(422)[422], description: "A bad `category`, `state`, `limit` or `cursor`." },
  },
});

export const v1 = new OpenAPIHono<{ Bindings: Env }>({ defaultHook: validationHook });
const EMPTY = "Queue is empty.";

v1.openapi(create, async (c) => {
  const { ns, tenant } = queueOf(c);
  const input = c.req.valid("json");
  const key = c.req.valid("header")["idempotency-key"];
  const { thresholds } = effectiveThresholds(c.env);
  if (key === undefined) return c.json(await queue.enqueue(ns, tenant, input, thresholds), 201);
  const outcome = await queue.enqueueOnce(ns, tenant, input, key, thresholds);
  if (outcome.kind === "mismatch") return jsonError(c, 422, IDEMPOTENCY_MISMATCH_DETAIL);
  if (outcome.kind === "replayed") c.header(IDEMPOTENT_REPLAYED_HEADER, "true");
  return c.json(outcome.ticket, 201);
});
v1.openapi(next, async (c) => {
  const { ns, tenant } = queueOf(c);
  const { category, queue: lane } = c.req.valid("query");
  const ticket = await queue.next(ns, tenant, category ?? null, lane ?? "auto");
  return ticket ? c.json(ticket, 200) : jsonError(c, 404, EMPTY);
});
v1.openapi(peek, async (c) => {
  const { ns, tenant } = queueOf(c);
  const { category, queue: lane } = c.req.valid("query");
  const ticket = await queue.peek(ns, tenant, category ?? null, lane ?? "auto");
  return ticket ? c.json(ticket, 200) : jsonError(c, 404, EMPTY);
});
v1.openapi(claim, async (c) => {
  const { ns, tenant } = queueOf(c);
  const { category, lease_seconds, agent, queue: lane } = c.req.valid("json");
  // The token's agent (API_TOKENS) is who holds the lease; the body may name one only for a token that names none.
  const claimed = await queue.claim(ns, tenant, category ?? null, lease_seconds, agentOf(c) ?? agent ?? null, lane ?? "auto");
  return claimed ? c.json(claimed, 200) : jsonError(c, 404, EMPTY);
});
v1.openapi(status, async (c) => {
  const { ns, tenant } = queueOf(c);
  return c.json(await queue.status(ns, tenant), 200);
});
v1.openapi(drain, async (c) => {
  const { ns, tenant } = queueOf(c);
  return c.json(await queue.drain(ns, tenant, c.req.valid("query").limit), 200);
});
// Before lookup, so "activity" never reaches /tickets/{ticket_id}.
v1.openapi(activity, async (c) => {
  const { ns, tenant } = queueOf(c);
  return c.json(await queue.activity(ns, tenant), 200);
});

/** 404 for a ticket the Router does not know, 409 for a lease that is not the live one. */
function leaseFailure(c: Parameters<typeof jsonError>[0], ticketId: string, outcome: Extract<LeaseOutcome, { ok: false }>) {
  return outcome.reason === "unknown"
    ? jsonError(c, 404, `No ticket ${clip(ticketId)}.`)
    : jsonError(c, 409, `Lease is not the live lease of ticket ${clip(ticketId)} (expired, released, already acked, or another claim's); nothing changed.`);
}
v1.openapi(ack, async (c) => {
  const { ns, tenant } = queueOf(c);
  const { ticket_id } = c.req.valid("param");
  const outcome = await queue.ack(ns, tenant, ticket_id, c.req.valid("json").lease_id);
  return outcome.ok ? c.json({ state: "done" as const, ticket: outcome.ticket }, 200) : leaseFailure(c, ticket_id, outcome);
});
v1.openapi(release, async (c) => {
  const { ns, tenant } = queueOf(c);
  const { ticket_id } = c.req.valid("param");
  const outcome = await queue.release(ns, tenant, ticket_id, c.req.valid("json").lease_id);
  return outcome.ok ? c.json({ state: "queued" as const, ticket: outcome.ticket }, 200) : leaseFailure(c, ticket_id, outcome);
});
// Registered after next, peek, status and activity, so those names never reach this route.
v1.openapi(lookup, async (c) => {
  const { ns, tenant } = queueOf(c);
  const { ticket_id } = c.req.valid("param");
  const found = await queue.lookup(ns, tenant, ticket_id);
  return found ? c.json(found, 200) : jsonError(c, 404, `No ticket ${clip(ticket_id)}.`);
});
v1.openapi(correctCategory, async (c) => {
  const { ns, tenant } = queueOf(c);
  const { ticket_id } = c.req.valid("param");
  const outcome = await correct(ns, correctionLogFor(c.env, tenantOf(c)), tenant, ticket_id, c.req.valid("json"), agentOf(c));
  switch (outcome.kind) {
    case "unknown":
      return jsonError(c, 404, `No ticket ${clip(ticket_id)}.`);
    case "stale":
      return jsonError(c, 409, `Ticket ${clip(ticket_id)} is claimed and lease_id is not its live lease; send the claim's lease_id. Nothing changed.`);
    case "claimed-meanwhile":
      return jsonError(
        c,
        409,
        `Ticket ${clip(ticket_id)} was claimed while the correction was being made: the correction is recorded (${outcome.correction.correction_id}, moved false) but not applied; send the claim's lease_id to relabel it.`,
      );
    case "no-text":
      return jsonError(c, 409, `Ticket ${clip(ticket_id)} is done and its text is no longer kept, so the correction cannot train anything; nothing recorded.`);
    case "corrected":
      return c.json({ correction: outcome.correction, ticket: outcome.ticket }, 200);
  }
});
v1.openapi(list, async (c) => {
  const { ns, tenant } = queueOf(c);
  const { category, state, limit, cursor, queue: lane } = c.req.valid("query");
  const after = cursor === undefined ? null : decodeCursor(cursor);
  if (cursor !== undefined && !after) {
    return jsonError(c, 422, "cursor: not a cursor this service issued (pass next_cursor unchanged)", [
      { path: "cursor", message: "not a cursor this service issued (pass next_cursor unchanged)" },
    ]);
  }
  return c.json(await queue.list(ns, tenant, { category: category ?? null, state: state ?? null, limit, after, lane: lane ?? "auto" }), 200);
});
