import { z } from "@hono/zod-openapi";
import { CategorySchema } from "./ticket.ts";

// Both drains page alike, so /v2 takes the same `limit` (digits 1..500, default 100) as /v1.
export { DrainQuerySchema } from "./ticket.ts";


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
