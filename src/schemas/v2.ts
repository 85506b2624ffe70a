import { z } from "@hono/zod-openapi";
import { decodeListCursor } from "../store/list-cursor.ts";
import { CategorySchema, LeaseInfoSchema, LeaseSchema, ListQuerySchema, QueueStatusSchema } from "./ticket.ts";

// Both drains page alike, so /v2 takes the same `limit` (digits 1..500, default 100) as /v1;
// per-category pulls, claims and lease bodies take /v1's schemas too (same fields, same 422 texts).
export { CategoryQuerySchema, ClaimInputSchema, DrainQuerySchema, LeaseInputSchema } from "./ticket.ts";


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
  processed: count().openapi({ description: "Scored and waiting for next or claim (claimed ones are not counted)." }),
  claimed: count().openapi({ description: "Processed tickets under a live lease." }),
  by_category: z.record(CategorySchema, V2CategoryDepthSchema).openapi({ description: "Waiting tickets per category; every category is listed." }),
}).openapi("V2QueueStatus");
export type V2QueueStatus = z.infer<typeof V2QueueStatusSchema>;

