import { z } from "@hono/zod-openapi";
import { CategorySchema } from "./ticket.ts";

export const V2AcceptedSchema = z
  .object({
    ticket_id: z.string().uuid(),
    status: z.literal("accepted"),
    message: z.string(),
    accepted_at: z.string().datetime(),
  })
  .openapi("V2Accepted");

export const ModelUsedSchema = z.enum(["m1", "m2"]).openapi({
  description: "m2 = DistilBERT + heads; m1 = TF-IDF SVM + ridge urgency (the fallback).",
});

export const V2TicketSchema = z
  .object({
    ticket_id: z.string(),
    subject: z.string().nullable(),
    body: z.string().nullable(),
    status: z.enum(["pending", "processed", "failed", "not_found"]),
    category: CategorySchema.nullable(),
    urgency_score: z.number().min(0).max(1).nullable(),
    confidence: z.number().min(0).max(1).nullable(),
    model_used: ModelUsedSchema.nullable(),
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
