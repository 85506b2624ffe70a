import { z } from "@hono/zod-openapi";
import { CATEGORIES } from "../ml/categories.ts";
import { laneEnum, RoutingReasonSchema, RoutingSchema } from "./routing.ts";

export const SUBJECT_MAX = 500;
export const BODY_MAX = 5000;

/** Trimmed, and blank-after-trim counts as missing: a whitespace-only subject routes nothing. */
const text = (name: string, max: number, example: string) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? `${name} is required` : `${name} must be a string`) })
    .trim()
    .min(1, `${name} must not be empty`)
    .max(max, `${name} must be at most ${max} characters`)
    .openapi({ example });

export const TicketInputSchema = z
  .strictObject({
    subject: text("subject", SUBJECT_MAX, "Refund for a double charge"),
    body: text("body", BODY_MAX, "I was charged twice for my subscription this month. Please refund one payment."),
  })
  .openapi("TicketInput");
export type TicketInput = z.infer<typeof TicketInputSchema>;

export const CategorySchema = z.enum(CATEGORIES).openapi("Category");

export const UrgencyLevelSchema = z
  .union([z.literal(1), z.literal(5)])
  .openapi({ description: "1 = HIGH (an urgency keyword matched), 5 = NORMAL. Lower pops first." });


export type { Lane } from "./routing.ts";

export const V1TicketSchema = z
  .object({
    ticket_id: z.string().uuid(),
    subject: z.string(),
    body: z.string(),
    category: CategorySchema,
    confidence: z.number().min(0).max(1).openapi({ description: "Calibrated probability of `category`." }),
    urgency_level: UrgencyLevelSchema,
    queued_at: z.string().datetime().openapi({ example: "2026-11-24T10:00:00.000Z" }),
    // Optional: tickets queued before routing existed are stored without them (they wait in the auto lane).
    routing: RoutingSchema.optional().openapi({
      description: '"auto": waits in its category\'s queue; "review": its confidence is below the category\'s threshold, so it waits in the review lane (`?queue=review`) until an agent takes or corrects it. Absent on tickets queued before routing existed.',
    }),
    reason: RoutingReasonSchema.optional().openapi({ description: "Why it has its category. Absent on tickets queued before routing existed." }),
  })
  .openapi("V1Ticket");
export type V1Ticket = z.infer<typeof V1TicketSchema>;

const count = () => z.number().int().nonnegative();

/** Waiting tickets of one category: in all, and per urgency level ("1", "5"). */
export const CategoryDepthSchema = z
  .object({ pending: count(), by_urgency: z.record(z.enum(["1", "5"]), count()) })
  .openapi("CategoryDepth");

export const QueueStatusSchema = z
  .object({
    pending: count(),
    processed: count(),
    message: z.string(),
  })
  .openapi("QueueStatus");
export type QueueStatus = z.infer<typeof QueueStatusSchema>;

/** /v1's status: QueueStatus (shared with /v2) plus the lease and per-category figures. */
export const V1QueueStatusSchema = QueueStatusSchema.extend({
  pending: count().openapi({ description: "Tickets waiting in both lanes, auto and review (claimed ones are not counted)." }),
  processed: count().openapi({ description: "Tickets popped by next or acked after a claim." }),
  claimed: count().openapi({ description: "Tickets under a live lease." }),
  by_category: z.record(CategorySchema, CategoryDepthSchema).openapi({ description: "Waiting tickets of the auto lane per category; every category is listed." }),
  review: z
    .object({
      pending: count().openapi({ description: "Tickets waiting in the review lane." }),
      by_category: z.record(CategorySchema, CategoryDepthSchema).openapi({ description: "Review-lane tickets per predicted category; every category is listed." }),
    })
    .openapi({ description: "The review lane. `pending` above = sum of `by_category[*].pending` (auto lane) + `review.pending`." }),
}).openapi("V1QueueStatus");
export type V1QueueStatus = z.infer<typeof V1QueueStatusSchema>;

export const DRAIN_LIMIT_DEFAULT = 100;
/** 500 tickets at both length limits serialize to about 6 MB, far below workerd's 32 MiB RPC cap. */
export const DRAIN_LIMIT_MAX = 500;
const DRAIN_LIMIT_MESSAGE = `limit must be an integer from 1 to ${DRAIN_LIMIT_MAX}`;

/**
 * For code behind the routes (the Router's and the stores' drains): a page outside
 * 1..DRAIN_LIMIT_MAX is a caller bug, since the routes validate first, and an unbounded
 * page is what overflows an RPC. TypeError, before any I/O.
 */
export function assertDrainLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > DRAIN_LIMIT_MAX) {
    throw new TypeError(`drain limit must be an integer from 1 to ${DRAIN_LIMIT_MAX}, got ${limit}`);
  }
}

/**
 * The query of a paged drain (DELETE /v1/tickets, and /v2's drain). Digits only: a typo
 * such as `1e2` or `-1` must be refused, not coerced into a different page size.
 */
export const DrainQuerySchema = z.object({
  limit: z
    .string({ error: DRAIN_LIMIT_MESSAGE })
    .regex(/^[0-9]+$/, DRAIN_LIMIT_MESSAGE)
    .transform(Number)
    .pipe(z.number().int().min(1, DRAIN_LIMIT_MESSAGE).max(DRAIN_LIMIT_MAX, DRAIN_LIMIT_MESSAGE))
    .optional()
    .transform((n) => n ?? DRAIN_LIMIT_DEFAULT)
    .openapi({
      param: { name: "limit", in: "query" },
      type: "integer",
      minimum: 1,
      maximum: DRAIN_LIMIT_MAX,
      default: DRAIN_LIMIT_DEFAULT,
      description: `Most tickets to remove in this call. Repeat until \`remaining\` is 0.`,
    }),
});
export type DrainQuery = z.infer<typeof DrainQuerySchema>;

export const DrainSchema = z
  .object({
    drained: z.number().int().nonnegative().openapi({ description: "How many tickets this call removed (= tickets.length)." }),
    remaining: z.number().int().nonnegative().openapi({ description: "Tickets still queued after this call; 0 means empty." }),
    tickets: z.array(V1TicketSchema).openapi({ description: "The removed tickets, in the order `next` would have popped them." }),
  })
  .openapi("Drain");
export type Drain = z.infer<typeof DrainSchema>;

/** The request body of both POST routes: required, JSON, validated by TicketInputSchema. */
export const TICKET_REQUEST = { body: { required: true, content: { "application/json": { schema: TicketInputSchema } } } };

// ---------------------------------------------------------------------------------------
// Agent work queues: per-category pulls, leases (claim / ack / release), lookup, listing.
// ---------------------------------------------------------------------------------------

const CATEGORY_MESSAGE = `category must be one of ${CATEGORIES.join(", ")}`;

/** A category as a query parameter or body field; an unknown one is a 422 naming the allowed ones. */
const categoryField = () =>
  z.enum(CATEGORIES, { error: CATEGORY_MESSAGE }).optional().openapi({ description: "Only tickets of this category. Omitted: all categories." });

/** Which lane: "auto" (the category queues, the default) or "review" (tickets below their threshold). */
const laneField = () =>
  laneEnum().optional().openapi({ description: 'The lane: "auto" (default) or "review" (tickets whose confidence is below their category\'s threshold).' });

/** `?category=` of next and peek. */
export const CategoryQuerySchema = z.object({
  category: categoryField().openapi({ param: { name: "category", in: "query" } }),
});
/** /v1's next and peek: `?category=` and `?queue=` (the lane). */
export const V1TakeQuerySchema = CategoryQuerySchema.extend({
  queue: laneField().openapi({ param: { name: "queue", in: "query" } }),
});

export const LEASE_SECONDS_MIN = 10;
export const LEASE_SECONDS_MAX = 3600;
export const LEASE_SECONDS_DEFAULT = 300;
const LEASE_MESSAGE = `lease_seconds must be an integer from ${LEASE_SECONDS_MIN} to ${LEASE_SECONDS_MAX}`;
export const AGENT_MAX = 100;

export const ClaimInputSchema = z
  .strictObject({
    category: categoryField(),
    lease_seconds: z
      .number({ error: LEASE_MESSAGE })
      .int(LEASE_MESSAGE)
      .min(LEASE_SECONDS_MIN, LEASE_MESSAGE)
      .max(LEASE_SECONDS_MAX, LEASE_MESSAGE)
      .default(LEASE_SECONDS_DEFAULT)
      .openapi({ description: "How long the claim holds before the ticket goes back to its place.", example: 300 }),
    // For now the caller names itself; once agents come from tokens this is filled from there.
    agent: z
      .string({ error: "agent must be a string" })
      .trim()
      .min(1, "agent must not be empty")
      .max(AGENT_MAX, `agent must be at most ${AGENT_MAX} characters`)
      .nullable()
      .default(null)
      .openapi({ description: "Who holds the lease (recorded with it).", example: "alice" }),
  })
  .openapi("ClaimInput");
export type ClaimInput = z.infer<typeof ClaimInputSchema>;
/** /v1's claim body: ClaimInput plus the lane. */
export const V1ClaimInputSchema = ClaimInputSchema.extend({ queue: laneField() }).openapi("V1ClaimInput");

/** Throws a TypeError for a lease length the routes would have refused (Router RPC callers). */
export function assertLeaseSeconds(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < LEASE_SECONDS_MIN || seconds > LEASE_SECONDS_MAX) {
    throw new TypeError(`${LEASE_MESSAGE}, got ${seconds}`);
  }
}

export const LeaseSchema = z
  .object({
    id: z.string().uuid().openapi({ description: "Proof of the claim: ack and release need it." }),
    expires_at: z.string().datetime(),
    agent: z.string().nullable(),
  })
  .openapi("Lease");
export type Lease = z.infer<typeof LeaseSchema>;

/** A lease as others see it (lookup, listing): without its id, which only the claimer gets. */
export const LeaseInfoSchema = LeaseSchema.omit({ id: true }).openapi("LeaseInfo");
export type LeaseInfo = z.infer<typeof LeaseInfoSchema>;

export const ClaimSchema = z.object({ ticket: V1TicketSchema, lease: LeaseSchema }).openapi("Claim");
export type Claim = z.infer<typeof ClaimSchema>;

export const LeaseInputSchema = z
  .strictObject({ lease_id: z.string({ error: "lease_id is required" }).min(1, "lease_id must not be empty").max(100) })
  .openapi("LeaseInput");

export const TicketIdParamSchema = z.object({
  ticket_id: z.string().openapi({ param: { name: "ticket_id", in: "path" }, example: "3db5c3f0-8f5e-4a53-9a5f-0d3c2b8d7c11" }),
});

/** What is left of a finished ticket: enough to say what and when, not its text. */
export const V1DoneRecordSchema = z
  .object({
    ticket_id: z.string(),
    category: CategorySchema,
    urgency_level: UrgencyLevelSchema,
    queued_at: z.string().datetime(),
    done_at: z.string().datetime(),
    via: z.enum(["next", "ack", "drain"]).openapi({ description: "How it left: popped by next, acked after a claim, or drained." }),
  })
  .openapi("V1DoneRecord");
export type V1DoneRecord = z.infer<typeof V1DoneRecordSchema>;

export const QueuedEntrySchema = z.object({ state: z.literal("queued"), ticket: V1TicketSchema }).openapi("QueuedTicket");
export const ClaimedEntrySchema = z
  .object({ state: z.literal("claimed"), ticket: V1TicketSchema, lease: LeaseInfoSchema })
  .openapi("ClaimedTicket");
export const DoneEntrySchema = z.object({ state: z.literal("done"), ticket: V1DoneRecordSchema }).openapi("DoneTicket");

export const TicketLookupSchema = z
  .discriminatedUnion("state", [QueuedEntrySchema, ClaimedEntrySchema, DoneEntrySchema])
  .openapi("TicketLookup");
export type TicketLookup = z.infer<typeof TicketLookupSchema>;
export type ListEntry = z.infer<typeof QueuedEntrySchema> | z.infer<typeof ClaimedEntrySchema>;

export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 500;
const LIST_LIMIT_MESSAGE = `limit must be an integer from 1 to ${LIST_LIMIT_MAX}`;

export const ListQuerySchema = z.object({
  category: categoryField().openapi({ param: { name: "category", in: "query" } }),
  state: z
    .enum(["queued", "claimed"], { error: "state must be one of queued, claimed" })
    .optional()
    .openapi({ param: { name: "state", in: "query" }, description: "Only waiting or only claimed tickets. Omitted: both." }),
  limit: z
    .string({ error: LIST_LIMIT_MESSAGE })
    .regex(/^[0-9]+$/, LIST_LIMIT_MESSAGE)
    .transform(Number)
    .pipe(z.number().int().min(1, LIST_LIMIT_MESSAGE).max(LIST_LIMIT_MAX, LIST_LIMIT_MESSAGE))
    .optional()
    .transform((n) => n ?? LIST_LIMIT_DEFAULT)
    .openapi({ param: { name: "limit", in: "query" }, type: "integer", minimum: 1, maximum: LIST_LIMIT_MAX, default: LIST_LIMIT_DEFAULT }),
  cursor: z
    .string({ error: "cursor must be a string" })
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "`next_cursor` of the previous page (opaque)." }),
});

/** /v1's listing: ListQuery plus the lane. */
export const V1ListQuerySchema = ListQuerySchema.extend({
  queue: laneField().openapi({ param: { name: "queue", in: "query" } }),
});

export const TicketListSchema = z
  .object({
    tickets: z.array(z.discriminatedUnion("state", [QueuedEntrySchema, ClaimedEntrySchema])).openapi({
      description: "In queue order: urgency_level ascending, then arrival.",
    }),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last page." }),
  })
  .openapi("TicketList");
export type TicketList = z.infer<typeof TicketListSchema>;

export const AckSchema = z.object({ state: z.literal("done"), ticket: V1TicketSchema }).openapi("Ack");
export const ReleaseSchema = z.object({ state: z.literal("queued"), ticket: V1TicketSchema }).openapi("Release");

/** The outcome of ack/release as the Router returns it over RPC; the route maps it to 200/404/409. */
export type LeaseOutcome = { ok: true; ticket: V1Ticket } | { ok: false; reason: "unknown" | "stale" };

// ---------------------------------------------------------------------------------------
// Activity: arrivals and completions per minute over the last hour (the dashboard's chart).
// ---------------------------------------------------------------------------------------

export const ActivityMinuteSchema = z
  .object({
    start: z.string().datetime().openapi({ description: "The minute's start (UTC).", example: "2026-12-02T10:00:00.000Z" }),
    arrivals: count().openapi({ description: "Tickets queued in this minute." }),
    completions: count().openapi({ description: "Tickets that left as done in this minute: popped by next, acked, or drained." }),
  })
  .openapi("ActivityMinute");

export const ActivitySchema = z
  .object({
    window_minutes: z.literal(60),
    minutes: z.array(ActivityMinuteSchema).length(60).openapi({ description: "Exactly 60 minutes, oldest first; the current minute is last." }),
  })
  .openapi("Activity");
export type Activity = z.infer<typeof ActivitySchema>;
