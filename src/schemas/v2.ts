import { z } from "@hono/zod-openapi";
import { decodeListCursor } from "../store/list-cursor.ts";
import { CategoryQuerySchema, CategorySchema, ClaimInputSchema, DrainQuerySchema, LeaseInfoSchema, LeaseSchema, ListQuerySchema, QueueStatusSchema } from "./ticket.ts";
import { laneEnum, RoutingReasonSchema, RoutingSchema } from "./routing.ts";
import { CorrectionSchema } from "./corrections.ts";

// Both drains page alike, so /v2 takes the same `limit` (digits 1..500, default 100) as /v1;
// per-category pulls, claims and lease bodies take /v1's schemas too (same fields, same 422 texts),
// with /v2's lane (`queue`) added.
export { LeaseInputSchema } from "./ticket.ts";

const queueDescription =
  "Which lane: `auto` (default; tickets whose category reached its confidence band, and corrected ones) or `review` (below it: a person confirms or corrects the category).";

/** `?queue=auto|review` of next, peek and the listing; default auto. */
const queueParam = () =>
  laneEnum()
    .default("auto")
    .openapi({ param: { name: "queue", in: "query" }, description: queueDescription });

export const V2PullQuerySchema = CategoryQuerySchema.extend({ queue: queueParam() });

export const V2ClaimInputSchema = z
  .strictObject({
    ...ClaimInputSchema.shape,
    queue: laneEnum().default("auto").openapi({ description: queueDescription }),
  })
  .openapi("V2ClaimInput");

export const V2DrainQuerySchema = DrainQuerySchema.extend({
  queue: laneEnum()
    .optional()
    .openapi({
      param: { name: "queue", in: "query" },
      description: "Only this lane. Omitted: both lanes, merged in one order (urgency_score descending, ties by the greatest ticket_id).",
    }),
});


export const V2AcceptedSchema = z
  .object({
    ticket_id: z.string().uuid(),
    status: z.literal("accepted"),
    message: z.string(),
    accepted_at: z.string().datetime(),
  })
  .openapi("V2Accepted");

/** The one list of models: the API schema, the scorer's type and the store's records all derive from it. */
export const ModelUsedSchema = z.enum(["m1", "m2"]).openapi({
  description: "m2 = pretrained encoder (all-MiniLM-L6-v2 by default) + heads; m1 = TF-IDF SVM + ridge urgency.",
});
export type ModelUsed = z.infer<typeof ModelUsedSchema>;

export const V2TicketSchema = z
  .object({
    ticket_id: z.string(),
    subject: z.string().nullable(),
    body: z.string().nullable(),
    status: z.enum(["pending", "processed", "failed", "not_found"]),
    category: CategorySchema.nullable(),
    urgency_score: z.number().min(0).max(1).nullable(),
    confidence: z.number().min(0).max(1).nullable(),
    model_used: ModelUsedSchema.nullable().openapi({ description: "The model that decided category and confidence." }),
    urgency_model: ModelUsedSchema.nullable().openapi({
      description: "The model that decided urgency_score (null before processing, and for tickets scored before this field existed).",
    }),
    accepted_at: z.string().nullable(),
    processed_at: z.string().nullable(),
    error: z.string().nullable().openapi({ description: "Why processing failed (status failed only)." }),
    routing: RoutingSchema.nullable().openapi({
      description: "The lane it waits in: auto or review (null before processing, and for tickets scored before routing existed, which wait in auto). A corrected ticket is auto.",
    }),
    reason: RoutingReasonSchema.nullable().openapi({
      description: "Why the category is what it is: the model, a rule, or an agent's correction (null before processing and for tickets scored before routing existed).",
    }),
    lease: LeaseInfoSchema.nullable().openapi({
      description: "Set while an agent holds the (processed) ticket under a live lease (POST /v2/tickets/claim); null otherwise. No lease id: only the claimer has it.",
    }),
  })
  .openapi("V2Ticket");
export type V2Ticket = z.infer<typeof V2TicketSchema>;

export const TicketIdParamSchema = z.object({
  id: z
    .string()
    .uuid("ticket id must be a UUID")
    .openapi({ param: { name: "id", in: "path" }, example: "1b4e28ba-2fa1-41d2-883f-0016d3cca427" }),
});

export const V2DrainSchema = z
  .object({
    drained: z.number().int().nonnegative().openapi({ description: "How many tickets this page removed (tickets.length)." }),
    tickets: z.array(V2TicketSchema).openapi({ description: "The removed tickets, in pop order (highest urgency_score first); each is returned exactly once." }),
    remaining: z.number().int().nonnegative().openapi({ description: "Processed tickets still queued after this page: call again while it is above 0." }),
  })
  .openapi("V2Drain");
export type V2Drain = z.infer<typeof V2DrainSchema>;

export const V2ClaimSchema = z.object({ ticket: V2TicketSchema, lease: LeaseSchema }).openapi("V2Claim");
export const V2AckSchema = z.object({ state: z.literal("done"), ticket: V2TicketSchema }).openapi("V2Ack");
export const V2ReleaseSchema = z.object({ state: z.literal("processed"), ticket: V2TicketSchema }).openapi("V2Release");

const CURSOR_MESSAGE = "not a cursor this service issued (pass next_cursor unchanged)";

/** /v1's listing query, with /v2's states (`processed` = waiting) and /v2's cursor, checked here. */
export const V2ListQuerySchema = ListQuerySchema.extend({
  queue: queueParam(),
  state: z
    .enum(["processed", "claimed"], { error: "state must be one of processed, claimed" })
    .optional()
    .openapi({ param: { name: "state", in: "query" }, description: "Only waiting (processed) or only claimed tickets. Omitted: both." }),
  cursor: z
    .string({ error: "cursor must be a string" })
    .refine((c) => decodeListCursor(c) !== null, CURSOR_MESSAGE)
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "`next_cursor` of the previous page (opaque)." }),
});

export const V2ProcessedEntrySchema = z.object({ state: z.literal("processed"), ticket: V2TicketSchema }).openapi("V2WaitingTicket");
export const V2ClaimedEntrySchema = z
  .object({ state: z.literal("claimed"), ticket: V2TicketSchema, lease: LeaseInfoSchema })
  .openapi("V2ClaimedTicket");

export const V2TicketListSchema = z
  .object({
    tickets: z.array(z.discriminatedUnion("state", [V2ProcessedEntrySchema, V2ClaimedEntrySchema])).openapi({
      description: "In queue order: urgency_score descending (ties: greatest ticket_id first); claimed tickets at the place they return to.",
    }),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last page." }),
  })
  .openapi("V2TicketList");
export type V2TicketList = z.infer<typeof V2TicketListSchema>;

const count = () => z.number().int().nonnegative();

export const V2CategoryDepthSchema = z
  .object({
    processed: count().openapi({ description: "Waiting (processed, not claimed) tickets of this category." }),
    by_urgency: z
      .object({ high: count(), medium: count(), low: count() })
      .openapi({ description: "high: urgency_score >= 0.8; medium: 0.5 to below 0.8; low: below 0.5." }),
  })
  .openapi("V2CategoryDepth");

export const V2QueueStatusSchema = QueueStatusSchema.extend({
  pending: count().openapi({ description: "Accepted, still being scored." }),
  processed: count().openapi({ description: "Scored and waiting in the auto lane for next or claim (claimed ones are not counted)." }),
  claimed: count().openapi({ description: "Processed tickets under a live lease, of either lane." }),
  by_category: z.record(CategorySchema, V2CategoryDepthSchema).openapi({ description: "Waiting tickets of the auto lane per category; every category is listed." }),
  review: z
    .object({
      processed: count().openapi({ description: "Waiting in the review lane (claimed ones are not counted)." }),
      by_category: z.record(CategorySchema, V2CategoryDepthSchema).openapi({ description: "Waiting review tickets per category; every category is listed." }),
    })
    .openapi({ description: "The review lane (`?queue=review`)." }),
}).openapi("V2QueueStatus");
export type V2QueueStatus = z.infer<typeof V2QueueStatusSchema>;


/** POST /v2/tickets/{id}/category: the correction as recorded, and the ticket after it. */
export const V2CorrectionResultSchema = z
  .object({ correction: CorrectionSchema, ticket: V2TicketSchema })
  .openapi("V2CorrectionResult");
export type V2CorrectionResult = z.infer<typeof V2CorrectionResultSchema>;
